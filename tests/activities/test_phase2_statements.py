"""Self-examination statements: their own rules, and their review upward through the
shared engine (portal.reviews) as a person would do it through the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from activities.models import SelfExamination, StatementSubject
from activities.phase2 import services as services
from portal.reviews.models import RecordLocked, ReviewAction, ReviewStatus
from portal.reviews.services import review_transition
from tests.activities.phase2_factories import campaign_2014, make_statement
from tests.utils import client_for


def test_one_statement_per_subject_organization_and_campaign(world):
    campaign = campaign_2014(world)
    make_statement(world.own, campaign, StatementSubject.TEAM)
    make_statement(world.own, campaign, StatementSubject.SECRETARY)
    with pytest.raises(ValidationError):
        make_statement(world.own, campaign, StatementSubject.TEAM)
    assert SelfExamination.objects.filter(organization=world.own).count() == 2


def test_methods_are_validated_and_kept_in_a_stable_order(world):
    campaign = campaign_2014(world)
    statement = make_statement(
        world.own, campaign, methods=["collective", "self_finding", "collective"]
    )
    assert statement.methods == ["self_finding", "collective"]
    with pytest.raises(ValidationError) as exc:
        make_statement(world.own, campaign, StatementSubject.SECRETARY, methods=["telepathy"])
    assert "methods" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_statement(world.own, campaign, StatementSubject.SECRETARY, methods="self_finding")


def test_an_incomplete_statement_cannot_be_submitted(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign, causes="", methods=[])
    with pytest.raises(ValidationError) as exc:
        review_transition(statement, action=ReviewAction.SUBMIT, actor=world.secretary)
    assert {"causes", "methods"} <= set(exc.value.message_dict)
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.DRAFT


def test_a_submitted_statement_is_locked_for_its_authors(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    review_transition(statement, action=ReviewAction.SUBMIT, actor=world.secretary)
    with pytest.raises(RecordLocked):
        services.statement_update(actor=world.clerk, statement=statement, fields={"causes": "x"})


def test_concurrent_edits_of_a_statement_are_detected(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    seen = statement.updated_at
    services.statement_update(
        actor=world.clerk, statement=statement, fields={"causes": "A"}, seen_updated_at=seen
    )
    with pytest.raises(ValidationError) as exc:
        services.statement_update(
            actor=world.secretary, statement=statement, fields={"causes": "B"}, seen_updated_at=seen
        )
    assert exc.value.code == "stale"
    statement.refresh_from_db()
    assert statement.causes == "A"


def test_history_keeps_each_content_change_with_its_author(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    services.statement_update(actor=world.clerk, statement=statement, fields={"causes": "改"})
    latest = statement.history.order_by("-history_date").first()
    assert latest.causes == "改" and latest.history_user == world.clerk


def _post_statement(client, url, statement, **changes):
    data = {
        "problems": statement.problems,
        "causes": statement.causes,
        "rectification": statement.rectification,
        "methods": statement.methods,
        "seen": statement.updated_at.isoformat(),
    }
    data.update(changes)
    return client.post(url, data)


def test_statement_review_round_trip_through_the_pages(world):
    """Write, submit, locked (edit → 403), returned with a comment, edited, resubmitted
    (the reviewer sees what changed beside the comment), approved."""
    campaign = campaign_2014(world)
    secretary = client_for(world, "secretary")
    reviewer = client_for(world, "reviewer")

    create_url = reverse("activities:statement_create", args=[world.own.pk, "team"])
    response = secretary.post(
        f"{create_url}?campaign={campaign.pk}",
        {
            "problems": "学习流于形式。",
            "causes": "重业务轻党建。",
            "rectification": "建立学习制度。",
            "methods": ["self_finding", "higher_level"],
        },
    )
    statement = SelfExamination.objects.get(organization=world.own, subject="team")
    assert response.status_code == 302 and response["Location"] == statement.get_absolute_url()

    transition_url = reverse(
        "reviews:transition", args=["activities.selfexamination", statement.pk]
    )
    secretary.post(transition_url, {"action": "submit"})
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.SUBMITTED

    edit_url = reverse("activities:statement_edit", args=[statement.pk])
    assert secretary.get(edit_url).status_code == 403
    assert _post_statement(secretary, edit_url, statement, causes="偷改").status_code == 403

    detail = reviewer.get(statement.get_absolute_url())
    assert detail.status_code == 200 and "approve" in detail.content.decode()
    reviewer.post(transition_url, {"action": "return", "comment": "原因分析不深。"})
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.RETURNED

    response = _post_statement(secretary, edit_url, statement, causes="重业务轻党建，制度不健全。")
    assert response.status_code == 302
    secretary.post(transition_url, {"action": "resubmit"})
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.SUBMITTED

    page = reviewer.get(statement.get_absolute_url()).content.decode()
    assert "原因分析不深。" in page  # the earlier comment
    assert "制度不健全" in page and "<ins>" in page  # what changed since the return

    reviewer.post(transition_url, {"action": "approve"})
    statement.refresh_from_db()
    assert statement.review_status == ReviewStatus.APPROVED
    assert secretary.get(edit_url).status_code == 403


def test_files_attach_while_editable_and_not_once_submitted(world, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.attachments.models import Attachment

    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    clerk = client_for(world, "clerk")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = clerk.post(
        statement.get_absolute_url(),
        {
            "att-kind": "document",
            "att-files": SimpleUploadedFile("对照检查.pdf", pdf, "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Attachment.objects.for_record(statement).count() == 1
    assert "对照检查.pdf" in clerk.get(statement.get_absolute_url()).content.decode()

    review_transition(statement, action=ReviewAction.SUBMIT, actor=world.secretary)
    response = clerk.post(
        statement.get_absolute_url(),
        {"att-kind": "document", "att-files": SimpleUploadedFile("b.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 403
    assert Attachment.objects.for_record(statement).count() == 1
    # Reviewers read but do not upload.
    assert client_for(world, "reviewer").post(statement.get_absolute_url(), {}).status_code == 403


def test_edit_page_refuses_a_save_based_on_an_old_copy(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign)
    url = reverse("activities:statement_edit", args=[statement.pk])
    stale = SelfExamination.objects.get(pk=statement.pk)
    assert (
        _post_statement(client_for(world, "clerk"), url, statement, causes="A").status_code == 302
    )
    response = _post_statement(client_for(world, "secretary"), url, stale, causes="B")
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    statement.refresh_from_db()
    assert statement.causes == "A"


def test_text_posted_with_crlf_is_stored_with_lf(world):
    campaign = campaign_2014(world)
    statement = make_statement(world.own, campaign, causes="一\n二")
    url = reverse("activities:statement_edit", args=[statement.pk])
    response = _post_statement(client_for(world, "clerk"), url, statement, causes="一\r\n二")
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.causes == "一\n二"
    # The save is kept as a version, with no change to the text to show.
    assert statement.history.count() == 2
