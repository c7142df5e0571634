"""The public comment page of a problem list open to comment, mounted at /comment/
(namespace "comment"; no login)."""

from __future__ import annotations

from django.urls import path

from . import views_list_comments as views

app_name = "comment"

urlpatterns = [
    # Tokens are secrets.token_urlsafe(): letters, digits, "-" and "_", i.e. a slug.
    path("<slug:token>/", views.public_comment, name="list"),
    path("<slug:token>/thanks/", views.public_thanks, name="thanks"),
]
