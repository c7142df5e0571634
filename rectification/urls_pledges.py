"""Pledge pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_pledges as views

urlpatterns = [
    path("org/<int:org_pk>/pledges/", views.pledge_list, name="pledge_list"),
    path("org/<int:org_pk>/pledges/board/", views.pledge_board_open, name="pledge_board_open"),
    path(
        "pledges/member/<int:member_pk>/campaign/<int:campaign_pk>/",
        views.pledge_create_view,
        name="pledge_create",
    ),
    path("pledges/mine/", views.my_pledges, name="my_pledges"),
    path("pledges/<int:pk>/", views.pledge_detail, name="pledge_detail"),
    path("pledges/<int:pk>/edit/", views.pledge_edit, name="pledge_edit"),
    path("pledges/<int:pk>/publish/", views.pledge_publish, name="pledge_publish"),
]
