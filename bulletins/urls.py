from __future__ import annotations

from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_pk>/", views.feed, name="feed"),
    path("org/<int:org_pk>/send/", views.report_create, name="report_create"),
    path("org/<int:org_pk>/select/<int:pk>/", views.report_select, name="report_select"),
    path("org/<int:org_pk>/compile/", views.bulletin_compile, name="compile"),
    path("org/<int:org_pk>/bulletins/", views.bulletin_list, name="bulletin_list"),
    path("report/<int:pk>/", views.report_detail, name="report_detail"),
    path("bulletin/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletin/<int:pk>/docx/", views.bulletin_docx, name="bulletin_docx"),
]
