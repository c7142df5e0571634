"""URLs of the rectification app; each area keeps its patterns in urls_<area>.py and
extends this list."""

from django.urls import path  # noqa: F401

app_name = "rectification"

urlpatterns: list = []

from .urls_problems import urlpatterns as _problem_urls  # noqa: E402

urlpatterns += _problem_urls

from .urls_standards import urlpatterns as _standard_urls  # noqa: E402

urlpatterns += _standard_urls

from .urls_pledges import urlpatterns as _pledge_urls  # noqa: E402

urlpatterns += _pledge_urls

from .urls_mechanisms import urlpatterns as _mechanism_urls  # noqa: E402

urlpatterns += _mechanism_urls

from .urls_funding import urlpatterns as _funding_urls  # noqa: E402

urlpatterns += _funding_urls

from .urls_commendations import urlpatterns as _commendation_urls  # noqa: E402

urlpatterns += _commendation_urls

from .urls_list_comments import urlpatterns as _comment_urls  # noqa: E402

urlpatterns += _comment_urls
from .urls_satisfaction import urlpatterns as _satisfaction_urls  # noqa: E402

urlpatterns += _satisfaction_urls

from .urls_standard_templates import urlpatterns as _template_urls  # noqa: E402

urlpatterns += _template_urls
