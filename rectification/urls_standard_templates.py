"""The office's standards template pages, merged into rectification/urls.py (app
"rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_standard_templates as views

BASE = "campaigns/<int:campaign_pk>/standards/"

urlpatterns = [
    path(BASE, views.template_list, name="template_list"),
    path(f"{BASE}new/", views.template_create, name="template_create"),
    path(f"{BASE}<int:pk>/", views.template_detail, name="template_detail"),
    path(f"{BASE}<int:pk>/edit/", views.template_edit, name="template_edit"),
    path(f"{BASE}<int:pk>/new-version/", views.template_new_version, name="template_new_version"),
    path(f"{BASE}<int:pk>/remove/", views.template_remove, name="template_remove"),
    path(f"{BASE}<int:pk>/items/new/", views.item_create, name="template_item_create"),
    path(f"{BASE}<int:pk>/items/<int:item_pk>/", views.item_edit, name="template_item_edit"),
    path(
        f"{BASE}<int:pk>/items/<int:item_pk>/delete/",
        views.item_delete,
        name="template_item_delete",
    ),
    path(f"{BASE}<int:pk>/items/<int:item_pk>/move/", views.item_move, name="template_item_move"),
]
