"""Satisfaction evaluation pages, merged into rectification/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views_satisfaction as views

urlpatterns = [
    path("org/<int:org_pk>/satisfaction/", views.satisfaction, name="satisfaction"),
    path(
        "org/<int:org_pk>/satisfaction/settings/",
        views.satisfaction_settings,
        name="satisfaction_settings",
    ),
    path(
        "org/<int:org_pk>/satisfaction/batches/new/",
        views.satisfaction_batch_create,
        name="satisfaction_batch_create",
    ),
    path(
        "org/<int:org_pk>/satisfaction/poster/",
        views.satisfaction_poster,
        name="satisfaction_poster",
    ),
    path(
        "org/<int:org_pk>/satisfaction/summary/",
        views.satisfaction_summary,
        name="satisfaction_summary",
    ),
    path("satisfaction/batches/<int:pk>/", views.satisfaction_batch, name="satisfaction_batch"),
]
