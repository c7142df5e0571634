"""PDF report benchmark (docs/product.md §11): render times, the ratio to WeasyPrint alone, memory.

    .venv/bin/python bench/pdf_bench.py [--orgs 500] [--members 5000] [--repeat 3]
                                        [--language zh-hans] [--json PATH]

Two databases of the benchmark's own (bench/out/, not committed), each measured in a
process of its own (a child of this one) so that peak memory is per data set:

* demo: `manage.py seed_demo` (the fictional county 青山县, 35 organizations) in
  bench/out/pdf_demo.sqlite3: the dossier of the demo organization with the most
  meetings, the roll-up of the demo county, and the three printable records (meeting
  record of the meeting with the most attendance rows, problem-list notice, appraisal
  sheet);
* scale: scale.seeding.seed_scale (`manage.py seed_scale`) with --orgs
  organizations (default 500) in bench/out/pdf_scale_<orgs>.sqlite3: the roll-up of the
  whole tree, and the dossier of its first grass-roots organization.

Each report is rendered as the worker renders it (reports.rendering: build the context
and the HTML, hash it, then WeasyPrint with the safe URL fetcher) once untimed (the first
render builds font caches), then --repeat times. For the same final HTML,
`weasyprint.HTML(string=html).write_pdf()` alone is timed as often; "ratio" is the
pipeline's median over WeasyPrint's median (docs/product.md §11: within 1.3×). Memory: the
process's peak RSS so far (ru_maxrss, monotonic: it includes the reports measured before
in the same process) after the report's runs, and the tracemalloc peak of one more
pipeline render (Python allocations only; done for all reports at the end, as tracing
slows renders down and costs memory of its own).
Seeded databases are reused; --reseed rebuilds them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

# docs/product.md §11 targets, seconds.
TARGETS = {"dossier": 3.0, "county roll-up": 15.0}
RATIO_TARGET = 1.3


@dataclass
class Row:
    data: str
    report: str
    subject: str = ""
    pages: int = 0
    html_s: float = 0.0  # context + template + hash (median)
    pipeline_s: float = 0.0  # html_s + WeasyPrint with the safe fetcher (median)
    pipeline_max_s: float = 0.0
    weasyprint_s: float = 0.0  # weasyprint.HTML(string=html).write_pdf() (median)
    ratio: float = 0.0
    maxrss_mb: float = 0.0
    traced_peak_mb: float = 0.0
    target_s: float | None = None
    error: str = ""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=500, help="scale data: organizations")
    parser.add_argument(
        "--members", type=int, default=None, help="scale data: members (default 10 per org)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed renders per report")
    parser.add_argument("--language", default="zh-hans", help="report language")
    parser.add_argument("--reseed", action="store_true", help="rebuild the seeded databases")
    parser.add_argument("--only", choices=["demo", "scale"], help="one data set")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--stage", choices=["demo", "scale"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.members is None:
        args.members = 10 * args.orgs
    if args.orgs < 2 or args.repeat < 1:
        parser.error("need --orgs >= 2 and --repeat >= 1")
    return args


# --- the child process: one data set ------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        # Fixed keys of the benchmark's own databases (fake data): a database seeded in
        # one run still reads in the next (portal/core/crypto.py).
        FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleTA=",
        FIELD_HASH_KEY="YmVuY2gtb25seS1maWVsZC1oYXNoLWtleS0wMTIzNDU=",
        SECRET_KEY="pdf-bench-" + "x" * 50,
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    # DEBUG=0 uses the manifest storage (collectstatic first); the reports need only the
    # plain storage's URLs, as in bench/run.py.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    call_command("migrate", verbosity=0, interactive=False)


def _fresh(path: Path, reseed: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if reseed:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def measure(
    data: str, label: str, slug: str, params: dict[str, Any], *, args: argparse.Namespace
) -> Row:
    from django.utils import timezone
    from weasyprint import HTML

    from reports import registry
    from reports.rendering import render_html, render_pdf

    row = Row(data=data, report=label, target_s=TARGETS.get(label))
    try:
        kind = registry.get(slug)
        params = {**params, "unmasked": False} if kind.personal_data else dict(params)
        organization = _organization(kind, params)

        def pipeline() -> tuple[float, float, str, int]:
            started = time.perf_counter()
            rendered = render_html(kind, params, args.language, organization)
            html_done = time.perf_counter()
            html = rendered.final(timezone.now())
            pdf = render_pdf(html, rendered.attachment_roots)
            finished = time.perf_counter()
            row.subject = rendered.file_stem
            return html_done - started, finished - started, html, pdf.pages

        _h, _t, html, row.pages = pipeline()  # warm-up: font caches, templates
        HTML(string=html).write_pdf()
        html_times, totals, alone = [], [], []
        for _ in range(args.repeat):
            h, t, html, _pages = pipeline()
            html_times.append(h)
            totals.append(t)
            started = time.perf_counter()
            HTML(string=html).write_pdf()
            alone.append(time.perf_counter() - started)
        row.html_s = statistics.median(html_times)
        row.pipeline_s = statistics.median(totals)
        row.pipeline_max_s = max(totals)
        row.weasyprint_s = statistics.median(alone)
        row.ratio = row.pipeline_s / row.weasyprint_s if row.weasyprint_s else 0.0
        row.maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        row.traced = pipeline  # type: ignore[attr-defined]  # see traced_peaks()
    except Exception as exc:  # one failing report must not stop the others
        row.error = (
            f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"
        )
    return row


def traced_peaks(rows: list[Row]) -> list[Row]:
    """One more render of each report under tracemalloc, after every row's peak RSS was
    taken (tracing costs memory of its own and would raise the later rows' RSS)."""
    for row in rows:
        pipeline = row.__dict__.pop("traced", None)
        if pipeline is None:
            continue
        tracemalloc.start()
        try:
            pipeline()
            row.traced_peak_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        finally:
            tracemalloc.stop()
    return rows


def _organization(kind: Any, params: dict[str, Any]) -> Any:
    """What the pipeline stores on the request: the kind's check, as a site
    administrator (who may print everything)."""

    class SiteAdministrator:
        is_authenticated = True
        is_active = True
        is_superuser = True
        pk = 0

    return kind.check(SiteAdministrator(), params)


def stage_demo(args: argparse.Namespace) -> list[Row]:
    path = OUT / "pdf_demo.sqlite3"
    _fresh(path, args.reseed)
    setup_django(f"sqlite:///{path}")
    from django.core.management import call_command
    from django.db.models import Count

    from activities.models import AppraisalSession, Meeting
    from demo.organizations import find_county
    from organizations.models import Organization
    from rectification.models import ProblemList

    if find_county() is None or not Meeting.objects.exists():
        print("seeding the demo county (about 2 minutes)…", file=sys.stderr)
        with open(os.devnull, "w") as sink:
            call_command("seed_demo", stdout=sink)
    county = find_county()
    org = (
        Organization.objects.annotate(n=Count("meetings"))
        .filter(n__gt=0)
        .order_by("-n", "path")
        .first()
    )
    meeting = Meeting.objects.annotate(n=Count("attendances")).order_by("-n", "pk").first()
    plist = ProblemList.objects.published().annotate(n=Count("items")).order_by("-n", "pk").first()
    session = (
        AppraisalSession.objects.filter(status="closed")
        .annotate(n=Count("results"))
        .order_by("-n", "pk")
        .first()
    )
    if county is None or org is None or meeting is None or plist is None or session is None:
        raise SystemExit("the demo county lacks the records to print; run seed_demo")
    jobs = [
        ("dossier", "org-dossier", {"organization": org.pk}),
        ("demo county roll-up", "rollup", {"organization": county.pk}),
        ("meeting record", "meeting-record", {"meeting": meeting.pk}),
        ("problem-list notice", "problem-notice", {"problem_list": plist.pk}),
        ("appraisal sheet", "appraisal-sheet", {"appraisal": session.pk}),
    ]
    return traced_peaks(
        [measure("demo", lbl, slug, params, args=args) for lbl, slug, params in jobs]
    )


def stage_scale(args: argparse.Namespace) -> list[Row]:
    path = OUT / f"pdf_scale_{args.orgs}.sqlite3"
    _fresh(path, args.reseed)
    setup_django(f"sqlite:///{path}")
    from organizations.models import Organization
    from scale.seeding import seed_scale, seeded_state
    from scale.tree import ROOT_CODE

    state = seeded_state(args.orgs, args.members)
    if state != "ready":
        if state != "empty":
            sys.exit(f"{path} holds other data: run with --reseed")
        print(f"seeding {args.orgs} organizations…", file=sys.stderr)
        seed_scale(args.orgs, args.members, log=lambda line: print(line, file=sys.stderr))
    root = Organization.objects.get(code=ROOT_CODE)
    leaf = (
        Organization.objects.filter(members__isnull=False, path__startswith=root.path)
        .order_by("path")
        .first()
    )
    label = "county roll-up" if args.orgs >= 2000 else f"roll-up, {args.orgs} organizations"
    jobs = [
        (label, "rollup", {"organization": root.pk}),
        ("dossier", "org-dossier", {"organization": leaf.pk}),
    ]
    data = f"scale {args.orgs}"
    return traced_peaks([measure(data, lbl, slug, params, args=args) for lbl, slug, params in jobs])


def run_stage(args: argparse.Namespace) -> int:
    stage = stage_demo if args.stage == "demo" else stage_scale
    rows: list[Row] = []
    try:
        rows = stage(args)
    finally:  # the parent reads the last line
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
    return 0


# --- the parent: run each data set, print the table ---------------------------------------


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"\nSQLite, language {args.language}, median of {args.repeat} warm renders "
        "(one untimed render first)\n"
    )
    header = (
        f"{'data':<10} {'report':<26} {'pages':>5} {'html s':>7} {'total s':>8} "
        f"{'weasy s':>8} {'ratio':>6} {'rss MB':>7} {'traced MB':>9}  target"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        if r.error:
            print(f"{r.data:<10} {r.report:<26} ERROR {r.error}")
            continue
        verdicts = [f"ratio <= {RATIO_TARGET}: {'ok' if r.ratio <= RATIO_TARGET else 'OVER'}"]
        if r.target_s is not None:
            ok = r.pipeline_max_s <= r.target_s
            verdicts.insert(0, f"<= {r.target_s:g} s: {'ok' if ok else 'OVER'}")
        print(
            f"{r.data:<10} {r.report:<26} {r.pages:>5} {r.html_s:>7.2f} {r.pipeline_s:>8.2f} "
            f"{r.weasyprint_s:>8.2f} {r.ratio:>6.2f} {r.maxrss_mb:>7.0f} "
            f"{r.traced_peak_mb:>9.1f}  {'; '.join(verdicts)}"
        )
    print(
        "\nhtml s: context + template + hash; total s: html s + WeasyPrint with the safe "
        "fetcher; weasy s: weasyprint.HTML(string=html).write_pdf() on the same HTML; "
        "ratio = total / weasy; rss: the process's peak RSS; traced: tracemalloc peak "
        "of one render."
    )


def main() -> int:
    args = parse_args()
    if args.stage:
        return run_stage(args)
    rows: list[Row] = []
    stages = [args.only] if args.only else ["demo", "scale"]
    for stage in stages:
        command = [sys.executable, __file__, "--stage", stage, *_passed_on(args)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        sys.stderr.write(done.stderr[-4000:] if done.returncode else "")
        try:
            rows += [Row(**r) for r in json.loads(done.stdout.strip().splitlines()[-1])]
        except (IndexError, ValueError):
            rows.append(Row(data=stage, report="(all)", error=f"exit {done.returncode}"))
    print_table(rows, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
    return 0


def _passed_on(args: argparse.Namespace) -> list[str]:
    passed = [
        f"--orgs={args.orgs}",
        f"--members={args.members}",
        f"--repeat={args.repeat}",
        f"--language={args.language}",
    ]
    return passed + (["--reseed"] if args.reseed else [])


if __name__ == "__main__":
    sys.exit(main())
