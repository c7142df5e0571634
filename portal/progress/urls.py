from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("org/<int:org_pk>/", views.checklist, name="checklist"),
    path(
        "org/<int:org_pk>/campaign/<int:campaign_pk>/", views.checklist, name="checklist_campaign"
    ),
    path("grid/<int:org_pk>/", views.grid, name="grid"),
]
