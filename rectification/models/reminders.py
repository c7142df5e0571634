"""The ledger of reminders sent by the daily job (rectification/reminders.py).

One row per recipient and event; the unique constraint on (recipient, key) is what
makes every reminder once-only, even when the job runs twice or two workers run it at
the same time: a run inserts its rows with ON CONFLICT DO NOTHING under its own `run`
token and notifies only for the rows that carry that token afterwards.

Keys name the event, e.g. "item:42:due:2014-09-30:3" (3 days before that deadline),
"item:42:overdue:2014-09-30:7" (7 days past it), "plan:org12:campaign3:phase1-end:
2014-05-31". A moved deadline or phase end is a new event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderSent(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("event"), max_length=120)
    run = models.UUIDField(_("run"), editable=False)
    sent_on = models.DateField(_("sent on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="reminder_once_per_event"),
        ]
        indexes = [
            # After inserting, a run reads back the rows it created (its own token).
            models.Index(fields=["run"], name="reminder_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.key}"
