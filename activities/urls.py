from django.urls import path  # noqa: F401

app_name = "activities"

urlpatterns: list = []

from .urls_opinions import urlpatterns as _opinion_urls  # noqa: E402

urlpatterns += _opinion_urls

from .urls_meetings import urlpatterns as _meeting_urls  # noqa: E402

urlpatterns += _meeting_urls

from .urls_plans import urlpatterns as _plan_urls  # noqa: E402

urlpatterns += _plan_urls

from .urls_campaigns import urlpatterns as _campaign_urls  # noqa: E402

urlpatterns += _campaign_urls

from .urls_phase2 import urlpatterns as _phase2_urls  # noqa: E402

urlpatterns += _phase2_urls

from .urls_announcements import urlpatterns as _announcement_urls  # noqa: E402

urlpatterns += _announcement_urls
