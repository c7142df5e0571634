from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organizations import services
from organizations.models import Enterprise, Member, MemberTransfer, Organization, OrgKind
from organizations.validators import make_citizen_id, make_credit_code
from tests.conftest import World
from tests.factories import EnterpriseFactory, MemberFactory, add_org

pytestmark = pytest.mark.django_db


def _org_fields(**overrides):
    fields = {
        "full_name": "中共新公司支部委员会",
        "short_name": "新公司支部",
        "kind": OrgKind.BRANCH,
        "code": "NEW0001",
    }
    fields.update(overrides)
    return fields


def _member_fields(**overrides):
    birth = dt.date(1990, 5, 17)
    fields = {
        "name": "王新",
        "sex": "M",
        "birth_date": birth,
        "id_number": make_citizen_id("320115", birth, 11),
        "status": "full",
    }
    fields.update(overrides)
    return fields


def _enterprise_fields(**overrides):
    fields = {
        "name": "新科技有限公司",
        "credit_code": make_credit_code(777),
        "enterprise_type": "company",
    }
    fields.update(overrides)
    return fields


# --- organizations ---------------------------------------------------------------------------


def test_organization_create_adds_a_child_and_records_who_did_it(world: World) -> None:
    org = services.organization_create(actor=world.reviewer, parent=world.own, fields=_org_fields())
    assert Organization.objects.get_parent(org) == world.own
    assert org.history.get().history_user == world.reviewer


def test_organization_create_needs_manage_organizations_at_the_parent(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=world.secretary, parent=world.own, fields=_org_fields())
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=world.reviewer, parent=world.other, fields=_org_fields())
    assert not Organization.objects.filter(code="NEW0001").exists()


def test_organization_create_refuses_a_duplicate_code(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.organization_create(
            actor=world.admin, parent=world.own, fields=_org_fields(code=world.child.code)
        )
    assert "code" in exc.value.message_dict


def test_organization_create_keeps_siblings_in_code_order(world: World) -> None:
    services.organization_create(actor=None, parent=world.own, fields=_org_fields(code="A0000"))
    world.own.refresh_from_db()
    codes = [o.code for o in Organization.objects.get_children(world.own)]
    assert codes == sorted(codes) and len(codes) == 2


def test_organization_update_changes_profile_fields_with_record(world: World) -> None:
    services.organization_update(
        actor=world.clerk, organization=world.own, fields={"secretary_name": "李书记"}
    )
    world.own.refresh_from_db()
    assert world.own.secretary_name == "李书记"


def test_organization_update_administrative_fields_need_manage_organizations(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.organization_update(
            actor=world.secretary, organization=world.own, fields={"is_weak": True}
        )
    services.organization_update(
        actor=world.reviewer, organization=world.own, fields={"is_weak": True}
    )
    world.own.refresh_from_db()
    assert world.own.is_weak


def test_organization_update_refuses_a_stale_copy(world: World) -> None:
    seen = world.own.updated_at
    services.organization_update(
        actor=world.clerk, organization=world.own, fields={"contact_name": "甲"}
    )
    with pytest.raises(ValidationError) as exc:
        services.organization_update(
            actor=world.secretary,
            organization=world.own,
            fields={"contact_name": "乙"},
            seen_updated_at=seen,
        )
    assert exc.value.code == "stale"
    world.own.refresh_from_db()
    assert world.own.contact_name == "甲"


# --- members -----------------------------------------------------------------------------------


def test_member_create_validates_and_attributes_history(world: World) -> None:
    member = services.member_create(
        actor=world.clerk, organization=world.own, fields=_member_fields()
    )
    assert member.organization == world.own
    assert member.history.get().history_user == world.clerk


def test_member_create_rejects_a_bad_id_number(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.member_create(
            actor=world.clerk,
            organization=world.own,
            fields=_member_fields(id_number="110105194912310021"),
        )
    assert "id_number" in exc.value.message_dict
    assert not Member.objects.filter(name="王新").exists()


def test_member_create_normalises_a_full_width_id_number(world: World) -> None:
    member = services.member_create(
        actor=None,
        organization=world.own,
        fields=_member_fields(id_number="１１０１０５１９４９１２３１００２ｘ", birth_date=None),
    )
    assert member.id_number == "11010519491231002X"


def test_member_create_needs_record(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.member_create(actor=world.office, organization=world.own, fields=_member_fields())


def test_member_update_refuses_a_stale_copy(world: World) -> None:
    member = MemberFactory(organization=world.own)
    seen = member.updated_at
    services.member_update(actor=world.clerk, member=member, fields={"post": "车间主任"})
    with pytest.raises(ValidationError) as exc:
        services.member_update(
            actor=world.secretary, member=member, fields={"post": "会计"}, seen_updated_at=seen
        )
    assert exc.value.code == "stale"
    member.refresh_from_db()
    assert member.post == "车间主任"


def test_member_update_with_the_current_version_succeeds(world: World) -> None:
    member = MemberFactory(organization=world.own)
    services.member_update(
        actor=world.clerk, member=member, fields={"post": "会计"}, seen_updated_at=member.updated_at
    )
    member.refresh_from_db()
    assert member.post == "会计"


def test_member_transfer_moves_the_member_and_writes_the_transfer(world: World) -> None:
    member = MemberFactory(organization=world.own)
    transfer = services.member_transfer(
        actor=world.secretary,
        member=member,
        to_organization=world.child,
        moved_on=dt.date(2024, 3, 1),
        reason="工作调动",
    )
    member.refresh_from_db()
    assert member.organization == world.child
    assert (transfer.from_organization, transfer.to_organization) == (world.own, world.child)
    assert transfer.recorded_by == world.secretary
    assert member.history.first().history_user == world.secretary


def test_member_transfer_needs_record_at_the_source_and_view_at_the_destination(
    world: World,
) -> None:
    member = MemberFactory(organization=world.own)
    with pytest.raises(PermissionDenied):  # the destination is out of the secretary's sight
        services.member_transfer(
            actor=world.secretary, member=member, to_organization=world.sibling
        )
    with pytest.raises(PermissionDenied):  # the reviewer sees both but records neither
        services.member_transfer(actor=world.reviewer, member=member, to_organization=world.sibling)
    assert not MemberTransfer.objects.exists()
    member.refresh_from_db()
    assert member.organization == world.own


def test_member_transfer_to_the_same_organization_is_refused(world: World) -> None:
    member = MemberFactory(organization=world.own)
    with pytest.raises(ValidationError):
        services.member_transfer(actor=world.secretary, member=member, to_organization=world.own)


def test_member_transfer_clears_an_enterprise_the_destination_is_not_linked_to(
    world: World,
) -> None:
    enterprise = EnterpriseFactory()
    world.own.enterprises.add(enterprise)
    member = MemberFactory(organization=world.own, enterprise=enterprise)
    services.member_transfer(actor=world.secretary, member=member, to_organization=world.child)
    member.refresh_from_db()
    assert member.enterprise is None


def test_member_transfer_keeps_an_enterprise_the_destination_hosts(world: World) -> None:
    enterprise = EnterpriseFactory()
    world.own.enterprises.add(enterprise)
    world.child.enterprises.add(enterprise)
    member = MemberFactory(organization=world.own, enterprise=enterprise)
    services.member_transfer(actor=world.secretary, member=member, to_organization=world.child)
    member.refresh_from_db()
    assert member.enterprise == enterprise


def test_member_deactivate_keeps_the_row_and_is_idempotent(world: World) -> None:
    member = MemberFactory(organization=world.own)
    services.member_deactivate(actor=world.clerk, member=member)
    services.member_deactivate(actor=world.clerk, member=member)
    member.refresh_from_db()
    assert member.is_active is False
    assert member.history.count() == 2  # created, taken off the roster
    services.member_reactivate(actor=world.clerk, member=member)
    member.refresh_from_db()
    assert member.is_active


def test_a_member_off_the_roster_cannot_be_transferred(world: World) -> None:
    member = MemberFactory(organization=world.own, is_active=False)
    with pytest.raises(ValidationError):
        services.member_transfer(actor=world.secretary, member=member, to_organization=world.child)


def test_member_deactivate_needs_record(world: World) -> None:
    member = MemberFactory(organization=world.own)
    with pytest.raises(PermissionDenied):
        services.member_deactivate(actor=world.instructor, member=member)


# --- enterprises -----------------------------------------------------------------------------------


def test_enterprise_create_as_host_links_the_organization(world: World) -> None:
    enterprise = services.enterprise_create(
        actor=world.secretary, organization=world.own, link="host", fields=_enterprise_fields()
    )
    assert list(enterprise.organizations.all()) == [world.own]
    assert enterprise.attached_to is None
    assert enterprise.history.get().history_user == world.secretary


def test_enterprise_create_attached_needs_a_hosting_kind_of_organization(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(
            actor=world.secretary,
            organization=world.own,
            link="attached",
            fields=_enterprise_fields(),
        )
    assert "organization" in exc.value.message_dict
    enterprise = services.enterprise_create(
        actor=None, organization=world.park_a, link="attached", fields=_enterprise_fields()
    )
    assert enterprise.attached_to == world.park_a


def test_enterprise_create_validates_the_credit_code(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(
            actor=world.secretary,
            organization=world.own,
            link="host",
            fields=_enterprise_fields(credit_code="91350100M000100Y44"),
        )
    assert "credit_code" in exc.value.message_dict
    assert not Enterprise.objects.exists()


def test_enterprise_create_normalises_a_full_width_credit_code(world: World) -> None:
    enterprise = services.enterprise_create(
        actor=world.secretary,
        organization=world.own,
        link="host",
        fields=_enterprise_fields(credit_code="９１３５０１００Ｍ０００１００Ｙ４３"),
    )
    assert enterprise.credit_code == "91350100M000100Y43"


def test_enterprise_create_needs_record(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.enterprise_create(
            actor=world.reviewer, organization=world.own, link="host", fields=_enterprise_fields()
        )


def test_enterprise_update_needs_record_at_a_linked_organization(world: World) -> None:
    enterprise = EnterpriseFactory(attached_to=world.park_a)
    with pytest.raises(PermissionDenied):  # the secretary records own, not park_a
        services.enterprise_update(
            actor=world.secretary, enterprise=enterprise, fields={"industry": "x"}
        )
    world.own.enterprises.add(enterprise)
    services.enterprise_update(
        actor=world.secretary, enterprise=enterprise, fields={"industry": "x"}
    )
    enterprise.refresh_from_db()
    assert enterprise.industry == "x"


def test_enterprise_update_refuses_a_stale_copy(world: World) -> None:
    enterprise = EnterpriseFactory()
    world.own.enterprises.add(enterprise)
    seen = enterprise.updated_at
    services.enterprise_update(actor=world.clerk, enterprise=enterprise, fields={"industry": "a"})
    with pytest.raises(ValidationError):
        services.enterprise_update(
            actor=world.clerk, enterprise=enterprise, fields={"industry": "b"}, seen_updated_at=seen
        )


def test_services_reject_fields_they_do_not_manage(world: World) -> None:
    member = MemberFactory(organization=world.own)
    with pytest.raises(TypeError):
        services.member_update(actor=world.clerk, member=member, fields={"organization": world.far})


def test_new_organization_is_visible_to_supervisors_only(world: World) -> None:
    from portal.accounts.permissions import forget_grants, user_can

    org = services.organization_create(
        actor=world.reviewer, parent=world.sibling, fields=_org_fields()
    )
    forget_grants(world.reviewer)
    assert user_can(world.reviewer, "view_organization", org)
    assert not user_can(world.secretary, "view_organization", org)
    add_org(org)  # the node accepts children (treebeard path is consistent)
