"""The site administrator's campaign pages, merged into activities/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views as views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/compose/", views.campaign_compose, name="campaign_compose"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/check/", views.campaign_check, name="campaign_check"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/reopen/", views.campaign_reopen, name="campaign_reopen"),
    path("campaigns/<int:pk>/rebuild/", views.campaign_rebuild_status, name="campaign_rebuild"),
    path("campaigns/<int:pk>/requirements/", views.requirement_list, name="requirement_list"),
    path("campaigns/<int:pk>/requirements/add/", views.requirement_add, name="requirement_add"),
    path(
        "campaigns/<int:pk>/requirements/<int:rid>/edit/",
        views.requirement_edit,
        name="requirement_edit",
    ),
    path(
        "campaigns/<int:pk>/requirements/<int:rid>/delete/",
        views.requirement_delete,
        name="requirement_delete",
    ),
    path(
        "campaigns/<int:pk>/requirements/<int:rid>/move/",
        views.requirement_move,
        name="requirement_move",
    ),
]
