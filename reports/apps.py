from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "PDF reports"

    def ready(self) -> None:
        # Every module of reports/kinds/ registers its report kinds on import
        # (reports.registry.register); the views and the task find them by slug.
        import importlib
        import pkgutil

        from . import kinds

        for module in pkgutil.iter_modules(kinds.__path__):
            importlib.import_module(f"{kinds.__name__}.{module.name}")
