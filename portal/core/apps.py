from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal.core"
    label = "core"
    verbose_name = _("Portal shell")

    def ready(self) -> None:
        # Apps declare the links of an organization's page in `<app>/orgmenu.py`.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("orgmenu")

        # A required drop-down offers "Choose…", not Django's "---------".
        from .choices import install as install_choose_label

        install_choose_label()

        # A foreign key whose object is loaded is not looked up again by full_clean().
        from .related import install as install_loaded_foreign_keys

        install_loaded_foreign_keys()

        # No text field of any model stores a control character (formula injection
        # through an export, see portal/core/text.py).
        from django.db.models.signals import pre_save

        from .text import strip_control_characters_on_save

        pre_save.connect(strip_control_characters_on_save, dispatch_uid="strip_control_characters")

        # The keys of the personal data encrypted at rest (portal/core/crypto.py).
        from django.core import checks

        from .checks import check_field_encryption_keys

        checks.register(check_field_encryption_keys, checks.Tags.security)
