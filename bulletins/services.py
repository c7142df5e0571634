"""Writes of reporting upward and bulletins (docs/product.md §6.6).

Who may do what (portal/accounts/permissions.py):
* send a report for an organization: RECORD on it (its secretary and clerk, or those of
  an organization above it);
* select / unselect a report for a level, compile that level's bulletin:
  COMPILE_BULLETINS on the level (reviewers and the campaign office), and the report
  lies in the level's subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Role
from portal.accounts.permissions import Action, require
from portal.attachments.models import AttachmentKind
from portal.attachments.services import attachment_add
from portal.attachments.validators import inspect_upload
from portal.notifications.services import Message, notify_batch

from .models import MAX_PHOTOS, Bulletin, Selection, UpwardReport, parse_tags

if TYPE_CHECKING:
    from activities.models import Campaign, Phase
    from organizations.models import Organization


def default_title(organization: Organization) -> str:
    """《XX县非公企业党组织教育实践活动简报》: the compiling organization's name first."""
    return _(
        "%(org)s bulletin of the education campaign of Party organizations in "
        "non-public enterprises"
    ) % {"org": organization.short_name}


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    organization: Organization,
    campaign: Campaign,
    phase: Phase | None,
    title: str,
    body: str,
    tags: str | list[str] = "",
    photos: Sequence[IO[bytes]] = (),
) -> UpwardReport:
    """Send a report upward with up to nine photos (images only, checked by content
    through the attachments app). Raises ValidationError for the form."""
    require(actor, Action.RECORD, organization)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}})
    for photo in photos:
        inspected = inspect_upload(photo, getattr(photo, "name", "") or "")
        if not inspected.is_image:
            raise ValidationError(
                {"photos": _("%(name)s is not a photo.") % {"name": getattr(photo, "name", "")}}
            )
        photo.seek(0)
    report = UpwardReport(
        organization=organization,
        campaign=campaign,
        phase=phase,
        title=title,
        body=body,
        submitted_by=actor,
    )
    report.set_tags(parse_tags(tags) if isinstance(tags, str) else list(tags))
    report.full_clean()
    report.save()
    for photo in photos:
        attachment_add(
            actor=actor,
            record=report,
            organization=organization,
            kind=AttachmentKind.PHOTO,
            upload=photo,
            name=getattr(photo, "name", "") or "photo",
        )
    return report


def _require_in_level(actor: Any, level: Organization, report: UpwardReport) -> None:
    require(actor, Action.COMPILE_BULLETINS, level)
    if not report.organization.path.startswith(level.path):
        raise ValidationError(_("This report was not sent within %(org)s.") % {"org": level})


@transaction.atomic
def report_select(*, actor: Any, level: Organization, report: UpwardReport) -> Selection:
    """Mark the report as selected (采用) by `level`; selecting it again changes nothing."""
    _require_in_level(actor, level, report)
    selection, _created = Selection.objects.get_or_create(
        report=report, organization=level, defaults={"selected_by": actor}
    )
    return selection


@transaction.atomic
def report_unselect(*, actor: Any, level: Organization, report: UpwardReport) -> None:
    """Withdraw the level's selection, unless a bulletin of the level used it."""
    _require_in_level(actor, level, report)
    selection = (
        Selection.objects.select_for_update().filter(report=report, organization=level).first()
    )
    if selection is None:
        return
    if selection.bulletin_id is not None:
        raise ValidationError(_("A bulletin used this report; it stays selected."))
    selection.delete()


def available_selections(level: Organization, campaign: Campaign) -> Any:
    """The level's selections of the campaign no bulletin has used yet, oldest report
    first (the order of a bulletin's items). One query with the reports."""
    return (
        Selection.objects.unused()
        .filter(organization=level, report__campaign=campaign)
        .select_related("report__organization", "report__submitted_by")
        .order_by("report__submitted_at", "report__pk")
    )


@transaction.atomic
def bulletin_compile(
    *,
    actor: Any,
    level: Organization,
    campaign: Campaign,
    selection_ids: Sequence[int],
    title: str,
    issuer: str,
    issued_on: dt.date,
) -> Bulletin:
    """Compile the level's next bulletin of the campaign from the chosen selections.

    The number is the last one plus one: the compiling organization's row is locked
    (SELECT … FOR UPDATE) while it is taken, so two offices compiling at once get 第 1
    期 and 第 2 期, never the same number nor a gap (the unique constraint backs it
    up). Only the level's own selections not used yet count; any other id is refused.
    The organizations whose reports were used are told (secretaries and clerks there,
    and whoever sent the report)."""
    from organizations.models import Organization

    require(actor, Action.COMPILE_BULLETINS, level)
    Organization.objects.select_for_update().filter(pk=level.pk).first()
    ids = list(dict.fromkeys(int(i) for i in selection_ids))
    if not ids:
        raise ValidationError({"items": _("Choose at least one selected report.")})
    chosen = list(
        available_selections(level, campaign).select_for_update(of=("self",)).filter(pk__in=ids)
    )
    if len(chosen) != len(ids):
        raise ValidationError(
            {"items": _("Some of these reports are not selected here or were used already.")}
        )
    last = Bulletin.objects.filter(campaign=campaign, organization=level).aggregate(
        n=Max("number")
    )["n"]
    bulletin = Bulletin(
        campaign=campaign,
        organization=level,
        number=(last or 0) + 1,
        title=(title or "").strip() or default_title(level),
        issuer=(issuer or "").strip() or level.full_name,
        issued_on=issued_on,
        compiled_by=actor,
    )
    bulletin.full_clean()
    bulletin.save()
    for position, selection in enumerate(chosen, start=1):
        selection.bulletin = bulletin
        selection.position = position
        selection.save(update_fields=["bulletin", "position"])
    _notify_used(bulletin, [s.report for s in chosen])
    return bulletin


def _notify_used(bulletin: Bulletin, reports: list[UpwardReport]) -> None:
    """One notification per report to its organization's secretaries and clerks and to
    its sender. One query for the recipients, one insert."""
    org_ids = {r.organization_id for r in reports}
    people: dict[int, list[Any]] = {}
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__organization_id__in=org_ids,
            role_assignments__role__in=[Role.SECRETARY, Role.CLERK],
        )
        .annotate(at_org=F("role_assignments__organization_id"))
        .order_by("pk")
    )
    for user in users:
        people.setdefault(user.at_org, []).append(user)
    messages: list[Message] = []
    for report in reports:
        recipients = {u.pk: u for u in people.get(report.organization_id, [])}
        if report.submitted_by is not None:
            recipients.setdefault(report.submitted_by.pk, report.submitted_by)
        for user in recipients.values():
            messages.append(
                Message(
                    recipient=user,
                    verb="bulletin.used",
                    title=format_lazy(
                        gettext_lazy("Your report “{title}” was used in bulletin No. {n} of {org}"),
                        title=report.title,
                        n=bulletin.number,
                        org=bulletin.organization.short_name,
                    ),
                    body=bulletin.title,
                    url=report.get_absolute_url(),
                )
            )
    notify_batch(messages)
