"""The public online suggestion box, mounted at /box/ (namespace "public"; no login)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    # Tokens are secrets.token_urlsafe(): letters, digits, "-" and "_", i.e. a slug.
    path("<slug:token>/", views.box, name="box"),
    path("<slug:token>/receipt/", views.receipt, name="receipt"),
    path("<slug:token>/thanks/", views.thanks, name="thanks"),
]
