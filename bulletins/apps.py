from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bulletins"
    verbose_name = _("Reports upward and bulletins")

    def ready(self) -> None:
        # The feed's download (/io/export/upward-reports.<fmt>, organizations.resources).
        from .resources import register

        register()
