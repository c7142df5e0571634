from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rectification"
    verbose_name = _("Rectification and rules")

    def ready(self) -> None:
        # The downloadable lists (/io/export/<kind>.<fmt>, organizations.resources).
        from .resources import register

        register()

        # Which question is the overall one decides every satisfaction result of the
        # campaign (rectification/requirements.py): recompute its checklist rows.
        from django.db.models.signals import post_delete, post_save

        from .models import SatisfactionQuestion

        for signal in (post_save, post_delete):
            signal.connect(
                _question_changed,
                sender=SatisfactionQuestion,
                dispatch_uid=f"rectification-satisfaction-question-{signal}",
            )


def _question_changed(sender: object, instance: object, **kwargs: object) -> None:
    from portal.progress.rollup import campaign_changed

    campaign_changed(instance.campaign_id)  # type: ignore[attr-defined]
