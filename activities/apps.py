from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activities"
    verbose_name = _("Campaigns and activities")

    def ready(self) -> None:
        # The downloadable lists (/io/export/<kind>.<fmt>, organizations.resources).
        from .resources import register

        register()
        # No record of a closed campaign is saved or deleted (docs/product.md §5.2).
        from . import closing

        closing.connect()
