from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpgradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "upgrading"
    verbose_name = _("Classifying and lifting organizations")

    def ready(self) -> None:
        # The exports of the annual classes and the leadership terms.
        from .resources import register

        register()
