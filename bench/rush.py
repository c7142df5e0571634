"""The deadline rush (issue #20): concurrent writes against gunicorn with the production
settings — secretaries saving meetings and submitting plans, reviewers deciding, the
campaign office watching the dashboard — then integrity checks.

    .venv/bin/python bench/rush.py                             # county on PostgreSQL, 8/16/32 clients
    .venv/bin/python bench/rush.py --clients 16 --seconds 60
    .venv/bin/python bench/rush.py --database-url sqlite:///bench/out/rush.sqlite3 \\
        --orgs 60 --members 400 --clients 3 --seconds 4      # the small configuration

What it does:

1. A database of its own (default PostgreSQL `portal_rush_bench`; `--database-url`),
   migrated and seeded with the county of `manage.py seed_scale` (--orgs/--members) when
   empty or seeded at another size.
2. Users made the way the portal makes them (User.objects.create_user and
   portal.accounts.services.role_assign): per level of concurrency, secretaries at
   organizations whose activity plan is a draft or was returned, reviewers at the
   county's committees (one committee each, so no two reviewers decide one record),
   office users at the county. Each is logged in by a session created in the database
   (the production session cookie; no login form, no django-axes).
3. gunicorn with the project's portal/gunicorn.conf.py and the production settings
   (DEBUG=0, `bench/bench_settings.py`), --workers sync workers, no Redis (local-memory
   cache, tasks in-process), behind a client that says it came over https
   (X-Forwarded-Proto, as the proxy would).
4. For each level in --clients: that many clients, 60 % secretaries, 25 % reviewers,
   15 % office (at least one of each), each looping over its steps with a think time of
   --think seconds (uniform) between requests, for --seconds. Every form is the page's
   real form: fetched, its fields and CSRF token read, posted back, and the redirect
   followed (the page the user lands on). A thread reads /healthz every 0.25 s: the
   floor of the same run (how long a request that does nothing waits for a worker).
     secretary: home → new-meeting form → save (POST) → meeting page → plan page →
                submit or resubmit the plan (POST, when offered) → plan page
     reviewer:  inbox → the oldest record waiting → approve or return it (POST, 1 in
                3 approved) → the record's page
     office:    the county's dashboard → the dashboard of a committee nobody in the
                run writes to → (1 in 4) the county's requirement grid
5. Prints per step n, p50/p95/p99, errors (5xx, connection errors, unexpected
   statuses), requests/s over all steps, the floor's p50/p95 and the load average before
   and after; then the integrity checks (a child process reading the database):
     - meetings saved = meeting rows with the run's topic,
     - decisions and submits counted by the clients = review events of those users,
     - every roll-up row equal to a fresh evaluation of the county (no row left marked).
   Exit status 1 when a check fails or a request errs.

The machine's load average is printed with every table: the figures are wall-clock
times on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import OUT, PY, ROOT, free_port, percentile, start_gunicorn, stop

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/portal_rush_bench"
SHARES = {"secretary": 0.60, "reviewer": 0.25, "office": 0.15}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--clients", default="8,16,32", help="levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=40, help="per level")
    parser.add_argument("--think", default="0.1,0.4", help="think time: min,max seconds")
    parser.add_argument(
        "--whole-first-loop",
        action="store_true",
        help="each client finishes its first loop even past --seconds (the small "
        "configuration in make test: every kind of write happens on a loaded machine)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--warmup",
        type=float,
        default=0,
        help="seconds of the first level's mix before measuring (not counted)",
    )
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--static-root", type=Path, default=OUT / "static", help="collectstatic target"
    )
    parser.add_argument(
        "--static-finders",
        action="store_true",
        help="serve the static files from their folders (no collectstatic, no manifest): "
        "the small configuration run as a test",
    )
    return parser.parse_args(argv)


# --- the server side: preparing and checking (child processes with Django) -------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(spec: dict) -> dict:
    """Migrate, seed, make the users of every level and their sessions."""
    _django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.urls import reverse

    from activities.models import ActivityPlan, Campaign
    from organizations.models import Organization
    from portal.accounts.models import Role, User
    from portal.accounts.services import role_assign
    from portal.reviews.models import ReviewTask
    from scale.seeding import seed_scale, seeded_state
    from scale.tree import ROOT_CODE

    call_command("migrate", verbosity=0, interactive=False)
    state = seeded_state(spec["orgs"], spec["members"])
    if state in ("foreign", "other-size"):
        raise SystemExit(f"the database is {state}: use --reseed or another database")
    if state == "empty":
        seed_scale(spec["orgs"], spec["members"], log=lambda line: print(line, file=sys.stderr))
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    campaign = Campaign.objects.filter(lead_organization=root).order_by("pk").first()
    if campaign is None:
        raise SystemExit("no campaign in the benchmark county: use --reseed")
    committees = list(
        Organization.objects.filter(path__startswith=root.path, depth=2, is_active=True)
        .exclude(numchild=0)
        .order_by("path")
    )

    def login(user: User) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return str(session.session_key)

    def user(username: str, role: str, org: Organization) -> str:
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User.objects.create_user(username=username, full_name=username)
        role_assign(actor=None, user=found, role=role, organization=org)
        return login(found)

    tag = spec["tag"]
    used_plans: set[int] = set()
    levels = []
    # The first half of the committees is busy (secretaries write there, reviewers
    # decide there, each reviewer in a subtree of their own); the office also watches
    # the other half, where nobody writes during the run.
    busy = committees[: (len(committees) + 1) // 2]
    quiet = committees[len(busy) :] or committees[-1:]
    # Reviewers at the busy committees' general branches with the most records
    # waiting, one each.
    busy_paths = r"^(" + "|".join(c.path for c in busy) + ")"
    per_node: dict[str, int] = {}
    for path in (
        ReviewTask.objects.waiting()
        .filter(organization__path__regex=busy_paths)
        .values_list("organization__path", flat=True)
    ):
        node = path[: 3 * Organization.steplen]
        per_node[node] = per_node.get(node, 0) + 1
    candidates = {
        o.path: o
        for o in Organization.objects.filter(path__regex=busy_paths, depth=3, is_active=True)
    }
    reviewer_nodes = [
        candidates[p] for p in sorted(per_node, key=lambda p: (-per_node[p], p)) if p in candidates
    ] or busy
    most = max(split(n)["reviewer"] for n in spec["levels"])
    if most > len(reviewer_nodes):
        raise SystemExit("more reviewers than subtrees to give them: fewer clients")
    for n in spec["levels"]:
        counts = split(n)
        # Secretaries under the reviewers' committees (their submits reach an inbox of
        # the run); office users watch the other committees, where nobody writes.
        plans = list(
            ActivityPlan.objects.filter(
                campaign=campaign,
                review_status__in=("draft", "returned"),
                organization__is_active=True,
            )
            .filter(organization__path__regex=busy_paths)
            .exclude(pk__in=used_plans)
            .select_related("organization")
            # Drafts first: a returned plan offers "resubmit" only once it is edited.
            .order_by("review_status", "organization__path")
        )
        by_org: dict[int, ActivityPlan] = {}
        for plan in plans:
            by_org.setdefault(plan.organization_id, plan)
        # Drafts first, then in tree order.
        picked = list(by_org.values())[: counts["secretary"]]
        if len(picked) < counts["secretary"]:
            raise SystemExit("not enough draft or returned plans left: use --reseed")
        used_plans.update(p.pk for p in picked)
        clients = []
        for k, plan in enumerate(picked):
            org = plan.organization
            clients.append(
                {
                    "role": "secretary",
                    "username": f"rush-{n}-sec-{k}",
                    "session": user(f"rush-{n}-sec-{k}", Role.SECRETARY, org),
                    "meeting_form": reverse("activities:meeting_create", args=[org.pk]),
                    "plan": plan.get_absolute_url(),
                    "campaign": campaign.pk,
                }
            )
        for k in range(counts["reviewer"]):
            org = reviewer_nodes[k]
            clients.append(
                {
                    "role": "reviewer",
                    "username": f"rush-{n}-rev-{k}",
                    "session": user(f"rush-{n}-rev-{k}", Role.REVIEWER, org),
                }
            )
        for k in range(counts["office"]):
            clients.append(
                {
                    "role": "office",
                    "username": f"rush-{n}-office-{k}",
                    "session": user(f"rush-{n}-office-{k}", Role.OFFICE, root),
                    "dashboard": reverse("progress:dashboard"),
                    "quiet": [
                        f"{reverse('progress:dashboard')}?org={c.pk}"
                        for c in (quiet[k::3] or quiet)
                    ],
                    "grid": reverse("progress:grid", args=[root.pk]),
                }
            )
        levels.append({"clients": n, "users": clients})
    return {
        "tag": tag,
        "cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "levels": levels,
    }


def split(n: int) -> dict[str, int]:
    """Clients per role: at least one of each."""
    reviewer = max(1, round(n * SHARES["reviewer"]))
    office = max(1, round(n * SHARES["office"]))
    return {"secretary": max(1, n - reviewer - office), "reviewer": reviewer, "office": office}


def check(spec: dict) -> dict:
    """The integrity checks after a level: what the clients counted is what the
    database holds, and the roll-up equals a fresh evaluation."""
    _django()
    from django.utils import timezone

    from activities.models import Campaign, Meeting
    from organizations.models import Organization
    from portal.progress import rollup
    from portal.progress.engine import Scope
    from portal.progress.models import DIRTY, Standing
    from portal.progress.scopes import org_infos
    from portal.reviews.models import ReviewEvent
    from scale.tree import ROOT_CODE

    counted = spec["counted"]
    since = dt.datetime.fromtimestamp(spec["since"], tz=dt.UTC)
    users = [u["username"] for u in spec["users"]]
    found = {
        "meetings": Meeting.objects.filter(topic__startswith=spec["topic"]).count(),
        "decisions": ReviewEvent.objects.filter(
            actor__username__in=users, action__in=("approve", "return"), at__gte=since
        ).count(),
        "submits": ReviewEvent.objects.filter(
            actor__username__in=users, action__in=("submit", "resubmit"), at__gte=since
        ).count(),
    }
    problems = [
        f"{what}: the clients counted {counted[what]}, the database holds {found[what]}"
        for what in found
        if counted[what] != found[what]
    ]
    root = Organization.objects.get(code=ROOT_CODE, depth=1)
    campaign = Campaign.objects.filter(lead_organization=root).prefetch_related("phases").first()
    codes = rollup.layout(campaign).split(",")
    orgs = org_infos(Organization.objects.filter(path__startswith=root.path, is_active=True))
    scope = Scope(campaign=campaign, orgs=orgs, root_path=root.path)
    fresh = {
        row.organization_id: (row.states, row.members, row.cells, row.green, row.done)
        for row in rollup._rows(campaign, scope, codes, timezone.now())
    }
    stored = {
        pk: (states, members, cells, green, done, stale)
        for pk, states, members, cells, green, done, stale in Standing.objects.filter(
            campaign=campaign
        ).values_list(
            "organization_id", "states", "members", "cells", "green", "done", "stale_from"
        )
    }
    marked = sum(1 for row in stored.values() if row[5] == DIRTY)
    differ = [pk for pk, row in fresh.items() if pk not in stored or stored[pk][:5] != row]
    if marked:
        problems.append(f"roll-up: {marked} rows still marked after the run")
    if differ:
        problems.append(f"roll-up: {len(differ)} rows differ from a fresh evaluation")
    return {"found": found, "rollup_rows": len(fresh), "problems": problems}


def child(mode: str, env: dict[str, str], payload: dict) -> dict:
    proc = subprocess.run(
        [PY, __file__, f"--{mode}"],
        input=json.dumps(payload),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the client side ----------------------------------------------------------------------

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
INPUT = re.compile(r"<input\b([^>]*)>", re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S)
OPTION_SELECTED = re.compile(r'<option value="([^"]*)"[^>]*\bselected\b')
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
INBOX_LINK = re.compile(r'<td class="inbox-title card-title"><a href="([^"]+)"')
# The review panel's form, whatever other attributes it carries (data-keep-draft: drafts.js).
PANEL_FORM = re.compile(
    r'<form\b[^>]*\saction="([^"]+)"[^>]*\sclass="stacked review-actions"[^>]*>'
)
ACTION_BUTTON = re.compile(r'name="action" value="(\w+)"')


def form_fields(html: str, form_action: str | None = None, containing: str = "") -> dict[str, str]:
    """The fields of the page's form (the one posting to form_action, or holding a field
    named `containing`) as a browser would send them untouched."""
    body = ""
    for match in FORM.finditer(html):
        tag, inner = match.group(1), match.group(2)
        if (form_action and f'action="{form_action}"' in tag) or (
            containing and f'name="{containing}"' in inner
        ):
            body = inner
            break
    fields: dict[str, str] = {}
    for attrs in INPUT.findall(body):
        a = dict(ATTR.findall(attrs))
        kind = a.get("type", "text")
        if "name" not in a or kind in ("submit", "button", "file"):
            continue
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            continue
        fields[a["name"]] = unescape(a.get("value", "on" if kind == "checkbox" else ""))
    for attrs, options in SELECT.findall(body):
        a = dict(ATTR.findall(attrs))
        if "name" in a:
            chosen = OPTION_SELECTED.search(options)
            fields[a["name"]] = unescape(chosen.group(1)) if chosen else ""
    for attrs, text in TEXTAREA.findall(body):
        a = dict(ATTR.findall(attrs))
        if "name" in a:
            fields[a["name"]] = unescape(text.strip("\n"))
    return fields


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    counted: dict[str, int] = field(
        default_factory=lambda: {"meetings": 0, "decisions": 0, "submits": 0}
    )
    # (method, url): the steps that requested it, in order (the page after a decision
    # is the record's page the reviewer opened before it).
    urls: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, ms: float, method: str = "", url: str = "") -> None:
        with self.lock:
            self.times[step].append(ms)
            if url:
                self.urls[(method, url)].append(step)

    def error(self, step: str, what: str) -> None:
        with self.lock:
            self.errors[step] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{step}: {what}")

    def count(self, what: str) -> None:
        with self.lock:
            self.counted[what] += 1


class Unexpected(Exception):
    pass


class Browser:
    """One user: cookies, CSRF, https as the proxy says, redirects followed by hand."""

    def __init__(self, port: int, cookies: dict[str, str], tally: Tally) -> None:
        self.port = port
        self.cookies = dict(cookies)
        self.tally = tally
        self.origin = f"https://127.0.0.1:{port}"

    def request(
        self, step: str, method: str, url: str, data: dict | None = None, expect=(200,)
    ) -> tuple[int, str, str]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "zh-hans",
        }
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + url
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            conn.request(method, url, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            conn.close()
        except OSError as exc:
            self.tally.error(step, f"{exc.__class__.__name__}: {exc}")
            raise Unexpected(step) from exc
        self.tally.add(step, (time.perf_counter() - started) * 1000, method, url)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.status not in expect:
            self.tally.error(step, f"{method} {url} answered {response.status}")
            raise Unexpected(step)
        location = response.getheader("Location") or ""
        if location.startswith(self.origin):
            location = location[len(self.origin) :]
        return response.status, text, location

    def get(self, step: str, url: str) -> str:
        return self.request(step, "GET", url)[1]

    def post(self, step: str, url: str, data: dict) -> str:
        """POST, expect a redirect; the redirect's target (path only)."""
        return self.request(step, "POST", url, data, expect=(302, 303))[2]


def secretary(b: Browser, user: dict, tag: str, counter: list[int], pause) -> None:
    b.get("secretary: home", "/")
    pause()
    page = b.get("secretary: meeting form", user["meeting_form"])
    data = form_fields(page, containing="topic")
    counter[0] += 1
    # Within the seeded campaign (2014-04-01 to 2014-09-30).
    now = f"2014-09-{1 + counter[0] % 28:02d}T{8 + counter[0] % 10:02d}:00"
    data.update(
        kind="branch_committee",
        topic=f"{tag} {counter[0]}",
        campaign=str(user["campaign"]),
        starts_at=now,
        ends_at=now,
        place="rush",
        content="Deadline rush.",
    )
    pause()
    after = b.post("secretary: save meeting (POST)", user["meeting_form"], data)
    b.tally.count("meetings")
    b.get("secretary: page after saving", after)
    pause()
    page = b.get("secretary: plan page", user["plan"])
    form = PANEL_FORM.search(page)
    actions = set(ACTION_BUTTON.findall(page)) if form else set()
    action = next((a for a in ("submit", "resubmit") if a in actions), None)
    if action and form:
        pause()
        url = unescape(form.group(1))
        fields = form_fields(page, form.group(1))
        fields["action"] = action
        after = b.post("secretary: submit plan (POST)", url, fields)
        text = b.get("secretary: page after submitting", urlsplit(after).path or user["plan"])
        if "message-success" in text:
            b.tally.count("submits")


def reviewer(b: Browser, user: dict, tag: str, counter: list[int], pause) -> None:
    page = b.get("reviewer: inbox", "/reviews/inbox/")
    link = INBOX_LINK.search(page)
    if not link:
        return
    pause()
    url = unescape(link.group(1))
    page = b.get("reviewer: open record", url)
    form = PANEL_FORM.search(page)
    if not form or "approve" not in ACTION_BUTTON.findall(page):
        return
    pause()
    fields = form_fields(page, form.group(1))
    counter[0] += 1
    if counter[0] % 3 == 0:
        fields["action"] = "approve"
    else:
        fields.update(action="return", comment="Please complete it (deadline rush).")
    after = b.post("reviewer: decide (POST)", unescape(form.group(1)), fields)
    text = b.get("reviewer: page after deciding", after)
    if "message-success" in text:
        b.tally.count("decisions")


def office(b: Browser, user: dict, tag: str, counter: list[int], pause) -> None:
    b.get("office: dashboard (county)", user["dashboard"])
    pause()
    counter[0] += 1
    quiet = user["quiet"]
    b.get("office: dashboard (quiet committee)", quiet[counter[0] % len(quiet)])
    if counter[0] % 4 == 0:
        pause()
        b.get("office: grid (county)", user["grid"])


ROLES = {"secretary": secretary, "reviewer": reviewer, "office": office}


def run_level(
    port: int,
    info: dict,
    level: dict,
    args: argparse.Namespace,
    seconds: float | None = None,
    master: int | None = None,
    log: Path | None = None,
) -> dict:
    tally = Tally()
    low, high = (float(x) for x in args.think.split(","))
    stop_at = time.monotonic() + (seconds or args.seconds)
    tag = f"rush {info['tag']} {'warm-up' if seconds else 'c'}{level['clients']}"

    def client(user: dict, seed: int) -> None:
        rng = random.Random(seed)
        b = Browser(port, {info["cookie"]: user["session"]}, tally)
        counter = [0]
        loops = [0]

        def pause() -> None:
            # --whole-first-loop: the deadline stops a client only after its first whole
            # loop (each kind of write happens at least once, however slow the machine).
            if time.monotonic() >= stop_at and (loops[0] or not args.whole_first_loop):
                raise TimeoutError
            time.sleep(rng.uniform(low, high))

        time.sleep(rng.uniform(0, high))  # not all at once
        while time.monotonic() < stop_at or (args.whole_first_loop and not loops[0]):
            try:
                ROLES[user["role"]](b, user, tag, counter, pause)
                loops[0] += 1
                pause()
            except TimeoutError:
                return
            except Unexpected:
                if time.monotonic() >= stop_at:
                    return  # counted as an error; no second try past the deadline
                time.sleep(high)

    floor: list[float] = []

    def healthz() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
                conn.getresponse().read()
                conn.close()
                floor.append((time.perf_counter() - started) * 1000)
            except OSError:
                pass
            time.sleep(0.25)

    load_before = os.getloadavg()
    cpu_before = workers_cpu(master) if master else None
    log_offset = log.stat().st_size if log and log.exists() else 0
    since = time.time()
    started = time.perf_counter()
    threads = [threading.Thread(target=healthz, daemon=True)]
    threads += [
        threading.Thread(target=client, args=(u, i), daemon=True)
        for i, u in enumerate(level["users"])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    cpu = workers_cpu(master) - cpu_before if master and cpu_before is not None else None
    time.sleep(0.5)  # the access log's last lines
    served = server_times(log, log_offset, tally.urls) if log else {}
    steps = {}
    for step, times in sorted(tally.times.items()):
        times.sort()
        server = served.get(step)
        steps[step] = {
            "n": len(times),
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "errors": tally.errors.get(step, 0),
            "server_p50": percentile(server, 0.50) if server else None,
            "server_p95": percentile(server, 0.95) if server else None,
        }
    for step, n in tally.errors.items():
        steps.setdefault(step, {"n": 0, "p50": None, "p95": None, "p99": None, "errors": n})
    every = sorted(t for times in tally.times.values() for t in times)
    floor.sort()
    return {
        "clients": level["clients"],
        "roles": split(level["clients"]),
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "per_second": round(len(every) / elapsed, 1),
        "all_p50": percentile(every, 0.5) if every else None,
        "all_p95": percentile(every, 0.95) if every else None,
        "all_p99": percentile(every, 0.99) if every else None,
        "errors": sum(tally.errors.values()),
        # CPU the workers used per request (healthz excluded from the count): what a
        # request costs, much less sensitive to the machine's other load than its time.
        "cpu_ms_per_request": round(cpu * 1000 / len(every), 1) if cpu and every else None,
        "error_samples": tally.error_samples,
        "floor_p50": percentile(floor, 0.5) if floor else None,
        "floor_p95": percentile(floor, 0.95) if floor else None,
        "load_before": load_before,
        "load_after": load_after,
        "steps": steps,
        "counted": tally.counted,
        "topic": tag,
        "since": since,
    }


ACCESS = re.compile(r"^<(\d+)> (\d+) (\w+) (\S+)$")
# gunicorn's access log as bench/rush.py reads it: worker pid, server time in ms, method,
# path with its query string (portal/gunicorn.conf.py takes GUNICORN_CMD_ARGS).
ACCESS_FORMAT = '--access-logformat "%(p)s %(M)s %(m)s %(U)s?%(q)s"'


def server_times(log: Path, offset: int, urls: dict[tuple[str, str], list[str]]) -> dict:
    """{step: sorted server times in ms} of the requests logged since `offset`: the time
    gunicorn's worker spent on each, without the wait for a free worker."""
    times: dict[str, list[float]] = defaultdict(list)
    queues = {key: list(steps) for key, steps in urls.items()}
    with log.open("rb") as f:
        f.seek(offset)
        for raw in f:
            match = ACCESS.match(raw.decode("utf-8", "replace").strip())
            if not match:
                continue
            _pid, ms, method, url = match.groups()
            if url.endswith("?"):
                url = url[:-1]
            queue = queues.get((method, url))
            if queue:
                times[queue.pop(0)].append(float(ms))
    return {step: sorted(values) for step, values in times.items()}


def workers_cpu(master: int) -> float:
    """Seconds of CPU the gunicorn workers have used: the live workers' own time and
    the time of those already recycled (counted in the master's children's time)."""

    def stat(pid: int | str) -> list[str]:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rsplit(")", 1)[1].split()

    tick = os.sysconf("SC_CLK_TCK")
    fields = stat(master)
    total = int(fields[13]) + int(fields[14])  # cutime, cstime
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            child = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(child[1]) == master:  # ppid
            total += int(child[11]) + int(child[12])  # utime, stime
    return total / tick


def fmt(value: float | None) -> str:
    return f"{value:8.0f}" if value is not None else f"{'—':>8}"


def print_level(result: dict) -> None:
    r = result
    lb, la = r["load_before"], r["load_after"]
    print(
        f"\n{r['clients']} clients ({r['roles']['secretary']} secretaries, "
        f"{r['roles']['reviewer']} reviewers, {r['roles']['office']} office) for "
        f"{r['seconds']} s: {r['requests']} requests, {r['per_second']} req/s, "
        f"{r['errors']} errors; workers' CPU {r['cpu_ms_per_request']} ms per request"
    )
    print(
        f"all steps p50 {fmt(r['all_p50']).strip()} ms, p95 {fmt(r['all_p95']).strip()} ms, "
        f"p99 {fmt(r['all_p99']).strip()} ms; floor (/healthz) p50 "
        f"{fmt(r['floor_p50']).strip()} ms, p95 {fmt(r['floor_p95']).strip()} ms; load average "
        f"before {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}, after {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} "
        f"(on {os.cpu_count()} cores)"
    )
    header = (
        f"{'step':<38} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f"  {'server p50':>10} {'server p95':>10}"
    )
    print(header)
    print("-" * len(header))
    for step, s in r["steps"].items():
        print(
            f"{step:<38} {s['n']:>5} {fmt(s['p50'])} {fmt(s['p95'])} {fmt(s['p99'])} "
            f"{s['errors']:>7}  {fmt(s.get('server_p50')):>10} {fmt(s.get('server_p95')):>10}"
        )
    for sample in r["error_samples"][:5]:
        print(f"  error: {sample}")
    check = r.get("check", {})
    if check:
        verdict = "clean" if not check["problems"] else "FAILED"
        print(
            f"integrity {verdict}: {check['found']} (counted {r['counted']}), "
            f"{check['rollup_rows']} roll-up rows compared"
        )
        for problem in check["problems"]:
            print(f"  {problem}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("--prepare", "--check"):
        spec = json.loads(sys.stdin.read())
        result = prepare(spec) if argv[0] == "--prepare" else check(spec)
        print(json.dumps(result))
        return 0
    args = parse_args(argv)
    from run import BENCH_FIELD_KEYS, ensure_database  # bench/run.py

    OUT.mkdir(parents=True, exist_ok=True)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    ensure_database(args.database_url, recreate=args.reseed)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=args.database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        **BENCH_FIELD_KEYS,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="bench_settings",
        BENCH_STATIC_ROOT=str(args.static_root),
        PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        LOG_LEVEL="WARNING",
    )
    tag = secrets.token_hex(3)
    info = child(
        "prepare",
        env,
        {"orgs": args.orgs, "members": args.members, "levels": levels, "tag": tag},
    )
    if args.static_finders:
        env["BENCH_STATIC_FINDERS"] = "1"
    else:
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
    port = free_port()
    log = OUT / "gunicorn-rush.log"
    env["GUNICORN_CMD_ARGS"] = ACCESS_FORMAT
    server = start_gunicorn(env, port, args.workers, log)
    results = []
    failed = False
    try:
        if args.warmup and info["levels"]:
            run_level(port, info, info["levels"][0], args, seconds=args.warmup)
        for level in info["levels"]:
            result = run_level(port, info, level, args, master=server.pid, log=log)
            result["check"] = child(
                "check",
                env,
                {
                    "counted": result["counted"],
                    "users": level["users"],
                    "topic": result["topic"],
                    "since": result["since"],
                },
            )
            failed |= bool(result["errors"] or result["check"]["problems"])
            print_level(result)
            results.append(result)
    finally:
        stop(server)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
