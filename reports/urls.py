from django.urls import path

from . import views, views_ledgers

app_name = "reports"

urlpatterns = [
    path("", views.my_reports, name="list"),
    path("org/<int:org_pk>/", views.org_reports, name="org_reports"),
    path("new/<slug:slug>/", views.request_new, name="request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("org/<int:org_pk>/ledgers/", views_ledgers.ledgers, name="ledgers"),
    path(
        "org/<int:org_pk>/ledgers/<slug:slug>.docx",
        views_ledgers.ledger_docx,
        name="ledger_docx",
    ),
    path("meeting/<int:pk>/record.docx", views_ledgers.meeting_docx, name="meeting_docx"),
    path("appraisal/<int:pk>/sheet.docx", views_ledgers.appraisal_docx, name="appraisal_docx"),
]
