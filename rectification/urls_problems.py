"""Problem list pages, merged into rectification/urls.py (app "rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_problems as views

urlpatterns = [
    path("org/<int:org_pk>/problems/", views.problem_lists, name="problem_lists"),
    path(
        "org/<int:org_pk>/problems/new/<int:campaign_pk>/",
        views.problem_list_create,
        name="problem_list_create",
    ),
    path("problems/<int:pk>/", views.problem_list_detail, name="problem_list_detail"),
    path("problems/<int:pk>/edit/", views.problem_list_edit, name="problem_list_edit"),
    path("problems/<int:pk>/publish/", views.problem_list_publish, name="problem_list_publish"),
    path("problems/<int:pk>/print/", views.problem_list_print, name="problem_list_print"),
    path("problems/<int:list_pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("items/<int:pk>/start/", views.item_start, name="item_start"),
    path("items/<int:pk>/closure/", views.closure_request_create, name="closure_request_create"),
    path(
        "items/<int:pk>/extension/", views.extension_request_create, name="extension_request_create"
    ),
    path("closures/<int:pk>/", views.closure_request_detail, name="closure_request_detail"),
    path("extensions/<int:pk>/", views.extension_request_detail, name="extension_request_detail"),
    path("overdue/", views.overdue_items, name="overdue_items"),
]
