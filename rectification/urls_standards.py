"""Standards checklist pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_standards as views

urlpatterns = [
    path("org/<int:org_pk>/standards/", views.standard_overview, name="standard_overview"),
    path(
        "org/<int:org_pk>/standards/start/<int:campaign_pk>/<int:template_pk>/",
        views.standard_start,
        name="standard_start",
    ),
    path("org/<int:org_pk>/standards/results/", views.standard_results, name="standard_results"),
    path("standards/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("standards/<int:pk>/score/", views.assessment_score_view, name="assessment_score"),
    path("standards/items/<int:pk>/", views.assessment_entry_edit, name="assessment_entry_edit"),
]
