from django.urls import path

from . import views, views_dashboard, views_urge

app_name = "progress"

urlpatterns = [
    path("org/<int:org_pk>/", views.checklist, name="checklist"),
    path(
        "org/<int:org_pk>/campaign/<int:campaign_pk>/", views.checklist, name="checklist_campaign"
    ),
    path("grid/<int:org_pk>/", views.grid, name="grid"),
    path("urge/<int:org_pk>/", views_urge.urge, name="urge"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/<int:org_pk>/", views_dashboard.dashboard, name="dashboard_org"),
]
