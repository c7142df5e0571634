from django.db import migrations


def seed_grading_template(apps, schema_editor):
    """The criteria of the annual classification (upgrading/seed.py)."""
    from upgrading.seed import ensure_grading_template

    ensure_grading_template()


class Migration(migrations.Migration):
    dependencies = [
        ("upgrading", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_grading_template, migrations.RunPython.noop),
    ]
