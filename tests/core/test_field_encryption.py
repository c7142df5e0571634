"""Citizen ID and phone numbers encrypted at rest (portal/core/crypto.py, fields.py):
what the database holds, what still works on top of it, key rotation and wrong keys."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from activities.models import Opinion
from organizations.models import Member, Organization
from organizations.validators import mask_id
from portal.accounts.models import User
from portal.core import crypto
from portal.core.encryption_migration import encrypt_columns
from tests.conftest import World
from tests.factories import MemberFactory
from tests.organizations.test_io_support import (
    citizen_id,
    errors_by_cell,
    member_values,
    run_import,
    table,
    xlsx_bytes,
)
from tests.utils import client_for

pytestmark = pytest.mark.django_db

KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()
HASH_KEY = crypto.generate_key()


def raw(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def raw_member(member: Member) -> tuple[str, str, str]:
    [row] = raw(
        "SELECT id_number, phone, id_number_hash FROM organizations_member WHERE id = %s",
        [member.pk],
    )
    return row


@pytest.fixture
def keys(settings):
    """Keys from the environment, as in production (not the derived development ones)."""

    def use(*encryption: str, hash_key: str = HASH_KEY) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(encryption)
        settings.FIELD_HASH_KEY = hash_key

    use(KEY_A)
    return use


# --- what the database holds ---------------------------------------------------------


def test_raw_sql_shows_no_plaintext_id_or_phone_in_any_table(world: World) -> None:
    member = MemberFactory(organization=world.own, phone="13912345678")
    member.phone = "13987654321"
    member.save()  # a second history row
    Organization.objects.filter(pk=world.own.pk).update(contact_phone="13811112222")
    world.secretary.phone = "13700001111"
    world.secretary.save()

    stored_id, stored_phone, stored_hash = raw_member(member)
    assert stored_id.startswith("e1:") and member.id_number not in stored_id
    assert stored_phone.startswith("e1:") and "13987654321" not in stored_phone
    assert len(stored_hash) == 64 and member.id_number not in stored_hash
    history = raw(
        "SELECT id_number, phone FROM organizations_historicalmember WHERE id = %s", [member.pk]
    )
    assert len(history) == 2
    assert all(i.startswith("e1:") and p.startswith("e1:") for i, p in history)
    [(contact,)] = raw(
        "SELECT contact_phone FROM organizations_organization WHERE id = %s", [world.own.pk]
    )
    assert contact.startswith("e1:") and "13811112222" not in contact
    [(user_phone,)] = raw("SELECT phone FROM accounts_user WHERE id = %s", [world.secretary.pk])
    assert user_phone.startswith("e1:") and "13700001111" not in user_phone
    # The same value encrypts differently each time (fresh nonce): nothing to compare.
    again = MemberFactory(organization=world.own, phone="13987654321")
    assert raw_member(again)[1] != stored_phone

    # Python sees the plaintext.
    member.refresh_from_db()
    assert member.phone == "13987654321"
    assert Member.history.filter(id=member.pk).first().phone == "13987654321"


def test_empty_values_stay_empty_so_blank_filters_work(world: World) -> None:
    member = MemberFactory(organization=world.own, phone="")
    assert raw_member(member)[1] == ""
    assert Member.objects.filter(pk=member.pk, phone="").exists()
    assert not Member.objects.filter(pk=member.pk).exclude(phone="").exists()


def test_suggestion_box_contact_is_encrypted(world: World) -> None:
    from tests.activities.factories import campaign_for
    from tests.activities.opinions_factories import OpinionFactory

    opinion = OpinionFactory(
        organization=world.own,
        campaign=campaign_for(world),
        submitter_name="王",
        submitter_contact="13900",
    )
    [(stored,)] = raw(
        "SELECT submitter_contact FROM activities_opinion WHERE id = %s", [opinion.pk]
    )
    assert stored.startswith("e1:")
    assert Opinion.objects.get(pk=opinion.pk).submitter_contact == "13900"


# --- what keeps working --------------------------------------------------------------


def test_exact_id_lookups_go_through_the_keyed_hash(world: World) -> None:
    member = MemberFactory(organization=world.own)
    lower_x = member.id_number.lower()
    assert Member.objects.get(id_number=member.id_number) == member
    assert Member.objects.get(id_number=f" {lower_x} ") == member  # normalized input
    assert list(Member.objects.filter(id_number__in=[member.id_number, citizen_id(999)])) == [
        member
    ]
    assert Member.history.filter(id_number=member.id_number).count() == 1
    with pytest.raises(FieldError, match="encrypted"):
        list(Member.objects.filter(id_number__startswith="3201"))
    with pytest.raises(FieldError, match="no keyed hash"):
        list(Member.objects.filter(phone="13900000000"))


def test_member_list_finds_a_member_by_exact_id_number(world: World) -> None:
    member = MemberFactory(organization=world.own, name="李查找")
    MemberFactory(organization=world.own, name="王其他")
    response = client_for(world, "office").get(
        reverse("organizations:member_list"), {"q": member.id_number}
    )
    page = response.context["page"]
    assert [m.pk for m in page.object_list] == [member.pk]
    # The office may not see personal data: the page shows the masked number.
    body = response.content.decode()
    assert f"<td>{mask_id(member.id_number)}</td>" in body
    assert f"<td>{member.id_number}</td>" not in body


def test_duplicate_id_number_is_refused_by_the_form(world: World) -> None:
    from tests.organizations.test_views_members import _member_post

    existing = MemberFactory(organization=world.far)
    response = client_for(world, "clerk").post(
        reverse("organizations:member_create", args=[world.own.pk]),
        _member_post(id_number=existing.id_number.lower(), birth_date=""),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [
        "A member with this citizen ID number already exists."
    ]
    assert Member.objects.filter(id_number=existing.id_number).count() == 1


def test_duplicate_id_numbers_are_refused_at_import_in_the_file_and_against_the_roster(
    world: World,
) -> None:
    from tests.organizations.test_io_import import _as_in_the_id

    existing = MemberFactory(organization=world.own)
    members_before = Member.objects.count()
    rows = [
        member_values(1, world.own),
        member_values(2, world.own, 身份证号=citizen_id(1)),  # the same ID again in the file
    ]
    report = run_import("members", world.secretary, xlsx_bytes(table(rows)), commit=False)
    assert (3, "身份证号") in errors_by_cell(report)
    # Against the roster: the existing member is updated, not duplicated.
    row = member_values(
        5, world.own, 身份证号=existing.id_number, 姓名=existing.name, **_as_in_the_id(existing)
    )
    report = run_import("members", world.secretary, xlsx_bytes(table([row])), commit=True)
    assert report.error_count == 0, report.errors
    assert (report.created, report.updated + report.unchanged) == (0, 1)
    assert Member.objects.filter(id_number=existing.id_number).count() == 1
    assert Member.objects.count() == members_before


def test_a_full_export_decrypts_and_a_masked_one_masks(world: World) -> None:
    from organizations.resources import MemberResource
    from tests.organizations.test_io_import import exported

    member = MemberFactory(organization=world.own, phone="13912345678")
    queryset = Member.objects.all()
    full = exported(MemberResource(user=world.secretary), queryset, world.secretary, "csv")
    masked = exported(MemberResource(user=world.office), queryset, world.office, "csv")
    full, masked = full.decode("utf-8-sig"), masked.decode("utf-8-sig")
    assert member.id_number in full and "13912345678" in full
    assert member.id_number not in masked and mask_id(member.id_number) in masked


# --- keys ----------------------------------------------------------------------------


def test_rotation_re_encrypts_with_the_first_key_and_everything_still_reads(
    keys, world: World
) -> None:
    members = [MemberFactory(organization=world.own) for _ in range(5)]
    old_key = crypto.key_id_of(crypto._decode_key(KEY_A, "", 1))
    new_key = crypto.key_id_of(crypto._decode_key(KEY_B, "", 1))
    assert {crypto.key_id_in(raw_member(m)[0]) for m in members} == {old_key}
    hashes = {m.pk: raw_member(m)[2] for m in members}

    keys(KEY_B, KEY_A)
    out = io.StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    assert f"organizations_member: {Member.objects.count()} rows rewritten" in out.getvalue()
    assert {crypto.key_id_in(raw_member(m)[0]) for m in members} == {new_key}
    assert {crypto.key_id_in(raw_member(m)[1]) for m in members} == {new_key}
    assert {m.pk: raw_member(m)[2] for m in members} == hashes  # same hash key

    # Resumable: a second run finds nothing left.
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "done: 0 rows rewritten" in out.getvalue()

    # The old key can go: everything reads with the new one alone.
    keys(KEY_B)
    for m in members:
        fresh = Member.objects.get(id_number=m.id_number)
        assert (fresh.pk, fresh.phone) == (m.pk, m.phone)


def test_a_new_hash_key_is_applied_by_rotate_with_hashes(keys, world: World) -> None:
    member = MemberFactory(organization=world.own)
    new_hash = crypto.generate_key()
    keys(KEY_A, hash_key=new_hash)
    assert not Member.objects.filter(id_number=member.id_number).exists()
    call_command("rotate_field_keys", "--hashes", stdout=io.StringIO())
    assert Member.objects.get(id_number=member.id_number) == member


def test_a_value_under_a_key_no_longer_configured_is_a_clear_error(keys, world: World) -> None:
    member = MemberFactory(organization=world.own)
    keys(KEY_B)
    with pytest.raises(crypto.FieldDecryptionError, match="not among FIELD_ENCRYPTION_KEYS"):
        Member.objects.get(pk=member.pk)
    with pytest.raises(CommandError, match="not among FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_field_keys", stdout=io.StringIO())


def test_an_altered_ciphertext_is_a_clear_error_not_garbage(keys, world: World) -> None:
    member = MemberFactory(organization=world.own)
    stored = raw_member(member)[0]
    prefix, blob = stored.rsplit(":", 1)
    flipped = blob[:20] + ("A" if blob[20] != "A" else "B") + blob[21:]
    raw(
        "UPDATE organizations_member SET id_number = %s WHERE id = %s",
        [f"{prefix}:{flipped}", member.pk],
    )
    with pytest.raises(crypto.FieldDecryptionError, match="wrong or the stored value was altered"):
        Member.objects.get(pk=member.pk)


def test_missing_or_malformed_keys_in_production_are_refused(settings) -> None:
    settings.FIELD_KEYS_DERIVED_IN_DEVELOPMENT = False
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_HASH_KEY = HASH_KEY
    with pytest.raises(crypto.FieldKeyError, match="FIELD_ENCRYPTION_KEYS is not set"):
        crypto.encrypt("13900000000")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    settings.FIELD_HASH_KEY = ""
    assert crypto.problems() == [
        "FIELD_HASH_KEY is not set: with DEBUG=0 the keyed hash of the ID numbers needs its "
        "own key from the environment (`manage.py generate_field_key`)"
    ]
    settings.FIELD_ENCRYPTION_KEYS = ["c2hvcnQ="]
    settings.FIELD_HASH_KEY = HASH_KEY
    assert "key 1 is 5 bytes" in crypto.problems()[0]
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A, "not base64 at all!"]
    assert "FIELD_ENCRYPTION_KEYS: key 2 is not URL-safe base64" in crypto.problems()[0]


def test_development_keys_are_derived_from_the_secret_key(settings) -> None:
    settings.FIELD_KEYS_DERIVED_IN_DEVELOPMENT = True
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_HASH_KEY = ""
    ring = crypto.keyring()
    assert ring.derived
    assert crypto.decrypt(crypto.encrypt("13900000000")) == "13900000000"
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert crypto.keyring().current.key_id != ring.current.key_id


# --- the migration's data step -------------------------------------------------------


def test_the_migration_encrypts_existing_plaintext_rows_and_fills_the_hash(
    world: World,
) -> None:
    member = MemberFactory(organization=world.own, phone="13912345678")
    plain_id = member.id_number
    raw(
        "UPDATE organizations_member SET id_number = %s, phone = %s, id_number_hash = %s "
        "WHERE id = %s",
        [plain_id, "13912345678", "", member.pk],
    )
    forwards, backwards = encrypt_columns(
        [("organizations.Member", ["id_number", "phone"], {"id_number_hash": ("id_number", "id")})]
    )
    editor = SimpleNamespace(connection=connection)  # all the data step uses
    forwards(apps, editor)
    forwards(apps, editor)  # run again: what is encrypted stays as it is
    stored_id, stored_phone, stored_hash = raw_member(member)
    assert stored_id.startswith("e1:") and stored_phone.startswith("e1:")
    assert stored_hash == crypto.blind_index("id", plain_id)
    assert Member.objects.get(id_number=plain_id).phone == "13912345678"
    backwards(apps, editor)
    assert raw_member(member)[:2] == (plain_id, "13912345678")


def test_users_phone_reads_back_after_a_save(world: World) -> None:
    user = User.objects.get(pk=world.secretary.pk)
    user.phone = "+86 139 0000 1111"
    user.save()
    assert User.objects.get(pk=user.pk).phone == "+86 139 0000 1111"


# --- production settings -------------------------------------------------------------


def test_check_deploy_fails_clearly_without_the_keys_in_production() -> None:
    import sys

    from tests.security.helpers import production_env, run

    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    out = run(command, production_env(FIELD_ENCRYPTION_KEYS="", FIELD_HASH_KEY=""))
    assert out.returncode != 0
    assert "portal.E001" in out.stderr and "FIELD_ENCRYPTION_KEYS is not set" in out.stderr
    # With both keys (tests/security/helpers.py) it is clean: test_session_and_headers.py.


# --- the scale generator -------------------------------------------------------------


def test_the_scale_generator_writes_encrypted_numbers_and_their_hashes() -> None:
    from scale.seeding import seed_scale

    seed_scale(12, 60, records=60, log=lambda line: None)
    rows = raw("SELECT id_number, phone, id_number_hash FROM organizations_member")
    assert len(rows) == 60
    assert all(i.startswith("e1:") and p.startswith("e1:") and len(h) == 64 for i, p, h in rows)
    assert len({h for _i, _p, h in rows}) == 60
    member = Member.objects.order_by("pk").first()
    assert Member.objects.get(id_number=member.id_number) == member
    assert member.phone.startswith("139")
