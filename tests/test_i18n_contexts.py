"""i18n hygiene: short words with several meanings carry a context (pgettext), so the
catalogue can translate each meaning on its own (a closed item is 已销号, a closed
appraisal 已结束, a closed suggestion box 已关闭); the admin names its apps and the audit
log in the user's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import trans_real

from activities.meetings.forms import MeetingFilterForm
from activities.models import (
    AppraisalEvent,
    CriticismEntry,
    OpinionEvent,
    SessionStatus,
    SuggestionBox,
)
from organizations.models import MemberTransfer
from portal.accounts.models import AuditEvent
from portal.core.text import join_list
from portal.reviews.models import ReviewEvent
from rectification.models import ItemStatus
from rectification.models.problems import ItemEvent

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture
def catalogue(monkeypatch: Any) -> dict[str, str]:
    """A catalogue for the active language ("en" in tests) that translates only the
    entries a test puts in it, keyed as gettext keys contexts: "context\\x04msgid"."""
    entries: dict[str, str] = {}
    active = trans_real.translation(translation.get_language())
    original = active.gettext
    monkeypatch.setattr(active, "gettext", lambda message: entries.get(message, original(message)))
    return entries


def key(context: str, message: str) -> str:
    return f"{context}\x04{message}"


def test_open_and_closed_are_translated_per_meaning(catalogue: dict[str, str]) -> None:
    catalogue.update(
        {
            key("problem item", "open"): "ITEM-OPEN",
            key("problem item", "closed"): "ITEM-CLOSED",
            key("appraisal session", "open"): "SESSION-OPEN",
            key("appraisal session", "closed"): "SESSION-CLOSED",
            key("suggestion box", "open"): "BOX-OPEN",
        }
    )
    assert str(ItemStatus.OPEN.label) == "ITEM-OPEN"
    assert str(ItemStatus.CLOSED.label) == "ITEM-CLOSED"
    assert str(SessionStatus.OPEN.label) == "SESSION-OPEN"
    assert str(SessionStatus.CLOSED.label) == "SESSION-CLOSED"
    assert str(SuggestionBox._meta.get_field("is_open").verbose_name) == "BOX-OPEN"


def test_from_and_to_are_translated_per_meaning(catalogue: dict[str, str]) -> None:
    catalogue.update(
        {
            key("status change", "from"): "OLD-STATUS",
            key("status change", "to"): "NEW-STATUS",
            key("member move", "from"): "MOVED-FROM",
            key("member move", "to"): "MOVED-TO",
            key("date range", "From"): "DATE-FROM",
            key("date range", "To"): "DATE-TO",
        }
    )
    for model in (ReviewEvent, OpinionEvent, ItemEvent):
        assert str(model._meta.get_field("from_status").verbose_name) == "OLD-STATUS", model
        assert str(model._meta.get_field("to_status").verbose_name) == "NEW-STATUS", model
    assert str(MemberTransfer._meta.get_field("from_organization").verbose_name) == "MOVED-FROM"
    assert str(MemberTransfer._meta.get_field("to_organization").verbose_name) == "MOVED-TO"
    form = MeetingFilterForm(phases=[])
    assert (str(form.fields["date_from"].label), str(form.fields["date_to"].label)) == (
        "DATE-FROM",
        "DATE-TO",
    )


def test_templates_give_the_suggestion_box_and_member_moves_their_context() -> None:
    for name in ("activities/opinions/list.html", "activities/opinions/box_settings.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert '{% translate "open" %}' not in text and '{% translate "closed" %}' not in text
        assert 'context "suggestion box"' in text
    text = (TEMPLATES / "organizations/member_detail.html").read_text(encoding="utf-8")
    assert '{% translate "From" context "member move" %}' in text


def test_app_names_and_the_audit_log_are_translatable(catalogue: dict[str, str]) -> None:
    labels = {
        "activities": "Campaigns and activities",
        "organizations": "Organizations and members",
        "rectification": "Rectification and rules",
        "accounts": "Accounts and roles",
        "core": "Portal shell",
        "notifications": "Notifications",
        "progress": "Requirements and progress",
        "reviews": "Review workflow",
    }
    catalogue.update({english: f"T:{english}" for english in labels.values()})
    catalogue.update({"audit event": "T:audit event", "audit events": "T:audit events"})
    for label, english in labels.items():
        assert str(apps.get_app_config(label).verbose_name) == f"T:{english}", label
    assert str(AuditEvent._meta.verbose_name) == "T:audit event"
    assert str(AuditEvent._meta.verbose_name_plural) == "T:audit events"


# Templates whose labels were followed by a colon typed outside the translation (a
# half-width ":" in the Chinese page); the translation now holds the punctuation.
OWN_PUNCTUATION = (
    "progress/grid.html",
    "progress/checklist.html",
    "reviews/_panel.html",
    "rectification/problems/item_detail.html",
)


@pytest.mark.parametrize("name", OWN_PUNCTUATION)
def test_no_colon_typed_after_a_translated_label(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert not re.search(r'\{% translate "[^"]+" %\}:', text)


@pytest.mark.django_db
def test_statement_reasons_are_joined_by_the_translated_separator(
    catalogue: dict[str, str],
) -> None:
    from activities.seed import ensure_campaign_2014
    from portal.progress.engine import evaluate
    from portal.progress.scopes import scope_for_org
    from tests.factories import add_org

    catalogue[key("list separator", "; ")] = "；"
    county = add_org(None)
    branch = add_org(county)
    campaign = ensure_campaign_2014(county)
    result = evaluate(scope_for_org(branch, campaign), only=["statements_approved"])
    reason = result[branch.pk]["statements_approved"].reason
    assert "；" in reason and "; " not in reason


EVENT_MODELS = (ReviewEvent, OpinionEvent, AppraisalEvent, ItemEvent)


def test_event_actor_and_criticism_speaker_are_translated_apart() -> None:
    """ "by" is who did the action on an event (操作人) but who spoke in a criticism entry
    (提出人): each carries its own context, with the real zh-hans catalogue."""
    with translation.override("zh-hans"):
        for model in EVENT_MODELS:
            assert str(model._meta.get_field("actor").verbose_name) == "操作人", model
        assert str(CriticismEntry._meta.get_field("by_member").verbose_name) == "提出人"
    with translation.override("en"):
        for model in EVENT_MODELS:
            assert str(model._meta.get_field("actor").verbose_name) == "by", model
        assert str(CriticismEntry._meta.get_field("by_member").verbose_name) == "by"


def test_meeting_record_report_names_the_criticism_speaker_with_its_context() -> None:
    text = (TEMPLATES / "reports/meeting_record.html").read_text(encoding="utf-8")
    assert '{% translate "by" context "criticism speaker" as t %}' in text
    assert '{% translate "by" as t %}' not in text


def test_lists_of_names_use_the_enumeration_comma_in_chinese() -> None:
    names = ["张三", "李四"]
    with translation.override("zh-hans"):
        assert join_list(names) == "张三、李四"
    with translation.override("en"):
        assert join_list(names) == "张三, 李四"
    assert join_list([]) == ""
    assert join_list(["张三"]) == "张三"


def test_a_persons_name_and_an_enterprises_name_are_translated_apart(world: Any) -> None:
    """One msgid served both: the member form said 名称 (an organization's name) and
    the enterprise list 姓名 (a person's name)."""
    from django.urls import reverse

    from organizations.models import Enterprise, Member
    from tests.factories import EnterpriseFactory
    from tests.utils import client_for

    EnterpriseFactory(attached_to=world.own)
    with translation.override("zh-hans"):
        assert str(Member._meta.get_field("name").verbose_name) == "姓名"
        assert str(Enterprise._meta.get_field("name").verbose_name) == "名称"
    client = client_for(world, "secretary")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(
        reverse("organizations:enterprise_list"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert '<th scope="col">名称</th>' in page
    assert '<th scope="col">姓名</th>' not in page


def test_funds_received_and_an_opinion_received_are_translated_apart() -> None:
    with translation.override("zh-hans"):
        assert translation.pgettext("funds", "Received on") == "到账日期"
        assert translation.gettext("Received on") == "收到日期"
        assert translation.pgettext("verb", "Record") == "登记"
        assert translation.gettext("Record") == "记录"
