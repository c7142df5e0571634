from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.progress"
    label = "progress"
    verbose_name = _("Requirements and progress")

    def ready(self) -> None:
        # Domain apps register their requirement kinds in `<app>/requirements.py`.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("requirements")
        # A new campaign gets the 2014 template's requirement instances.
        from . import instances

        instances.connect()
        # The roll-up follows every change of the records the requirements read.
        from . import rollup

        rollup.connect()
