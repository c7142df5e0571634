"""Working-mechanism pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_mechanisms as views

urlpatterns = [
    path("org/<int:org_pk>/mechanisms/", views.mechanism_register, name="mechanism_register"),
    path("org/<int:org_pk>/mechanisms/new/", views.mechanism_create, name="mechanism_create"),
    path("mechanisms/<int:pk>/", views.mechanism_detail, name="mechanism_detail"),
    path("mechanisms/<int:pk>/edit/", views.mechanism_edit, name="mechanism_edit"),
    path("mechanisms/<int:pk>/delete/", views.mechanism_delete, name="mechanism_delete"),
]
