"""The one writer of review state: review_transition().

Every change of a Reviewable's review_status goes through here, so each one is legal by
TRANSITIONS, authorized, recorded as a ReviewEvent with a snapshot, mirrored in the
record's ReviewTask (the inbox row) and announced to the people concerned — all in one
transaction.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.accounts.permissions import (
    Action,
    can_review,
    user_can,
    users_who_may_review,
    users_with_action,
)
from portal.core.closed import refuse_if_closed
from portal.notifications.services import notify
from portal.progress.rollup import coalesced

from .models import (
    REVIEWER_ACTIONS,
    SUBMITTER_ACTIONS,
    TRANSITIONS,
    BatchStatus,
    IllegalTransition,
    Reviewable,
    ReviewAction,
    ReviewBatch,
    ReviewEvent,
    ReviewStatus,
    ReviewTask,
    site_language_snapshot,
)


def may_act(user: Any, record: Reviewable, action: str) -> bool:
    """Does `user` hold the authority for `action` on `record` (legality aside)?
    Submitters: SUBMIT on the organization. Reviewers: can_review(), and never on a
    submission of their own. Needs record.organization loaded; one cached query."""
    if action in SUBMITTER_ACTIONS:
        return user_can(user, Action.SUBMIT, record.organization)
    if action in REVIEWER_ACTIONS:
        if record.submitted_by_id is not None and record.submitted_by_id == user.pk:
            return False
        return can_review(user, record.organization)
    return False


def available_actions(user: Any, record: Reviewable) -> list[str]:
    """The actions `user` may take on `record` now, in TRANSITIONS order."""
    return [
        action
        for (status, action) in TRANSITIONS
        if status == record.review_status and may_act(user, record, action)
    ]


@transaction.atomic
def review_transition(
    record: Reviewable, *, action: str, actor: Any, comment: str = ""
) -> ReviewEvent:
    """Apply `action` to `record` on behalf of `actor`.

    Raises CampaignClosed (a ValidationError) when the record's campaign is closed,
    IllegalTransition when the action is not allowed from the current status,
    PermissionDenied when the actor lacks the authority (see may_act), ValidationError
    when a return has no comment or the record refuses submission
    (record.review_validate_submission()). On success, in one transaction: the record's row is
    locked (SELECT ... FOR UPDATE) and updated, one ReviewEvent is written with a
    snapshot of the content, the ReviewTask row is created or updated, and the people
    concerned are notified (rows now, e-mail on commit). `record` is updated in place.

    Hook: a record may define `after_review_transition(event)`; it is called with the new
    ReviewEvent (action, from/to status, actor, comment) after the record and the event
    are written and before the inbox row and notifications, inside the same
    transaction, so a hook that raises (e.g. ValidationError) undoes the whole
    transition. Its queries add to the count below.

    Queries: lock + read, update, event insert, task upsert (2), recipients (1),
    notification insert (1), plus the actor's cached grants/roles.
    """
    model = type(record)
    locked = (
        # Lock only the record's row (not the joined organization) on PostgreSQL;
        # SQLite serializes writers anyway (BEGIN IMMEDIATE, see settings).
        model._default_manager.select_for_update(of=("self",))
        # The plugin checks the lookup against the abstract base, which declares
        # `organization` for type checking only (every concrete record has it).
        .select_related("organization", "submitted_by")  # type: ignore[misc]
        .get(pk=record.pk)
    )
    # A closed campaign's records are neither submitted nor decided (docs/product.md
    # §5.2); its campaign is read here once, as the inbox row below reads it anyway.
    refuse_if_closed(locked.review_campaign())
    from_status = locked.review_status
    to_status = TRANSITIONS.get((from_status, action))
    if to_status is None:
        raise IllegalTransition(from_status, action)
    if not may_act(actor, locked, action):
        raise PermissionDenied
    comment = (comment or "").strip()
    if action == ReviewAction.RETURN and not comment:
        raise ValidationError({"comment": _("Say what needs to change when returning.")})

    if to_status == ReviewStatus.SUBMITTED:
        locked.review_validate_submission()

    now = timezone.now()
    changes: dict[str, Any] = {"review_status": to_status}
    if action in SUBMITTER_ACTIONS and to_status == ReviewStatus.SUBMITTED:
        changes.update(submitted_at=now, submitted_by=actor, decided_at=None, decided_by=None)
    elif action in REVIEWER_ACTIONS:
        changes.update(decided_at=now, decided_by=actor)
    # A queryset update: no save() signals, so a history-tracked record gets no history
    # row for a status change (the events are the status history) and keeps updated_at.
    model._default_manager.filter(pk=locked.pk).update(**changes)
    for name, value in changes.items():
        setattr(locked, name, value)
        setattr(record, name, value)

    content_type = ContentType.objects.get_for_model(model)
    event = ReviewEvent.objects.create(
        content_type=content_type,
        object_id=locked.pk,
        organization=locked.organization,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        at=now,
        comment=comment,
        snapshot=site_language_snapshot(locked),
    )
    # The record's own side effects (e.g. a closure request closes its problem item),
    # in this transaction: if the hook raises, nothing of the transition is kept.
    hook = getattr(locked, "after_review_transition", None)
    if callable(hook):
        hook(event)
    url = locked.get_absolute_url()
    ReviewTask.objects.update_or_create(
        content_type=content_type,
        object_id=locked.pk,
        defaults={
            "organization": locked.organization,
            "status": to_status,
            "title": locked.review_title()[:300],
            "url": url,
            "submitted_at": locked.submitted_at,
            "submitted_by": locked.submitted_by,
            "decided_at": locked.decided_at,
            "decided_by": locked.decided_by,
            "wait_ends_on": locked.review_wait_ends_on(),
            "comment": comment if action in REVIEWER_ACTIONS else "",
            "updated_at": now,
        },
    )
    _notify(locked, action=action, actor=actor, comment=comment, url=url)
    return event


def _notify(record: Reviewable, *, action: str, actor: Any, comment: str, url: str) -> None:
    kind = record._meta.verbose_name
    title = record.review_title()
    org = record.organization
    if action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        notify(
            users_who_may_review(org),
            verb=f"review.{action}",
            title=format_lazy(
                _("To review: {kind} “{title}” of {org}"), kind=kind, title=title, org=org
            ),
            body=format_lazy(_("Submitted by {actor}."), actor=actor),
            url=url,
            exclude=actor,
        )
    elif action in REVIEWER_ACTIONS:
        recipients = list(users_with_action(org, Action.SUBMIT))
        if record.submitted_by is not None:
            recipients.insert(0, record.submitted_by)
        if action == ReviewAction.APPROVE:
            headline = _("Approved: {kind} “{title}”")
        else:
            headline = _("Returned for revision: {kind} “{title}”")
        notify(
            recipients,
            verb=f"review.{action}",
            title=format_lazy(headline, kind=kind, title=title),
            body=comment,
            url=url,
            exclude=actor,
        )


# --- bulk decisions ------------------------------------------------------------------------

# A batch up to this size is decided in the request; a larger one on the Celery worker,
# with a progress page (a decision costs ~10 queries: 500 take a few seconds).
INLINE_BATCH_LIMIT = 200
# The progress page's figures are written every this many records.
PROGRESS_EVERY = 25


@transaction.atomic
def review_batch_create(
    *, actor: Any, action: str, comment: str, tasks: list[ReviewTask]
) -> ReviewBatch:
    """A bulk decision over the inbox rows `tasks` (all of one record kind), to be run by
    review_batch_run. Raises ValidationError for another action than approve or return,
    a return without comment, no rows, or rows of several kinds. Authority is not
    checked here: review_batch_run checks it record by record, as a single decision
    does. Queries: one insert."""
    if action not in REVIEWER_ACTIONS:
        raise ValidationError(_("Only approving and returning can be done in bulk."))
    comment = (comment or "").strip()
    if action == ReviewAction.RETURN and not comment:
        raise ValidationError({"comment": _("Say what needs to change when returning.")})
    if not tasks:
        raise ValidationError(_("Choose at least one record."))
    kinds = {task.content_type_id for task in tasks}
    if len(kinds) > 1:
        raise ValidationError(_("Choose records of one kind: filter the inbox by type first."))
    batch = ReviewBatch(
        actor=actor,
        action=action,
        comment=comment,
        content_type_id=kinds.pop(),
        task_ids=[task.pk for task in tasks],
    )
    batch.full_clean()
    batch.save()
    return batch


def _skip_reason(exc: Exception) -> str:
    if isinstance(exc, IllegalTransition):
        return str(
            format_lazy(
                _("It no longer waits for review: it is “{status}” now."),
                status=ReviewStatus(exc.from_status).label,
            )
        )
    if isinstance(exc, PermissionDenied):
        return str(_("You may not decide it."))
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(_("It could not be decided."))


def review_batch_run(*, batch_id: int) -> ReviewBatch | None:
    """Decide every record of the batch not handled yet, each by review_transition in
    its own transaction (a failure skips that record only), writing the progress every
    PROGRESS_EVERY records and at the end. Idempotent: a batch run again (a worker
    restarted) goes on where it stopped; a finished one is left alone. Records that
    changed state meanwhile, that the actor may not decide or that are gone are listed
    in `skipped` with the reason; titles of records the actor cannot see are not
    written there. Queries: per record, its inbox row and review_transition's."""
    batch = ReviewBatch.objects.select_related("actor", "content_type").filter(pk=batch_id).first()
    if batch is None or batch.status == BatchStatus.DONE:
        return batch
    actor = batch.actor
    model = batch.content_type.model_class()
    ReviewBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    handled = set(batch.decided) | {entry["task"] for entry in batch.skipped}
    todo = [pk for pk in batch.task_ids if pk not in handled]
    tasks = ReviewTask.objects.select_related("organization").in_bulk(todo)
    # The requirement roll-up: every decision marks its organization's rows in its own
    # transaction, as a single decision does; they are recomputed once, at the end.
    with coalesced():
        _decide_all(batch, actor, model, todo, tasks)
    batch.status = BatchStatus.DONE
    batch.finished_at = timezone.now()
    ReviewBatch.objects.filter(pk=batch.pk).update(
        decided=batch.decided,
        skipped=batch.skipped,
        status=batch.status,
        finished_at=batch.finished_at,
    )
    return batch


def _decide_all(
    batch: ReviewBatch, actor: Any, model: Any, todo: list[int], tasks: dict[int, ReviewTask]
) -> None:
    since_save = 0
    gone = str(_("It no longer exists."))
    # The records in one query; review_transition locks and re-reads each one anyway.
    records: dict[Any, Any] = {}
    if model is not None:
        ids = [t.object_id for t in tasks.values() if t.content_type_id == batch.content_type_id]
        records = model._default_manager.select_related("organization").in_bulk(ids)
    for task_pk in todo:
        task = tasks.get(task_pk)
        record = None
        if task is not None and model is not None and task.content_type_id == batch.content_type_id:
            record = records.get(task.object_id)
        if record is None:
            batch.skipped.append({"task": task_pk, "title": "", "reason": gone})
        else:
            assert task is not None  # a record was found through its task
            try:
                review_transition(record, action=batch.action, actor=actor, comment=batch.comment)
            except model.DoesNotExist:  # deleted after the batch read it
                batch.skipped.append({"task": task_pk, "title": "", "reason": gone})
            except (IllegalTransition, PermissionDenied, ValidationError) as exc:
                visible = user_can(actor, Action.VIEW, task.organization)
                batch.skipped.append(
                    {
                        "task": task_pk,
                        "title": task.title if visible else "",
                        "url": task.url if visible else "",
                        "reason": _skip_reason(exc),
                    }
                )
            else:
                batch.decided.append(task_pk)
        since_save += 1
        if since_save >= PROGRESS_EVERY:
            ReviewBatch.objects.filter(pk=batch.pk).update(
                decided=batch.decided, skipped=batch.skipped
            )
            since_save = 0


def review_batch_start(batch: ReviewBatch) -> None:
    """Run the batch: here and now up to INLINE_BATCH_LIMIT records, else on the Celery
    worker once the transaction commits (portal.core.queue.enqueue; in the embedded
    default it runs in-process). When the worker cannot be reached the batch runs here
    rather than waiting: decisions are short and nothing is lost."""
    if batch.total <= INLINE_BATCH_LIMIT:
        review_batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
        return
    from portal.core.queue import enqueue

    from .tasks import run_review_batch

    def sent() -> None:
        ReviewBatch.objects.filter(pk=batch.pk).update(sent_to_worker=True)

    def failed() -> None:
        review_batch_run(batch_id=batch.pk)

    enqueue(run_review_batch, args=[batch.pk], on_sent=sent, on_failed=failed)
