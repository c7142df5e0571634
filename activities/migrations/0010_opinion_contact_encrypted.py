"""The suggestion box's contact (a phone number or an e-mail address) encrypted at
rest (portal/core/crypto.py), existing rows too."""

import portal.core.fields
from django.db import migrations

from portal.core.encryption_migration import encrypt_columns

forwards, backwards = encrypt_columns(
    [
        ("activities.Opinion", ["submitter_contact"], {}),
        ("activities.HistoricalOpinion", ["submitter_contact"], {}),
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0009_box_short_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalopinion",
            name="submitter_contact",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=100, verbose_name="submitter's contact"
            ),
        ),
        migrations.AlterField(
            model_name="opinion",
            name="submitter_contact",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=100, verbose_name="submitter's contact"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
