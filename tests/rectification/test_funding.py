"""Funding (docs/product.md §6.3): the required minimum (members on the roster × the campaign's
standard), receipts by source, the shortfall, and the batch selector of the live
checklist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification import services_funding as services
from rectification.models import FundingReceipt, FundingSource
from rectification.models.funding import required_funding, shortfall
from rectification.selectors_funding import funding_in, funding_summary
from tests.factories import MemberFactory, add_org
from tests.rectification.records_factories import campaign_for, make_receipt, pdf


def test_required_is_members_times_the_standard():
    assert required_funding(12, Decimal("50.00")) == Decimal("600.00")
    assert required_funding(0, Decimal("50.00")) == Decimal("0.00")
    assert required_funding(3, Decimal("33.33")) == Decimal("99.99")


def test_shortfall_is_never_negative():
    assert shortfall(Decimal("450.00"), Decimal("600.00")) == Decimal("150.00")
    assert shortfall(Decimal("600.00"), Decimal("600.00")) == Decimal("0.00")
    assert shortfall(Decimal("800.00"), Decimal("600.00")) == Decimal("0.00")


def test_funding_in_counts_active_members_and_sums_receipts_that_count(world, media_root):
    """Only county finance and retained dues meet the norm, and a receipt counts only
    with its evidence attached."""
    campaign = campaign_for(world)
    MemberFactory.create_batch(4, organization=world.own)  # + the member_user's record = 5
    MemberFactory(organization=world.own, is_active=False)  # left the roster: not counted
    MemberFactory.create_batch(2, organization=world.child)  # another organization
    make_receipt(world, world.own, source=FundingSource.COUNTY_FINANCE, amount="100.00", evidence=2)
    make_receipt(world, world.own, source=FundingSource.RETAINED_DUES, amount="20.00", evidence=1)
    make_receipt(world, world.own, source=FundingSource.RETAINED_DUES, amount="7.00")  # no evidence
    make_receipt(world, world.own, source=FundingSource.ENTERPRISE, amount="50.50", evidence=1)
    make_receipt(world, world.child, amount="200.00", evidence=1)
    result = funding_in(campaign, [world.own.pk, world.child.pk, world.sibling.pk])
    assert result[world.own.pk] == (Decimal("120.00"), Decimal("250.00"))
    assert result[world.child.pk] == (Decimal("200.00"), Decimal("100.00"))
    assert result[world.sibling.pk] == (Decimal("0.00"), Decimal("0.00"))


def test_funding_in_reads_the_campaign_standard_live(world):
    campaign = campaign_for(world)
    MemberFactory.create_batch(2, organization=world.child)
    campaign.funding_standard = Decimal("80.00")
    campaign.save()
    assert funding_in(campaign, [world.child.pk])[world.child.pk][1] == Decimal("160.00")


def test_funding_in_ignores_other_campaigns(world):
    campaign = campaign_for(world)
    make_receipt(world, world.far, amount="999.00", evidence=1)  # the other county's campaign
    assert funding_in(campaign, [world.far.pk])[world.far.pk][0] == Decimal("0.00")


def test_funding_in_costs_two_queries_whatever_the_number_of_organizations(world, media_root):
    campaign = campaign_for(world)
    orgs = [add_org(world.park_a) for _ in range(15)]
    for org in orgs:
        MemberFactory.create_batch(2, organization=org)
        make_receipt(world, org, amount="10.00", evidence=1)
    with CaptureQueriesContext(connection) as ctx:
        result = funding_in(campaign, [o.pk for o in orgs])
    assert len(ctx.captured_queries) == 2
    assert all(v == (Decimal("10.00"), Decimal("100.00")) for v in result.values())
    assert funding_in(campaign, []) == {}


def test_summary_totals_per_source_and_flags_the_shortfall(world, media_root):
    campaign = campaign_for(world)
    MemberFactory.create_batch(9, organization=world.own)  # 10 with member_user's record
    make_receipt(world, source=FundingSource.COUNTY_FINANCE, amount="200.00", evidence=1)
    make_receipt(world, source=FundingSource.RETAINED_DUES, amount="120.00")
    make_receipt(world, source=FundingSource.RETAINED_DUES, amount="30.00")
    receipts = list(FundingReceipt.objects.for_campaign(world.own, campaign).with_evidence_count())
    summary = funding_summary(world.own, campaign, receipts)
    assert summary.members == 10
    assert summary.required == Decimal("500.00")
    assert summary.received == Decimal("350.00")
    assert summary.counted == Decimal("200.00")  # the dues have no evidence yet
    assert summary.shortfall == Decimal("300.00")
    assert not summary.reached
    assert summary.without_evidence == 2
    assert dict((v, t) for v, _label, t in summary.sources) == {
        "county_finance": Decimal("200.00"),
        "retained_dues": Decimal("150.00"),
        "enterprise": Decimal("0.00"),
        "other": Decimal("0.00"),
    }
    make_receipt(world, source=FundingSource.ENTERPRISE, amount="400.00", evidence=1)
    receipts = list(FundingReceipt.objects.for_campaign(world.own, campaign).with_evidence_count())
    summary = funding_summary(world.own, campaign, receipts)
    assert not summary.reached  # the enterprise's money does not meet the norm
    assert summary.counted == Decimal("200.00")
    make_receipt(world, source=FundingSource.RETAINED_DUES, amount="300.00", evidence=1)
    receipts = list(FundingReceipt.objects.for_campaign(world.own, campaign).with_evidence_count())
    summary = funding_summary(world.own, campaign, receipts)
    assert summary.reached and summary.shortfall == Decimal("0.00")


def test_totals_by_source_queryset(world):
    make_receipt(world, source=FundingSource.OTHER, amount="5.00")
    make_receipt(world, source=FundingSource.OTHER, amount="6.00")
    totals = FundingReceipt.objects.filter(organization=world.own).totals_by_source()
    assert totals["other"] == Decimal("11.00")
    assert totals["enterprise"] == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.00"])
def test_amount_must_be_positive(world, amount):
    with pytest.raises(ValidationError) as exc:
        make_receipt(world, amount=amount)
    assert "amount" in exc.value.error_dict


def test_amount_positive_is_also_a_database_constraint(world):
    receipt = make_receipt(world)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FundingReceipt.objects.filter(pk=receipt.pk).update(amount=Decimal("0"))


def test_receipt_date_cannot_be_in_the_future(world):
    with pytest.raises(ValidationError) as exc:
        make_receipt(world, received_on=dt.date.today() + dt.timedelta(days=30))
    assert "received_on" in exc.value.error_dict


def test_only_record_holders_write_receipts(world):
    campaign = campaign_for(world)
    fields = {"source": "enterprise", "amount": Decimal("10"), "received_on": dt.date(2014, 8, 1)}
    for user in (world.reviewer, world.office, world.instructor, world.outsider):
        with pytest.raises(PermissionDenied):
            services.funding_receipt_create(
                actor=user, organization=world.own, campaign=campaign, fields=fields
            )
    receipt = services.funding_receipt_create(
        actor=world.clerk, organization=world.own, campaign=campaign, fields=fields
    )
    assert receipt.created_by == world.clerk
    with pytest.raises(PermissionDenied):
        services.funding_receipt_delete(actor=world.reviewer, receipt=receipt)


def test_receipt_needs_a_campaign_the_organization_takes_part_in(world):
    other_campaign = campaign_for(world, world.far)
    with pytest.raises(ValidationError):
        services.funding_receipt_create(
            actor=None,
            organization=world.own,
            campaign=other_campaign,
            fields={"source": "other", "amount": Decimal("1"), "received_on": dt.date(2014, 8, 1)},
        )


def test_stale_edit_is_refused(world):
    receipt = make_receipt(world)
    seen = receipt.updated_at
    services.funding_receipt_update(
        actor=world.secretary, receipt=receipt, fields={"note": "第一次"}, seen_updated_at=seen
    )
    with pytest.raises(ValidationError) as exc:
        services.funding_receipt_update(
            actor=world.clerk, receipt=receipt, fields={"note": "第二次"}, seen_updated_at=seen
        )
    assert exc.value.code == "stale"


def test_delete_removes_the_evidence_rows(world, media_root):
    from portal.attachments.models import Attachment

    receipt = make_receipt(world, evidence=2)
    assert Attachment.objects.for_record(receipt).count() == 2
    services.funding_receipt_delete(actor=world.secretary, receipt=receipt)
    assert not FundingReceipt.objects.filter(pk=receipt.pk).exists()
    assert Attachment.objects.filter(object_id=receipt.pk, kind="evidence").count() == 0


def test_evidence_is_checked_by_content(world, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    receipt = make_receipt(world)
    bogus = SimpleUploadedFile("凭证.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.funding_receipt_add_evidence(actor=None, receipt=receipt, uploads=[bogus])
    added = services.funding_receipt_add_evidence(actor=None, receipt=receipt, uploads=[pdf()])
    assert added[0].kind == "evidence"
