"""Opinion and suggestion-box pages, merged into activities/urls.py (app "activities")."""

from __future__ import annotations

from django.urls import path

from . import views as views

urlpatterns = [
    path("org/<int:org_pk>/opinions/", views.opinion_list, name="opinion_list"),
    path("org/<int:org_pk>/opinions/new/", views.opinion_create, name="opinion_create"),
    path("org/<int:org_pk>/opinions/feedback/", views.opinion_feedback, name="opinion_feedback"),
    path("opinions/<int:pk>/", views.opinion_detail, name="opinion_detail"),
    path("opinions/<int:pk>/sort/", views.opinion_sort, name="opinion_sort"),
    path("opinions/<int:pk>/answer/", views.opinion_answer, name="opinion_answer"),
    path("org/<int:org_pk>/box/", views.box_settings, name="box_settings"),
    path("org/<int:org_pk>/box/create/", views.box_create, name="box_create"),
    path("org/<int:org_pk>/box/open/", views.box_open, name="box_open"),
    path("org/<int:org_pk>/box/close/", views.box_close, name="box_close"),
    path("org/<int:org_pk>/box/rotate/", views.box_rotate, name="box_rotate"),
    path("org/<int:org_pk>/box/qr/", views.box_qr, name="box_qr"),
]
