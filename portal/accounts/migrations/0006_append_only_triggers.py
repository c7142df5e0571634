"""Append-only audit tables: database triggers refuse UPDATE and DELETE on the audit
log (accounts_auditevent) and on the review events (reviews_reviewevent), whoever
asks, the superuser's admin and a raw SQL session included.

The one exception is `manage.py purge_audit` (portal/accounts/audit.py, `guard`): it
may delete audit rows older than 180 days (the retention floor, written here so that
no setting can lower it), never review events.
- PostgreSQL: one plpgsql function for both tables; the purge sets the configuration
  parameter `portal.audit_purge` to `on`. TRUNCATE (used by the test runner to empty
  its throw-away databases) is a table-level statement that row triggers do not see.
- SQLite: the triggers call `portal_audit_guard()`, a function each connection of the
  portal registers (0 locked, 1 purge, 2 the test runner emptying its database); a
  bare sqlite3 shell has no such function, so its DELETE fails too.

Beware on SQLite: a later migration that alters either table rebuilds it and drops
these triggers; recreate them in that migration (tests/security/test_append_only.py
fails when they are missing).
"""

from django.db import migrations

FLOOR_DAYS = 180

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION portal_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'accounts_auditevent'
       AND current_setting('portal.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '{FLOOR_DAYS} days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'append-only table: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only();
CREATE TRIGGER reviews_reviewevent_append_only
    BEFORE UPDATE OR DELETE ON reviews_reviewevent
    FOR EACH ROW EXECUTE FUNCTION portal_audit_append_only();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP TRIGGER IF EXISTS reviews_reviewevent_append_only ON reviews_reviewevent;
DROP FUNCTION IF EXISTS portal_audit_append_only();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent
    BEGIN SELECT RAISE(ABORT, 'append-only table: UPDATE on accounts_auditevent refused'); END""",
    f"""CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent
    WHEN portal_audit_guard() = 0
      OR (portal_audit_guard() = 1 AND OLD.at > datetime('now', '-{FLOOR_DAYS} days'))
    BEGIN SELECT RAISE(ABORT, 'append-only table: DELETE on accounts_auditevent refused'); END""",
    """CREATE TRIGGER reviews_reviewevent_no_update BEFORE UPDATE ON reviews_reviewevent
    BEGIN SELECT RAISE(ABORT, 'append-only table: UPDATE on reviews_reviewevent refused'); END""",
    """CREATE TRIGGER reviews_reviewevent_no_delete BEFORE DELETE ON reviews_reviewevent
    WHEN portal_audit_guard() != 2
    BEGIN SELECT RAISE(ABORT, 'append-only table: DELETE on reviews_reviewevent refused'); END""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS reviews_reviewevent_no_update",
    "DROP TRIGGER IF EXISTS reviews_reviewevent_no_delete",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_FORWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, [PG_BACKWARD])
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_columns_auditor_role"),
        ("reviews", "0004_reviewevent_protected"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
