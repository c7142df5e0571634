"""Commendation pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_commendations as views

urlpatterns = [
    path("org/<int:org_pk>/commendations/", views.commendation_list, name="commendation_list"),
    path(
        "org/<int:org_pk>/commendations/new/<slug:kind>/",
        views.commendation_create,
        name="commendation_create",
    ),
    path("commendations/", views.commendation_scope_list, name="commendation_scope_list"),
    path("commendations/<int:pk>/", views.commendation_detail, name="commendation_detail"),
    path("commendations/<int:pk>/edit/", views.commendation_edit, name="commendation_edit"),
    path("commendations/<int:pk>/delete/", views.commendation_delete, name="commendation_delete"),
]
