"""Announced meetings and the members' answers (docs/product.md §6.1), merged into
activities/urls.py (app "activities")."""

from __future__ import annotations

from django.urls import path

from . import views as views

urlpatterns = [
    path("org/<int:org_pk>/announced/", views.announcement_list, name="announcement_list"),
    path(
        "org/<int:org_pk>/announced/new/",
        views.announcement_create,
        name="announcement_create",
    ),
    path("announced/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("announced/<int:pk>/edit/", views.announcement_edit, name="announcement_edit"),
    path("announced/<int:pk>/record/", views.announcement_record, name="announcement_record"),
    path("my/meetings/<int:pk>/", views.my_meeting, name="my_meeting"),
]
