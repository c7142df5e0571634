from django.contrib import admin
from django.urls import include, path, re_path

from activities.public import views as public_views
from portal.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("portal.accounts.urls")),
    path("org/", include("organizations.urls")),
    path("io/", include("organizations.urls_io")),
    path("campaign/", include("activities.urls")),
    path("rectification/", include("rectification.urls")),
    path("reports/", include("reports.urls")),
    path("box/", include("activities.public.urls")),
    # The suggestion box's short address, typed from the poster: /b/ABC123 (any case).
    re_path(r"^b/(?P<code>[A-Za-z0-9]{6})/?$", public_views.short_box, name="short_box"),
    path("pledges/", include("rectification.urls_pledges_public")),
    path("notice/", include("rectification.urls_public")),
    path("comment/", include("rectification.urls_comment_public")),
    path("vote/", include("rectification.urls_vote")),
    path("reviews/", include("portal.reviews.urls")),
    path("progress/", include("portal.progress.urls")),
    path("guidance/", include("guidance.urls")),
    path("upgrading/", include("upgrading.urls")),
    path("bulletins/", include("bulletins.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("files/", include("portal.attachments.urls")),
    path("admin/", admin.site.urls),
    path("", include("portal.core.urls")),
]

handler403 = "portal.core.views.error_403"
handler404 = "portal.core.views.error_404"
handler500 = "portal.core.views.error_500"
