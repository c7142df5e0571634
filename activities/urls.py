from django.urls import path  # noqa: F401

app_name = "activities"

urlpatterns: list = []

from .opinions.urls import urlpatterns as _opinion_urls  # noqa: E402

urlpatterns += _opinion_urls

from .meetings.urls import urlpatterns as _meeting_urls  # noqa: E402

urlpatterns += _meeting_urls

from .plans.urls import urlpatterns as _plan_urls  # noqa: E402

urlpatterns += _plan_urls

from .campaigns.urls import urlpatterns as _campaign_urls  # noqa: E402

urlpatterns += _campaign_urls

from .phase2.urls import urlpatterns as _phase2_urls  # noqa: E402

urlpatterns += _phase2_urls

from .announcements.urls import urlpatterns as _announcement_urls  # noqa: E402

urlpatterns += _announcement_urls
