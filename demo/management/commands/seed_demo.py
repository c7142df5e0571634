"""`manage.py seed_demo`: the fictional county of demo/organizations.py, one login per
role, and the 2014 campaign with its phase 1-2 records (demo/activities) and its phase 3
records (demo/rectification), finished; then a running campaign of the same shape whose
dates are relative to today (demo.activities.campaign.ensure_current_campaign: phases 1 and 2
over, phase 3 under way), with the same story replayed to end yesterday, which the
pages open on. Idempotent: when the county (code QS) exists, only the logins, their
roles and passwords are checked and restored; the campaign records are written only
when there are none; the running campaign is kept while it runs, and a new one is
built once it has ended."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from demo.organizations import DemoPlan, demo_plan, find_county, write_plan
from organizations.models import Enterprise, Member, Organization
from portal.accounts import services
from portal.accounts.models import Role, User

DEFAULT_DEMO_PASSWORD = "demo-Portal-2014"  # noqa: S105 - a published demo password


def demo_logins(plan: DemoPlan) -> dict[str, User]:
    """The demo logins by username, as stored now: each part of the story reads them
    afresh."""
    logins = User.objects.filter(username__in=[lg.username for lg in plan.logins])
    return {u.username: u for u in logins}


class Command(BaseCommand):
    help = "Create the demo county 青山县 with one login per role (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--without-running-campaign",
            action="store_true",
            help="Only the finished 2014 campaign (the tests of the 2014 story).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        plan = demo_plan()
        county = find_county()
        if county is None:
            county = write_plan(plan)
            self.stdout.write(
                f"Created the demo county {county.full_name}: "
                f"{Organization.objects.in_subtree(county).count()} organizations, "
                f"{Enterprise.objects.filter(credit_code__in=[e.credit_code for e in plan.enterprises]).count()} enterprises, "
                f"{Member.objects.in_subtree(county).count()} members."
            )
        else:
            self.stdout.write(f"The demo county {county.full_name} exists; checking the logins.")
        password = settings.DEMO_PASSWORD or DEFAULT_DEMO_PASSWORD
        rows = ensure_logins(plan, password)
        if apps.is_installed("guidance"):
            from demo.guidance import build_enterprise_instructors

            build_enterprise_instructors(demo_logins(plan))
        if apps.is_installed("activities"):
            self._seed_campaign(plan, county, running=not options["without_running_campaign"])
        self._print_logins(rows, password)
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")

    def _seed_campaign(self, plan: DemoPlan, county: Organization, running: bool) -> None:
        # The demo app reaches every product app, each only when it is installed.
        from activities.seed import ensure_campaign_2014
        from demo.activities import build_campaign_demo
        from demo.activities.campaign import ensure_current_campaign
        from portal.progress import rollup

        # The requirement roll-up is built once at the end, not record by record.
        with rollup.paused():
            finished = ensure_campaign_2014(county)
            campaigns = [finished, ensure_current_campaign(county)] if running else [finished]
            users = demo_logins(plan)
            for current in [None, *campaigns[1:]]:
                # The campaign's phase 1-2 records, built once (skipped when they exist).
                report = build_campaign_demo(county, users, current)
                for line in report.lines():
                    self.stdout.write(line)
                if apps.is_installed("rectification"):
                    from demo.rectification import build_rectification_demo
                    from rectification.seed import ensure_standard_templates

                    ensure_standard_templates(current or finished)
                    # Phase 3 records, built once (skipped when they exist); silent.
                    build_rectification_demo(county, users, current)
        if apps.is_installed("upgrading"):
            # Classes, upgrade plans, demonstration organizations and terms
            # (docs/product.md §6.4), not tied to a campaign; built once.
            from demo.upgrading import build_upgrading_demo

            build_upgrading_demo(county, demo_logins(plan))
        if apps.is_installed("bulletins"):
            # Reports sent upward and bulletin 第 1 期 (docs/product.md §6.6), in the
            # campaign the pages open on; built once.
            from demo.bulletins import build_bulletins_demo

            build_bulletins_demo(county, demo_logins(plan), campaigns[-1])
        if running:
            # A meeting announced for the coming days, with the answers of the demo
            # member (pending) and of a colleague (cannot attend): docs/product.md §6.1.
            from demo.activities.announcements import build_announcement_demo

            build_announcement_demo(demo_logins(plan))
        for campaign in campaigns:
            rollup.rebuild(campaign)

    def _print_logins(self, rows: list[tuple[str, str, str]], password: str) -> None:
        header = ("username", "role", "organization", "password")
        table = [header] + [(u, r, o, password) for u, r, o in rows]
        widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
        self.stdout.write("")
        for n, row in enumerate(table):
            self.stdout.write(
                "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Log in at {settings.SITE_URL}/")
        if settings.TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "Two-factor authentication is required (TWO_FACTOR_REQUIRED): the "
                "administrator and the account manager set up an authenticator app at "
                "their first log-in."
            )
        else:
            self.stdout.write(
                "Two-factor authentication is optional here (TWO_FACTOR_REQUIRED=0, the "
                "embedded default); production requires it for administrators and "
                "account managers."
            )


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@transaction.atomic
def ensure_logins(plan: DemoPlan, password: str) -> list[tuple[str, str, str]]:
    """Create the demo logins that are missing; make sure each is active, has its
    password, its roles and its member record. Changes nothing that is already right.
    The password is hashed once for all the logins (one slow hash instead of eight).
    Returns (username, role, organizations) rows for the console."""
    codes = {code for login in plan.logins for code in login.organizations}
    orgs = {o.code: o for o in Organization.objects.filter(code__in=codes)}
    users = {
        u.username: u for u in User.objects.filter(username__in=[lg.username for lg in plan.logins])
    }
    members = {
        m.id_number: m
        for m in Member.objects.select_related("organization").filter(
            id_number__in=[lg.member_id_number for lg in plan.logins if lg.member_id_number]
        )
    }
    encoded = ""
    checked: dict[str, bool] = {}
    rows = []
    for login in plan.logins:
        user = users.get(login.username)
        if user is None:
            user = services.user_create(
                actor=None, username=login.username, password=None, full_name=login.full_name
            )
            users[login.username] = user
        changed = []
        if user.password not in checked:
            checked[user.password] = check_password(password, user.password)
        if not checked[user.password]:
            encoded = encoded or make_password(password)
            user.password = encoded
            changed.append("password")
        admin = login.role == "admin"
        for name, wanted in (("is_active", True), ("is_superuser", admin), ("is_staff", admin)):
            if getattr(user, name) != wanted:
                setattr(user, name, wanted)
                changed.append(name)
        if changed:
            user.save(update_fields=changed)
        if login.role in Role.values:
            for code in login.organizations:
                services.role_assign(
                    actor=None, user=user, role=login.role, organization=orgs[code]
                )
        member = members.get(login.member_id_number)
        if member is not None and member.user_id is None and not hasattr(user, "member"):
            services.member_link_user(actor=None, member=member, user=user)
        if admin:
            where = "—"
        elif login.role == "member" and member is not None:
            where = member.organization.short_name
        else:
            where = "、".join(orgs[c].short_name for c in login.organizations)
        # Not roles of Role: the superuser and a member without a role (translated).
        label = {"admin": _("site administrator"), "member": _("party member")}.get(login.role)
        rows.append((login.username, label or str(Role(login.role).label), where))
    return rows
