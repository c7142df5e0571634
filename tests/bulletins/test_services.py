"""Sending reports upward, selecting them and compiling numbered bulletins
(docs/product.md §6.6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from bulletins.models import Bulletin, Selection
from bulletins.services import (
    available_selections,
    bulletin_compile,
    report_select,
    report_submit,
    report_unselect,
)
from portal.attachments.models import Attachment
from portal.notifications.models import Notification
from tests.attachments.files import PDF, upload

from .factories import campaign_for, compile_from, make_report

pytestmark = pytest.mark.django_db


def test_a_report_keeps_up_to_nine_photos_as_attachments(world, media_root):
    report = make_report(world, photos=9, tags="学习，整改、 学习", actor=world.secretary)
    assert report.tag_list == ["学习", "整改"]
    photos = Attachment.objects.for_record(report)
    assert photos.count() == 9
    assert {a.kind for a in photos} == {"photo"}
    assert {a.organization_id for a in photos} == {world.own.pk}


def test_a_tenth_photo_is_refused_and_nothing_is_stored(world, media_root):
    with pytest.raises(ValidationError) as exc:
        make_report(world, photos=10)
    assert "photos" in exc.value.message_dict
    assert not Attachment.objects.exists()


def test_only_photos_are_accepted(world, media_root):
    with pytest.raises(ValidationError) as exc:
        report_submit(
            actor=world.secretary,
            organization=world.own,
            campaign=campaign_for(world),
            phase=None,
            title="材料",
            body="正文",
            photos=[upload("scan.pdf", PDF, "application/pdf")],
        )
    assert "photos" in exc.value.message_dict


def test_a_phase_of_another_campaign_is_refused(world, media_root):
    from activities.models import Campaign, Phase

    other = Campaign.objects.create(
        lead_organization=world.county,
        name_zh="另一活动",
        name_en="Another",
        starts_on=dt.date(2015, 1, 1),
        ends_on=dt.date(2015, 12, 31),
    )
    phase = Phase.objects.create(
        campaign=other, number=1, name_zh="一", name_en="one",
        starts_on=dt.date(2015, 1, 1), ends_on=dt.date(2015, 2, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        make_report(world, phase=phase)
    assert "phase" in exc.value.message_dict


def test_who_may_send(world, media_root):
    make_report(world, actor=world.clerk)
    with pytest.raises(PermissionDenied):
        make_report(world, actor=world.reviewer)
    with pytest.raises(Http404):
        make_report(world, actor=world.outsider)


def test_select_and_unselect(world, media_root):
    report = make_report(world)
    first = report_select(actor=world.reviewer, level=world.park_a, report=report)
    again = report_select(actor=world.reviewer, level=world.park_a, report=report)
    assert first.pk == again.pk
    # Another level selects on its own.
    report_select(actor=world.office, level=world.county, report=report)
    assert Selection.objects.count() == 2
    report_unselect(actor=world.reviewer, level=world.park_a, report=report)
    assert list(Selection.objects.values_list("organization", flat=True)) == [world.county.pk]
    # Once photos may no longer change: the report is selected.
    assert not report.is_editable()


def test_selecting_needs_the_right_and_the_subtree(world, media_root):
    report = make_report(world, world.other)
    with pytest.raises(ValidationError):
        report_select(actor=world.reviewer, level=world.park_a, report=report)
    with pytest.raises(PermissionDenied):
        report_select(actor=world.secretary, level=world.own, report=make_report(world))


def test_bulletins_are_numbered_without_gaps_per_level_and_campaign(world, media_root):
    reports = [make_report(world, title=f"报告{i}") for i in range(4)]
    first = compile_from(world, world.county, reports[:2])
    second = compile_from(world, world.county, reports[2:3])
    park = compile_from(world, world.park_a, reports[3:], actor=world.reviewer)
    assert (first.number, second.number, park.number) == (1, 2, 1)
    assert first.title.startswith(world.county.short_name)
    assert first.issuer == world.county.full_name
    assert [s.report.title for s in first.items.order_by("position")] == ["报告0", "报告1"]


def test_compile_takes_only_the_levels_unused_selections(world, media_root):
    own_report = make_report(world)
    selection = report_select(actor=world.reviewer, level=world.park_a, report=own_report)
    kwargs = dict(
        actor=world.office,
        level=world.county,
        campaign=campaign_for(world),
        title="",
        issuer="",
        issued_on=dt.date(2014, 5, 20),
    )
    # The park's selection is not the county's.
    with pytest.raises(ValidationError) as exc:
        bulletin_compile(selection_ids=[selection.pk], **kwargs)
    assert "items" in exc.value.message_dict
    with pytest.raises(ValidationError):
        bulletin_compile(selection_ids=[], **kwargs)
    bulletin = compile_from(world, world.county, [own_report])
    used = Selection.objects.get(organization=world.county)
    # Used once: not again, and it stays selected.
    with pytest.raises(ValidationError):
        bulletin_compile(selection_ids=[used.pk], **kwargs)
    with pytest.raises(ValidationError):
        report_unselect(actor=world.office, level=world.county, report=own_report)
    assert list(available_selections(world.county, campaign_for(world))) == []
    assert Bulletin.objects.filter(organization=world.county).count() == 1
    assert bulletin.number == 1
    with pytest.raises(PermissionDenied):
        bulletin_compile(
            selection_ids=[used.pk], **{**kwargs, "actor": world.secretary, "level": world.own}
        )


def test_the_organizations_whose_reports_were_used_are_told(world, media_root):
    used = make_report(world, title="被采用", actor=world.clerk)
    not_used = make_report(world, world.sibling, title="未采用")
    report_select(actor=world.office, level=world.county, report=not_used)
    compile_from(world, world.county, [used])
    told = Notification.objects.filter(verb="bulletin.used")
    # The own organization's secretary and clerk (the clerk sent it); nobody else.
    assert sorted(n.recipient.username for n in told) == ["clerk", "secretary"]
    assert all("被采用" in n.title and "1" in n.title for n in told)
    assert all(n.url == used.get_absolute_url() for n in told)


@pytest.mark.django_db(transaction=True)
def test_concurrent_compiles_never_share_a_number(world, media_root):
    """Two compiles at once (threads, each its own connection): numbers 1 and 2."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serializes writers; the row lock is for PostgreSQL")
    reports = [make_report(world, title=f"并发{i}") for i in range(2)]
    selections = [report_select(actor=world.office, level=world.county, report=r) for r in reports]
    results: list[int] = []
    errors: list[Exception] = []

    def run(selection):
        try:
            b = bulletin_compile(
                actor=world.office, level=world.county, campaign=campaign_for(world),
                selection_ids=[selection.pk], title="", issuer="", issued_on=dt.date(2014, 5, 20),
            )  # fmt: skip
            results.append(b.number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in selections]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [1, 2]
