"""Working mechanisms (docs/product.md §6.3): the six seeded kinds, custom mechanisms, the "in
place" rule (an established date and a document) and the batch selector of the live
checklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.attachments.models import Attachment
from rectification import services_mechanisms as services
from rectification.models import Mechanism, MechanismKind
from rectification.seed_mechanisms import (
    MECHANISM_KINDS_2014,
    SEEDED_KIND_CODES,
    ensure_mechanism_kinds,
)
from rectification.selectors_mechanisms import (
    kind_count,
    mechanism_register,
    mechanisms_in_place_in,
)
from tests.factories import add_org
from tests.rectification.records_factories import campaign_for, kinds, make_mechanism, pdf


def test_the_six_kinds_are_seeded_by_the_migration(db):
    assert set(MechanismKind.objects.values_list("code", flat=True)) >= set(SEEDED_KIND_CODES)
    assert len(SEEDED_KIND_CODES) == 6
    organizational_life = MechanismKind.objects.get(code="org_life")
    assert organizational_life.name_zh == "组织生活制度"
    assert organizational_life.name_en == "organizational-life rules"


def test_seeding_is_idempotent_and_keeps_edits(db):
    MechanismKind.objects.filter(code="org_life").update(name_zh="组织生活会制度")
    assert ensure_mechanism_kinds() == 0
    assert MechanismKind.objects.filter(code__in=SEEDED_KIND_CODES).count() == 6
    assert MechanismKind.objects.get(code="org_life").name_zh == "组织生活会制度"
    MechanismKind.objects.filter(code="volunteer_day").delete()
    assert ensure_mechanism_kinds() == 1
    assert [k.code for k in MechanismKind.objects.order_by("order")] == [
        code for code, *_ in MECHANISM_KINDS_2014
    ]


def test_in_place_needs_a_date_and_a_document(world, media_root):
    documented = make_mechanism(world, kind="org_life", documents=1)
    assert documented.is_in_place()
    undated = make_mechanism(world, kind="two_way", established_on=None, documents=1)
    assert not undated.is_in_place()
    undocumented = make_mechanism(world, kind="volunteer_day")
    assert not undocumented.is_in_place()
    # A file of another kind is not the mechanism's document.
    from portal.attachments.services import attachment_add

    attachment_add(
        actor=None,
        record=undocumented,
        organization=world.own,
        kind="photo",
        upload=pdf(),
        name="x.pdf",
    )
    assert not undocumented.is_in_place()
    annotated = Mechanism.objects.with_document_count().get(pk=documented.pk)
    assert annotated.document_count == 1 and annotated.is_in_place()


def test_one_mechanism_per_kind_but_any_number_of_custom_ones(world):
    make_mechanism(world, kind="org_life")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        make_mechanism(world, kind="org_life")
    assert "already in the organization's register" in str(exc.value)
    make_mechanism(world, title="安全生产党员责任区制度")
    make_mechanism(world, title="党员积分管理制度")
    # Another organization may have the same kind.
    make_mechanism(world, world.child, kind="org_life")
    assert Mechanism.objects.filter(organization=world.own, kind__isnull=True).count() == 2


def test_custom_mechanism_needs_a_title(world):
    campaign = campaign_for(world)
    with pytest.raises(ValidationError) as exc:
        services.mechanism_create(
            actor=None,
            organization=world.own,
            campaign=campaign,
            fields={"kind": None, "title": "  ", "established_on": None, "summary": ""},
        )
    assert "title" in exc.value.error_dict


def test_established_date_cannot_be_in_the_future(world):
    with pytest.raises(ValidationError) as exc:
        make_mechanism(world, kind="org_life", established_on=dt.date.today() + dt.timedelta(1))
    assert "established_on" in exc.value.error_dict


def test_only_record_holders_write(world):
    campaign = campaign_for(world)
    fields = {"kind": None, "title": "制度", "established_on": None, "summary": ""}
    for user in (world.reviewer, world.office, world.instructor, world.outsider, world.nobody):
        with pytest.raises(PermissionDenied):
            services.mechanism_create(
                actor=user, organization=world.own, campaign=campaign, fields=fields
            )
    mechanism = services.mechanism_create(
        actor=world.clerk, organization=world.own, campaign=campaign, fields=fields
    )
    assert mechanism.created_by == world.clerk
    with pytest.raises(PermissionDenied):
        services.mechanism_add_documents(actor=world.reviewer, mechanism=mechanism, uploads=[])
    with pytest.raises(PermissionDenied):
        services.mechanism_delete(actor=world.office, mechanism=mechanism)


def test_delete_removes_the_documents(world, media_root):
    mechanism = make_mechanism(world, kind="org_life", documents=2)
    services.mechanism_delete(actor=world.secretary, mechanism=mechanism)
    assert not Mechanism.objects.filter(pk=mechanism.pk).exists()
    assert not Attachment.objects.filter(object_id=mechanism.pk, kind="document").exists()


def test_history_keeps_who_changed_what(world):
    mechanism = make_mechanism(world, kind="org_life", established_on=None)
    services.mechanism_update(
        actor=world.secretary,
        mechanism=mechanism,
        fields={"established_on": dt.date(2014, 8, 30)},
        seen_updated_at=mechanism.updated_at,
    )
    latest = mechanism.history.first()
    assert latest.history_user == world.secretary
    assert latest.established_on == dt.date(2014, 8, 30)


def test_register_lists_every_kind_and_the_custom_ones(world, media_root):
    campaign = campaign_for(world)
    all_kinds = kinds()
    make_mechanism(world, kind="org_life", documents=1)
    make_mechanism(world, kind="two_way")
    make_mechanism(world, title="党员积分管理制度", documents=1)
    register = mechanism_register(world.own, campaign)
    assert [row.kind.code for row in register.kinds] == [k.code for k in all_kinds]
    assert register.kinds_in_place == 1
    assert register.custom_in_place == 1
    assert not register.complete
    assert len(register.missing_kinds) == len(all_kinds) - 2
    for code in SEEDED_KIND_CODES[2:]:
        make_mechanism(world, kind=code, documents=1)
    Mechanism.objects.filter(kind__code="two_way").delete()
    make_mechanism(world, kind="two_way", documents=1)
    assert mechanism_register(world.own, campaign).complete


def test_in_place_counts_per_organization_in_one_query(world, media_root):
    campaign = campaign_for(world)
    kinds()
    make_mechanism(world, kind="org_life", documents=2)
    make_mechanism(world, kind="two_way", documents=1)
    make_mechanism(world, kind="volunteer_day", established_on=None, documents=1)
    make_mechanism(world, kind="joint_activities")
    make_mechanism(world, title="自定一", documents=1)
    make_mechanism(world, title="自定二")
    make_mechanism(world, world.child, kind="org_life", documents=1)
    make_mechanism(world, world.far, kind="org_life", documents=1)  # another campaign
    ids = [world.own.pk, world.child.pk, world.sibling.pk, world.far.pk]
    with CaptureQueriesContext(connection) as ctx:
        result = mechanisms_in_place_in(campaign, ids)
    assert len(ctx.captured_queries) == 1
    assert result == {
        world.own.pk: (2, 2),
        world.child.pk: (1, 0),
        world.sibling.pk: (0, 0),
        world.far.pk: (0, 0),
    }
    assert kind_count() == 6
    assert mechanisms_in_place_in(campaign, []) == {}


def test_batch_selector_cost_does_not_grow_with_organizations(world, media_root):
    campaign = campaign_for(world)
    orgs = [add_org(world.park_a) for _ in range(12)]
    for org in orgs:
        make_mechanism(world, org, kind="org_life", documents=1)
        make_mechanism(world, org, title="自定", documents=1)
    with CaptureQueriesContext(connection) as ctx:
        result = mechanisms_in_place_in(campaign, [o.pk for o in orgs])
    assert len(ctx.captured_queries) == 1
    assert set(result.values()) == {(1, 1)}
