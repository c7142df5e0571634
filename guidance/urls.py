from django.urls import path

from . import views, views_enterprises

app_name = "guidance"

urlpatterns = [
    path("", views.instructor_home, name="home"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("org/<int:org_pk>/", views.org_visits, name="org_visits"),
    path("org/<int:org_pk>/new/", views.visit_create, name="visit_create"),
    path(
        "enterprise/<int:pk>/instructors/",
        views_enterprises.enterprise_instructors,
        name="enterprise_instructors",
    ),
    path(
        "enterprise-instructor/<int:pk>/remove/",
        views_enterprises.enterprise_instructor_remove,
        name="enterprise_instructor_remove",
    ),
]
