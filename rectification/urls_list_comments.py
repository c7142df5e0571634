"""Comment-period, comment and revision pages, merged into rectification/urls.py (app
"rectification")."""

from __future__ import annotations

from django.urls import path

from . import views_list_comments as views

urlpatterns = [
    path("problems/<int:pk>/comments/", views.comment_period, name="comment_period"),
    path(
        "problems/<int:pk>/comments/close/",
        views.comment_period_close,
        name="comment_period_close",
    ),
    path("problems/<int:pk>/comments/qr/", views.comment_qr, name="comment_qr"),
    path("comments/<int:pk>/answer/", views.comment_answer, name="comment_answer"),
    path("comments/<int:pk>/adopt/", views.comment_adopt, name="comment_adopt"),
    path("comments/<int:pk>/new-item/", views.comment_new_item, name="comment_new_item"),
    path("problems/<int:pk>/revise/", views.revision_create, name="revision_create"),
    path("revisions/<int:pk>/", views.revision_detail, name="revision_detail"),
    path("revisions/<int:pk>/edit/", views.revision_edit, name="revision_edit"),
    path("revisions/<int:pk>/items/new/", views.revision_item_add, name="revision_item_add"),
    path(
        "revision-items/<int:pk>/delete/",
        views.revision_item_delete,
        name="revision_item_delete",
    ),
]
