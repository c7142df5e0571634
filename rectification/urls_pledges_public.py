"""The public pledge boards, mounted at /pledges/ (namespace "pledges"; no login)."""

from __future__ import annotations

from django.urls import path

from . import views_pledges

app_name = "pledges"

urlpatterns = [
    # Tokens are secrets.token_urlsafe(): letters, digits, "-" and "_", i.e. a slug.
    path("<slug:token>/", views_pledges.board, name="board"),
]
