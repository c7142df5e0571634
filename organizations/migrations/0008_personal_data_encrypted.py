"""ID and phone numbers encrypted at rest (portal/core/crypto.py): the columns become
text, the existing rows are encrypted in place, and the ID number's uniqueness moves to
its keyed hash."""

import organizations.validators
import portal.core.fields
from django.db import migrations

from portal.core.encryption_migration import encrypt_columns

forwards, backwards = encrypt_columns(
    [
        ("organizations.Member", ["id_number", "phone"], {"id_number_hash": ("id_number", "id")}),
        (
            "organizations.HistoricalMember",
            ["id_number", "phone"],
            {"id_number_hash": ("id_number", "id")},
        ),
        ("organizations.Organization", ["contact_phone"], {}),
        ("organizations.HistoricalOrganization", ["contact_phone"], {}),
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0007_committee_and_party_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmember",
            name="id_number_hash",
            field=portal.core.fields.BlindIndexField(default="", source="id_number"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="member",
            name="id_number_hash",
            field=portal.core.fields.BlindIndexField(default="", source="id_number"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="historicalmember",
            name="id_number",
            field=portal.core.fields.EncryptedCharField(
                hash_kind="id",
                max_length=18,
                validators=[organizations.validators.validate_citizen_id],
                verbose_name="citizen ID number",
            ),
        ),
        migrations.AlterField(
            model_name="historicalmember",
            name="phone",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="phone"
            ),
        ),
        migrations.AlterField(
            model_name="historicalorganization",
            name="contact_phone",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="contact phone"
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=portal.core.fields.EncryptedCharField(
                hash_kind="id",
                max_length=18,
                validators=[organizations.validators.validate_citizen_id],
                verbose_name="citizen ID number",
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="phone",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="phone"
            ),
        ),
        migrations.AlterField(
            model_name="organization",
            name="contact_phone",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="contact phone"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterField(
            model_name="historicalmember",
            name="id_number_hash",
            field=portal.core.fields.BlindIndexField(db_index=True, source="id_number"),
        ),
        migrations.AlterField(
            model_name="member",
            name="id_number_hash",
            field=portal.core.fields.BlindIndexField(source="id_number", unique=True),
        ),
    ]
