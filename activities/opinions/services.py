"""Writes for opinions and the online suggestion box (docs/product.md §6.1).

Every function validates with full_clean() and runs in one transaction; status changes
go through Opinion.transition(), which writes the timeline event.
The rectification app calls `opinion_mark_adopted` when it turns an opinion into a
problem-list item.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Organization
from portal.accounts.models import Role
from portal.notifications.services import notify

from ..models import (
    Campaign,
    Opinion,
    OpinionChannel,
    OpinionEvent,
    OpinionStatus,
    ProblemCategory,
    SuggestionBox,
)
from ..models.opinions import new_box_token, new_receipt_code, new_short_code

# Fields a clerk may type in for an opinion received offline.
OPINION_INPUT_FIELDS = (
    "source",
    "channel",
    "addressed_to",
    "addressed_member",
    "addressed_member_name",
    "given_by_member",
    "content",
    "submitter_name",
    "submitter_contact",
    "received_on",
    "category",
)


def _authenticated(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _check_campaign(organization: Organization, campaign: Campaign) -> None:
    if not Campaign.objects.for_organization(organization).filter(pk=campaign.pk).exists():
        raise ValidationError(_("This organization does not take part in that campaign."))


@transaction.atomic
def opinion_create(
    *, actor: Any, organization: Organization, campaign: Campaign, **fields: Any
) -> Opinion:
    """Record an opinion received face-to-face, on a form or in the paper box.

    A category given at once sorts the opinion in the same step (two events: received,
    then sorted). Queries: campaign check, insert, history row, event(s).
    """
    unknown = set(fields) - set(OPINION_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
    _check_campaign(organization, campaign)
    if fields.get("channel") == OpinionChannel.ONLINE:
        raise ValidationError({"channel": _("Online-box opinions come in through the box.")})
    category = fields.pop("category", None)
    opinion = Opinion(
        organization=organization,
        campaign=campaign,
        recorded_by=_authenticated(actor),
        **fields,
    )
    opinion.full_clean(validate_constraints=False)
    opinion.save()
    OpinionEvent.objects.create(
        opinion=opinion, from_status="", to_status=OpinionStatus.RECEIVED, actor=opinion.recorded_by
    )
    if category is not None:
        opinion_sort(opinion, actor=actor, category=category)
    return opinion


@transaction.atomic
def opinion_submit_online(
    *,
    box: SuggestionBox,
    campaign: Campaign,
    content: str,
    addressed_to: str,
    addressed_member_name: str = "",
    suggested_category: ProblemCategory | None = None,
    source: str = "",
    submitter_name: str = "",
    submitter_contact: str = "",
) -> Opinion:
    """An opinion left in the public online box, with a fresh receipt code.

    No actor: the submitter has no account. The caller (the public view) has checked
    that the box is open, the rate limits and the anti-spam fields. Queries: insert,
    history row, event; a receipt-code collision (about 1 in 10^15) retries in a
    savepoint. After commit, the organization's secretaries and clerks are notified
    (notify_online_opinion: two more queries).
    """
    opinion = Opinion(
        organization=box.organization,
        campaign=campaign,
        channel=OpinionChannel.ONLINE,
        addressed_to=addressed_to,
        addressed_member_name=addressed_member_name,
        content=content,
        suggested_category=suggested_category,
        source=source or Opinion._meta.get_field("source").default,
        submitter_name=submitter_name,
        submitter_contact=submitter_contact,
        received_on=timezone.localdate(),
    )
    # The box and campaign were just loaded by the view: no need to re-check that the
    # foreign keys exist (two queries saved on a public, rate-limited page).
    opinion.full_clean(
        exclude=["receipt_code", "organization", "campaign"], validate_constraints=False
    )
    for attempt in range(3):
        opinion.receipt_code = new_receipt_code()
        try:
            with transaction.atomic():
                opinion.save(force_insert=True)
            break
        except IntegrityError:
            opinion.pk = None
            if attempt == 2:
                raise
    OpinionEvent.objects.create(opinion=opinion, from_status="", to_status=OpinionStatus.RECEIVED)
    organization = box.organization
    transaction.on_commit(lambda: notify_online_opinion(opinion, organization))
    return opinion


def notify_online_opinion(opinion: Opinion, organization: Organization) -> None:
    """Tell the organization's own secretaries and clerks (not those of the levels
    above) that an opinion arrived in its online box, in-app (and by e-mail where
    configured). Called once the opinion is committed, so a rolled-back submission
    notifies nobody and a notification failure never loses the opinion. Queries: the
    recipients (one), the notification rows (one insert)."""
    recipients = (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__organization=organization,
            role_assignments__role__in=[Role.SECRETARY, Role.CLERK],
        )
        .distinct()
        .order_by("pk")
    )
    notify(
        recipients,
        verb="opinion.online",
        title=format_lazy(
            gettext_lazy("New opinion in the online suggestion box of {org}"),
            org=organization.short_name,
        ),
        body=Truncator(opinion.content).chars(200),
        url=opinion.get_absolute_url(),
    )


@transaction.atomic
def opinion_sort(opinion: Opinion, *, actor: Any, category: ProblemCategory) -> Opinion:
    """Set (or change) the category: received → sorted, or sorted → sorted."""
    if category is None:
        raise ValidationError({"category": _("Pick a category.")})
    previous = opinion.category
    opinion.category = category
    try:
        opinion.transition(OpinionStatus.SORTED, actor=actor, note=str(category))
    except ValidationError:
        opinion.category = previous
        raise
    return opinion


@transaction.atomic
def opinion_answer(opinion: Opinion, *, actor: Any, text: str) -> Opinion:
    """Written feedback: sorted → answered. The answer is shown to the team, the
    organization's members and (for online-box opinions) the submitter."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer_text": _("Write the answer.")})
    saved = (opinion.answer_text, opinion.answered_by, opinion.answered_at)
    opinion.answer_text = text
    opinion.answered_by = _authenticated(actor)
    opinion.answered_at = timezone.now()
    try:
        opinion.transition(OpinionStatus.ANSWERED, actor=actor)
    except ValidationError:
        opinion.answer_text, opinion.answered_by, opinion.answered_at = saved
        raise
    return opinion


@transaction.atomic
def opinion_mark_adopted(
    opinion: Opinion, *, actor: Any, item_label: str, item_url: str
) -> Opinion:
    """Called by the rectification app when the opinion becomes a problem-list item:
    sorted (or answered) → adopted, keeping a label and a link to the item.

    Raises IllegalTransition for a received (unsorted) or already adopted opinion.
    """
    item_label = (item_label or "").strip()[:200]
    if not item_label:
        raise ValidationError({"adopted_item_label": _("Name the problem-list item.")})
    item_url = (item_url or "").strip()
    # Rendered as a link on the opinion page: a path on this site only (no scheme, so
    # no javascript: or off-site links).
    if item_url and (not item_url.startswith("/") or item_url.startswith("//")):
        raise ValidationError({"adopted_item_url": _("Give the item's path on this site.")})
    saved = (opinion.adopted_item_label, opinion.adopted_item_url, opinion.adopted_at)
    opinion.adopted_item_label = item_label
    opinion.adopted_item_url = item_url[:300]
    opinion.adopted_at = timezone.now()
    try:
        opinion.transition(OpinionStatus.ADOPTED, actor=actor, note=item_label)
    except ValidationError:
        opinion.adopted_item_label, opinion.adopted_item_url, opinion.adopted_at = saved
        raise
    return opinion


# --- the online suggestion box --------------------------------------------------------


@transaction.atomic
def box_create(*, actor: Any, organization: Organization) -> SuggestionBox:
    """The organization's box, created open on first use (idempotent)."""
    box, _created = SuggestionBox.objects.get_or_create(
        organization=organization, defaults={"created_by": _authenticated(actor)}
    )
    return box


@transaction.atomic
def box_update(box: SuggestionBox, *, actor: Any, intro: str) -> SuggestionBox:
    box.intro = intro.strip()
    box.full_clean(validate_unique=False)
    box.save(update_fields=["intro"])
    return box


@transaction.atomic
def box_set_open(box: SuggestionBox, *, actor: Any, is_open: bool) -> SuggestionBox:
    """Open or close the box. A closed box still lets people read replies."""
    box.is_open = is_open
    box.save(update_fields=["is_open"])
    return box


@transaction.atomic
def box_rotate_token(box: SuggestionBox, *, actor: Any) -> SuggestionBox:
    """A new public address; the old link and printed QR codes stop working."""
    box.token = new_box_token()
    box.short_code = new_short_code()
    box.token_rotated_at = timezone.now()
    box.save(update_fields=["token", "short_code", "token_rotated_at"])
    return box
