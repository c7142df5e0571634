"""Funding pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_funding as views

urlpatterns = [
    path("org/<int:org_pk>/funding/", views.funding_overview, name="funding_overview"),
    path(
        "org/<int:org_pk>/funding/new/", views.funding_receipt_create, name="funding_receipt_create"
    ),
    path("funding/<int:pk>/", views.funding_receipt_detail, name="funding_receipt_detail"),
    path("funding/<int:pk>/edit/", views.funding_receipt_edit, name="funding_receipt_edit"),
    path("funding/<int:pk>/delete/", views.funding_receipt_delete, name="funding_receipt_delete"),
]
