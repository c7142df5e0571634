from django.urls import path  # noqa: F401

app_name = "activities"

urlpatterns: list = []

from .urls_opinions import urlpatterns as _opinion_urls  # noqa: E402

urlpatterns += _opinion_urls

from .urls_meetings import urlpatterns as _meeting_urls  # noqa: E402

urlpatterns += _meeting_urls
