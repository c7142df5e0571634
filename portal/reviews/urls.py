from __future__ import annotations

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("returned/", views.returned, name="returned"),
    path("<str:model>/<int:pk>/transition/", views.transition, name="transition"),
]
