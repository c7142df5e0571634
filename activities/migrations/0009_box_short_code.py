"""The suggestion box's short address (/b/ABC123/): added empty, filled in for the
existing boxes (a different code each), then made unique."""

import secrets

from django.db import migrations, models

import activities.models.opinions

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def fill_codes(apps, schema_editor):
    SuggestionBox = apps.get_model("activities", "SuggestionBox")
    used = set()
    for box in SuggestionBox.objects.only("pk"):
        code = ""
        while not code or code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        used.add(code)
        SuggestionBox.objects.filter(pk=box.pk).update(short_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0008_meeting_party_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="suggestionbox",
            name="short_code",
            field=models.CharField(max_length=6, null=True, verbose_name="short address"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="suggestionbox",
            name="short_code",
            field=models.CharField(
                default=activities.models.opinions.new_short_code,
                max_length=6,
                unique=True,
                verbose_name="short address",
            ),
        ),
        migrations.AddField(
            model_name="historicalsuggestionbox",
            name="short_code",
            field=models.CharField(
                db_index=True,
                default=activities.models.opinions.new_short_code,
                max_length=6,
                verbose_name="short address",
            ),
        ),
    ]
