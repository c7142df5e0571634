"""The database cache table (settings.CACHE_TABLE): production without Redis keeps
its rate limits there, shared by every web process. `migrate` creates it, so no
separate `createcachetable` step is needed; it is harmless where Redis is used."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations


def create_cache_table(apps, schema_editor):  # noqa: ANN001, ANN201
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(
        schema_editor.connection.alias, getattr(settings, "CACHE_TABLE", "portal_cache"), False
    )


def drop_cache_table(apps, schema_editor):  # noqa: ANN001, ANN201
    table = getattr(settings, "CACHE_TABLE", "portal_cache")
    if table in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies: list = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
