"""Activity plan pages, merged into activities/urls.py (app "activities")."""

from __future__ import annotations

from django.urls import path

from . import views as views

urlpatterns = [
    path("org/<int:org_pk>/plans/", views.plan_overview, name="plan_overview"),
    path("org/<int:org_pk>/plans/new/<int:campaign_pk>/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/history/", views.plan_history, name="plan_history"),
]
