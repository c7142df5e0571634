"""The audit log's plumbing: who acted from where, writes and downloads recorded by a
middleware, and the guard that keeps the log append-only.

- `AuditMiddleware` records, for a logged-in user, every request that wrote to the
  database (any INSERT, UPDATE or DELETE on a table other than sessions, caches and
  throttling), unless the request already wrote its own audit row (role grants,
  accounts, log-ins: services.py, signals.py); and every response that sends a file
  (exports, reports, attachments, the grid's download: a Content-Disposition header).
  Each row names the actor, the time, the client address (portal.core.net, which
  believes X-Forwarded-For only from trusted proxies), the view, and the records the
  request saved (simple-history's post_create_historical_record, when the model keeps
  history) with their organization. Anonymous requests are not recorded: the public
  suggestion box promises its writers anonymity.
- `AuditEvent.save()` fills the address from the request being served.
- The guard: database triggers (migration 0006) refuse UPDATE and DELETE on the audit
  and review-event tables. DELETE passes only rows older than the retention floor while
  a purge is running: on PostgreSQL the purge sets `portal.audit_purge` for its own
  transaction (SET LOCAL, so it ends with the transaction); on SQLite the trigger asks the function
  `portal_audit_guard()`, which each connection of this process registers (a bare
  sqlite3 shell has no such function, and its DELETE fails).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from simple_history.signals import post_create_historical_record

from portal.core.net import client_address

# --- who and from where -----------------------------------------------------------------

_request: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_request", default=None)


@dataclass
class _Trace:
    tables: set[str] = field(default_factory=set)
    records: list[tuple[str, Any, Any, str]] = field(default_factory=list)
    audited: bool = False


_trace: contextvars.ContextVar[_Trace | None] = contextvars.ContextVar("audit_trace", default=None)


def current_address() -> str | None:
    request = _request.get()
    if request is None or not hasattr(request, "META"):
        return None
    return client_address(request) or None


# --- the guard --------------------------------------------------------------------------

# 0: append-only; 1: a purge runs (rows past the retention floor may go); 2: a test
# database is being emptied (tests/conftest.py wraps the flush command).
GUARD_LOCKED, GUARD_PURGE, GUARD_WIPE = 0, 1, 2
_guard_mode = GUARD_LOCKED

# Tables the triggers protect.
APPEND_ONLY_TABLES = ("accounts_auditevent", "reviews_reviewevent")


def guard_mode() -> int:
    return _guard_mode


@contextmanager
def guard(mode: int) -> Iterator[None]:
    """Open the guard for the code inside (purge_audit; the tests' flush). On
    PostgreSQL the parameter is set for the current transaction only (SET LOCAL): use
    it inside transaction.atomic(). (Outside one there is nothing to open: the test
    runner empties PostgreSQL tables with TRUNCATE, which row triggers do not see.)"""
    global _guard_mode
    previous, _guard_mode = _guard_mode, mode
    try:
        if (
            connection.vendor == "postgresql"
            and mode != GUARD_LOCKED
            and connection.in_atomic_block
        ):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('portal.audit_purge', 'on', true)")
        yield
    finally:
        _guard_mode = previous
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('portal.audit_purge', '', true)")
            except DatabaseError:
                pass  # the transaction failed: its rollback ends the setting anyway


@receiver(connection_created, dispatch_uid="portal_audit_guard_function")
def _register_guard_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("portal_audit_guard", 0, guard_mode)


# --- the middleware ---------------------------------------------------------------------

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)
# Writes that are bookkeeping, not actions: the session, caches, throttling counters.
IGNORED_TABLES = frozenset(
    {
        "django_session",
        "portal_cache",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
        "otp_totp_totpdevice",  # last_t and throttling fields on every verification
        "otp_static_staticdevice",
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
RECORDS_KEPT = 20


def _track_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    trace = _trace.get()
    if trace is not None:
        match = _WRITE.match(sql)
        if match:
            table = match.group(1).lower()
            if table == "accounts_auditevent":
                trace.audited = True
            elif table not in IGNORED_TABLES and not table.startswith("django_cache"):
                trace.tables.add(table)
    return execute(sql, params, many, context)


@receiver(post_create_historical_record, dispatch_uid="portal_audit_history")
def _collect_record(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    trace = _trace.get()
    if trace is None or len(trace.records) >= RECORDS_KEPT:
        return
    meta = instance._meta
    if meta.label_lower == "organizations.organization":
        org_id = instance.pk
    else:
        org_id = getattr(instance, "organization_id", None)
    kind = {"+": "create", "~": "update", "-": "delete"}.get(history_instance.history_type, "")
    trace.records.append((meta.label_lower, instance.pk, org_id, kind))


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            if request.method in SAFE_METHODS:
                response = self.get_response(request)
                if response.has_header("Content-Disposition") and response.status_code == 200:
                    self._record_download(request, response)
                return response
            trace = _Trace()
            trace_token = _trace.set(trace)
            try:
                with connection.execute_wrapper(_track_writes):
                    response = self.get_response(request)
            finally:
                _trace.reset(trace_token)
            if trace.tables and not trace.audited and response.status_code < 400:
                self._record_write(request, response, trace)
            return response
        finally:
            _request.reset(token)

    @staticmethod
    def _actor(request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def _record_write(self, request: HttpRequest, response: HttpResponse, trace: _Trace) -> None:
        from .models import AuditEvent

        actor = self._actor(request)
        if actor is None:
            return
        records = trace.records
        first = records[0] if records else None
        AuditEvent.objects.create(
            actor=actor,
            action="record.write",
            target=(f"{first[0]} #{first[1]}" if first else request.path)[:200],
            object_type=(first[0] if first else sorted(trace.tables)[0])[:100],
            organization_id=next((r[2] for r in records if r[2]), None),
            detail={
                "view": _view_name(request),
                "path": request.path[:300],
                "method": request.method,
                "status": response.status_code,
                "tables": sorted(trace.tables),
                "records": [{"model": m, "pk": pk, "change": kind} for m, pk, _o, kind in records],
            },
        )

    def _record_download(self, request: HttpRequest, response: HttpResponse) -> None:
        from .models import AuditEvent

        actor = self._actor(request)
        if actor is None:
            return
        view = _view_name(request)
        AuditEvent.objects.create(
            actor=actor,
            action="file.download",
            target=request.get_full_path()[:200],
            object_type=view[:100],
            detail={
                "view": view,
                "path": request.path[:300],
                "query": request.GET.urlencode()[:500],
                "disposition": response["Content-Disposition"][:300],
            },
        )
