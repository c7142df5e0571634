"""The public notice of published problem lists (公示), mounted at /notice/ (namespace
"notice"; no login)."""

from __future__ import annotations

from django.urls import path

from . import views_problems

app_name = "notice"

urlpatterns = [
    # Tokens are secrets.token_urlsafe(): letters, digits, "-" and "_", i.e. a slug.
    path("<slug:token>/", views_problems.notice, name="problem_list"),
]
