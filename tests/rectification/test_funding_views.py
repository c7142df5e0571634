"""Funding pages: the permission matrix of every view for own / child / parent /
sibling / other / other-county organizations, the overview's formula and shortfall,
pinned query counts, forms and bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.attachments.models import Attachment
from rectification.models import FundingReceipt, FundingSource
from tests.factories import MemberFactory
from tests.rectification.records_factories import (
    TARGETS,
    campaign_for,
    expect_record,
    expect_view,
    make_receipt,
    org_of,
    pdf,
)
from tests.utils import assert_constant_queries, check_matrix, client_for


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English whatever the catalogue: the assertions read English text."""
    settings.LANGUAGE_CODE = "en"


def test_every_page_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        receipt = make_receipt(world, org)
        check_matrix(
            world, reverse("rectification:funding_overview", args=[org.pk]), expect_view(target)
        )
        check_matrix(
            world,
            reverse("rectification:funding_receipt_create", args=[org.pk]),
            expect_record(target),
        )
        check_matrix(world, receipt.get_absolute_url(), expect_view(target))
        check_matrix(
            world,
            reverse("rectification:funding_receipt_edit", args=[receipt.pk]),
            expect_record(target),
        )
        check_matrix(
            world,
            reverse("rectification:funding_receipt_delete", args=[receipt.pk]),
            expect_record(target),
        )
        # Uploading evidence: an empty post answers with the form's errors.
        check_matrix(world, receipt.get_absolute_url(), expect_record(target), method="post")


def test_write_posts_matrix(world):
    for target in TARGETS:
        org = org_of(world, target)
        campaign_for(world, org)
        url = reverse("rectification:funding_receipt_create", args=[org.pk])
        data = {"source": "enterprise", "amount": "12.50", "received_on": "2014-08-01"}
        expected = expect_record(target)
        check_matrix(world, url, {k: (302 if v == 200 else v) for k, v in expected.items()},
                     method="post", data=data)  # fmt: skip
        allowed = sum(1 for v in expected.values() if v == 200)
        assert FundingReceipt.objects.filter(organization=org).count() == allowed
        victim = make_receipt(world, org)
        refused = {k: v for k, v in expected.items() if v != 200}
        check_matrix(
            world,
            reverse("rectification:funding_receipt_delete", args=[victim.pk]),
            refused,
            method="post",
        )
        check_matrix(
            world,
            reverse("rectification:funding_receipt_edit", args=[victim.pk]),
            refused,
            method="post",
            data={**data, "seen": victim.updated_at.isoformat()},
        )
        victim.refresh_from_db()
        assert victim.amount == Decimal("100.00")


def test_overview_shows_the_formula_totals_and_the_shortfall(world, media_root):
    MemberFactory.create_batch(11, organization=world.own)  # 12 with the member_user's
    make_receipt(world, source=FundingSource.COUNTY_FINANCE, amount="300.00", evidence=1)
    make_receipt(world, source=FundingSource.ENTERPRISE, amount="150.00")
    page = client_for(world, "office").get(
        reverse("rectification:funding_overview", args=[world.own.pk])
    )
    text = page.content.decode()
    assert "12 members on the roster × 50.00 yuan = 600.00 yuan" in text
    # the enterprise's 150 is received but does not count toward the norm
    assert "shortfall 300.00 yuan" in text
    assert "450.00" in text
    assert "1 without evidence" in text
    assert "Record a receipt" not in text  # the office only reads
    make_receipt(world, source=FundingSource.OTHER, amount="150.00", evidence=1)
    text = (
        client_for(world, "secretary")
        .get(reverse("rectification:funding_overview", args=[world.own.pk]))
        .content.decode()
    )
    assert "shortfall 300.00 yuan" in text  # nor does money from elsewhere
    make_receipt(world, source=FundingSource.RETAINED_DUES, amount="300.00", evidence=1)
    text = (
        client_for(world, "secretary")
        .get(reverse("rectification:funding_overview", args=[world.own.pk]))
        .content.decode()
    )
    assert "standard reached" in text and "shortfall" not in text.lower().split("</h2>")[0][-200:]
    assert "Record a receipt" in text


def test_create_then_upload_evidence(world, media_root):
    campaign = campaign_for(world)
    client = client_for(world, "clerk")
    url = reverse("rectification:funding_receipt_create", args=[world.own.pk])
    response = client.post(
        f"{url}?campaign={campaign.pk}",
        {
            "source": "retained_dues",
            "amount": "1234.56",
            "received_on": "2014-08-03",
            "note": "党费返还",
        },
    )
    receipt = FundingReceipt.objects.get(organization=world.own)
    assert response.status_code == 302 and response["Location"] == receipt.get_absolute_url()
    assert receipt.amount == Decimal("1234.56") and receipt.created_by == world.clerk
    response = client.post(
        receipt.get_absolute_url(), {"att-kind": "evidence", "att-files": [pdf()]}
    )
    assert response.status_code == 302
    assert Attachment.objects.for_record(receipt).get().kind == "evidence"


def test_edit_refuses_a_stale_copy(world):
    receipt = make_receipt(world)
    client = client_for(world, "secretary")
    url = reverse("rectification:funding_receipt_edit", args=[receipt.pk])
    data = {"source": "other", "amount": "99.00", "received_on": "2014-08-01",
            "seen": receipt.updated_at.isoformat()}  # fmt: skip
    assert client.post(url, data).status_code == 302
    data["amount"] = "1.00"
    assert client.post(url, data).status_code == 409
    receipt.refresh_from_db()
    assert receipt.amount == Decimal("99.00")


def test_delete_by_post(world, media_root):
    receipt = make_receipt(world, evidence=1)
    response = client_for(world, "secretary").post(
        reverse("rectification:funding_receipt_delete", args=[receipt.pk])
    )
    assert response.status_code == 302
    assert not FundingReceipt.objects.filter(pk=receipt.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"source": "bank", "amount": "10", "received_on": "2014-08-01"},
        {"source": "other", "amount": "abc", "received_on": "2014-08-01"},
        {"source": "other", "amount": "-3", "received_on": "2014-08-01"},
        {"source": "other", "amount": "0", "received_on": "2014-08-01"},
        {"source": "other", "amount": "1e20", "received_on": "2014-08-01"},
        {"source": "other", "amount": "12345678901234567890", "received_on": "2014-08-01"},
        {"source": "other", "amount": "1.001", "received_on": "2014-08-01"},
        {"source": "other", "amount": "NaN", "received_on": "2014-08-01"},
        {"source": "other", "amount": "10", "received_on": "2014-02-30"},
        {"source": "other", "amount": "10", "received_on": "2999-01-01"},
        {"source": "other", "amount": "10", "received_on": "2014-08-01", "note": "n" * 400},
        {},
    ],
)
def test_bad_input_answers_with_the_form(world, data):
    campaign_for(world)
    response = client_for(world, "secretary").post(
        reverse("rectification:funding_receipt_create", args=[world.own.pk]), data
    )
    assert response.status_code == 200
    assert not FundingReceipt.objects.exists()


def test_bad_addresses_are_404_not_500(world):
    campaign_for(world)
    client = client_for(world, "secretary")
    assert (
        client.get(
            reverse("rectification:funding_overview", args=[world.own.pk]) + "?campaign=x"
        ).status_code
        == 200
    )
    assert (
        client.get(
            reverse("rectification:funding_receipt_create", args=[world.own.pk]) + "?campaign=99999"
        ).status_code
        == 200
    )  # falls back to the newest campaign
    assert (
        client.get(reverse("rectification:funding_receipt_detail", args=[999999])).status_code
        == 404
    )


# --- query counts --------------------------------------------------------------------------


def test_overview_runs_a_fixed_number_of_queries(world, media_root):
    MemberFactory.create_batch(2, organization=world.own)
    make_receipt(world, evidence=1)

    def grow() -> None:
        MemberFactory.create_batch(20, organization=world.own)
        for i, source in enumerate(FundingSource.values * 3):
            make_receipt(world, source=source, amount=f"{i + 1}.00", evidence=1)
        make_receipt(world, world.child, amount="5.00")

    # session, user, organization, grants, campaigns, receipts with evidence counts,
    # member count, the navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"),
        reverse("rectification:funding_overview", args=[world.own.pk]),
        grow,
        expected=9,
    )


def test_detail_runs_a_fixed_number_of_queries(world, media_root):
    receipt = make_receipt(world, evidence=1)

    def grow() -> None:
        from rectification.services_funding import funding_receipt_add_evidence

        funding_receipt_add_evidence(
            actor=None, receipt=receipt, uploads=[pdf(f"{i}.pdf") for i in range(10)]
        )

    # session, user, receipt (with organization and campaign), grants, evidence,
    # the navigation's unread count and roles
    assert_constant_queries(
        client_for(world, "secretary"), receipt.get_absolute_url(), grow, expected=7
    )
