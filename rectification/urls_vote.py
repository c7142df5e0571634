"""The public satisfaction ballot, mounted at /vote/ (namespace "vote"; no login)."""

from __future__ import annotations

from django.urls import path

from . import views_satisfaction

app_name = "vote"

urlpatterns = [
    # Tokens are secrets.token_urlsafe(): letters, digits, "-" and "_", i.e. a slug.
    path("<slug:token>/", views_satisfaction.ballot, name="ballot"),
    path("<slug:token>/thanks/", views_satisfaction.thanks, name="thanks"),
]
