"""Users' phone numbers encrypted at rest (portal/core/crypto.py), existing rows too."""

import portal.core.fields
from django.db import migrations

from portal.core.encryption_migration import encrypt_columns

forwards, backwards = encrypt_columns([("accounts.User", ["phone"], {})])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_append_only_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=portal.core.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="phone"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
