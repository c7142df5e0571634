"""Issue #5 in a browser: an instructor opens an assigned organization, asks for its
dossier, watches the request's progress (htmx polling) and downloads the PDF.

The embedded default renders in-process inside the request; here a background thread
stands in for the worker, starting a moment later, so that the page really shows the
request waiting before the file is offered."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from reports import services
from reports.models import ReportRequest, ReportStatus
from tests.e2e.conftest import assert_fits_phone, axe_violations, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def background_worker(monkeypatch: Any) -> list[threading.Thread]:
    threads: list[threading.Thread] = []

    def send_later(*, request_id: int) -> bool:
        def work() -> None:
            try:
                services.report_render(request_id=request_id)
            finally:
                connection.close()

        thread = threading.Timer(2.0, work)
        thread.start()
        threads.append(thread)
        ReportRequest.objects.filter(pk=request_id).update(sent_to_broker=True)
        return True

    monkeypatch.setattr("reports.services.report_send", send_later)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


def test_instructor_asks_for_a_dossier_watches_it_and_downloads_it(
    world: Any,
    live_server: Any,
    new_page: Any,
    media_root: Any,
    background_worker: Any,
    tmp_path: Path,
) -> None:
    page = new_page(width=375, height=800)
    login(page, live_server, "instructor")
    page.goto(f"{live_server.url}{world.own.get_absolute_url()}")
    page.get_by_role("link", name="PDF reports").click()
    page.get_by_role("button", name="Make “Organization dossier”").click()
    page.wait_for_load_state("domcontentloaded")

    # The request's page answers at once, while the "worker" has not started yet.
    assert page.get_by_text("Waiting for a background worker").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
    download_link = page.get_by_role("link", name="Download PDF")
    download_link.wait_for(timeout=60_000)  # htmx polls the status every second
    assert page.get_by_text("Done").first.is_visible()
    screenshot(page, "report-done-phone")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(str(saved))
    assert saved.read_bytes()[:5] == b"%PDF-"
    assert download.suggested_filename.startswith("Organization dossier-")
    report = ReportRequest.objects.get()
    assert report.status == ReportStatus.DONE and report.requested_by == world.instructor

    page.goto(f"{live_server.url}/reports/")
    assert page.get_by_role("link", name="Organization dossier").is_visible()
    assert_fits_phone(page)
    assert axe_violations(page) == []
