"""Classifying and lifting organizations, and leadership terms (app "upgrading")."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "upgrading"

urlpatterns = [
    path("org/<int:org_pk>/", views.org_page, name="org"),
    path("org/<int:org_pk>/board/", views.board, name="board"),
    path("org/<int:org_pk>/dashboard-panel/", views.dashboard_panel, name="dashboard_panel"),
    path("instructor-panel/", views.instructor_panel, name="instructor_panel"),
    path("org/<int:org_pk>/grade/", views.grade, name="grade"),
    path("org/<int:org_pk>/plans/new/", views.plan_create, name="plan_create"),
    path(
        "org/<int:org_pk>/demonstrations/new/",
        views.demonstration_create,
        name="demonstration_create",
    ),
    path("org/<int:org_pk>/terms/new/", views.term_create, name="term_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/notes/", views.note_add, name="note_add"),
    path("plans/<int:pk>/delisting/", views.delisting_edit, name="delisting_edit"),
    path("delistings/<int:pk>/", views.delisting_detail, name="delisting_detail"),
    path("demonstrations/<int:pk>/", views.demonstration_detail, name="demonstration_detail"),
    path("demonstrations/<int:pk>/edit/", views.demonstration_edit, name="demonstration_edit"),
]
