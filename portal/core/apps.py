from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.core"
    label = "core"
    verbose_name = "Portal shell"
