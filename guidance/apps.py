from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guidance"
    verbose_name = _("Guidance visits")

    def ready(self) -> None:
        # The visit log's download (docs/product.md §10).
        from .resources import register

        register()
