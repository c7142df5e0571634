from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.reviews"
    label = "reviews"
    verbose_name = _("Review workflow")
