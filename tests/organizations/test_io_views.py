"""The import pages (/io/): permission matrix, upload → preview → confirm, errors on the
page, the background path with its progress row, templates, and query counts."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.storage import default_storage

from organizations.models import ImportJob, Member
from portal.accounts.permissions import Action
from tests.conftest import World
from tests.core.broker import broker_down  # noqa: F401 (fixture)
from tests.organizations.helpers import any_of, org_of
from tests.organizations.test_io_support import (
    citizen_id,
    member_values,
    table,
    uploaded,
    xlsx_bytes,
)
from tests.utils import assert_constant_queries, check_matrix, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root) -> None:
    """Uploaded files go to a temporary MEDIA_ROOT."""


def upload(
    client, data: bytes, *, kind: str = "members", query: str = "", name: str = "roster.xlsx"
):
    return client.post(f"/io/import/{kind}/{query}", {"file": uploaded(data, name)})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, (
        getattr(response, "context", None) and response.context["form"].errors
    )
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


# --- permission matrix ---------------------------------------------------------------------


def test_index_matrix(world: World) -> None:
    check_matrix(
        world,
        "/io/",
        {
            "anonymous": 302,
            "nobody": 404,
            "member_user": 404,
            "outsider": 200,
            "office": 200,
            "reviewer": 200,
            "instructor": 200,
            "secretary": 200,
            "clerk": 200,
            "admin": 200,
        },
    )


def test_member_import_page_matrix_without_a_target(world: World) -> None:
    # Somewhere to import into → 200; sees something but may import nowhere → 403.
    want = {
        "anonymous": 302,
        "nobody": 404,
        "member_user": 404,
        "outsider": 200,
        "office": 403,
        "instructor": 403,
        "reviewer": 200,
        "secretary": 200,
        "clerk": 200,
        "admin": 200,
    }
    check_matrix(world, "/io/import/members/", want)
    check_matrix(world, "/io/template/members.xlsx", want)
    check_matrix(world, "/io/import/enterprises/", want)
    organizations = {**want, "secretary": 403, "clerk": 403, "outsider": 403}
    check_matrix(world, "/io/import/organizations/", organizations)


@pytest.mark.parametrize("target", ["own", "child", "parent", "sibling", "far"])
def test_member_import_page_matrix_for_each_organization(world: World, target: str) -> None:
    """RECORD or MANAGE_ORGANIZATIONS on the target: secretary and clerk at own and below,
    the reviewer in park_a's subtree; seeing it without either → 403; not seeing → 404."""
    org = org_of(world, target)
    want = any_of(target, Action.RECORD, Action.MANAGE_ORGANIZATIONS)
    check_matrix(world, f"/io/import/members/?org={org.pk}", want)
    check_matrix(world, f"/io/template/members.xlsx?org={org.pk}", want)


@pytest.mark.parametrize("target", ["own", "parent", "far"])
def test_organization_import_page_needs_manage_organizations(world: World, target: str) -> None:
    org = org_of(world, target)
    check_matrix(
        world,
        f"/io/import/organizations/?org={org.pk}",
        any_of(target, Action.MANAGE_ORGANIZATIONS),
    )


def test_unknown_kind_is_a_404(world: World) -> None:
    assert client_for(world, "admin").get("/io/import/meetings/").status_code == 404


def test_jobs_are_visible_to_their_owner_only(world: World) -> None:
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    url = f"/io/jobs/{job.pk}/"
    check_matrix(
        world,
        url,
        {"anonymous": 302, "reviewer": 404, "clerk": 404, "admin": 404, "secretary": 200},
    )
    check_matrix(
        world,
        f"{url}confirm/",
        {"anonymous": 302, "reviewer": 404, "clerk": 404},
        method="post",
    )
    assert job.status == ImportJob.Status.CHECKED


# --- the journey on the server side ---------------------------------------------------------


def test_upload_preview_confirm_imports_the_roster(world: World) -> None:
    client = client_for(world, "secretary")
    rows = [member_values(i, world.own) for i in range(3)]
    response = upload(client, xlsx_bytes(table(rows)), query=f"?org={world.own.pk}")
    job = job_of(response)
    assert (job.status, job.total_rows >= 4, job.organization) == ("checked", True, world.own)
    page = client.get(f"/io/jobs/{job.pk}/")
    html = page.content.decode()
    assert "Import now" in html
    assert html.count("<td>create</td>") == 3
    assert not Member.objects.filter(id_number=citizen_id(0)).exists()

    response = client.post(f"/io/jobs/{job.pk}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.progress, job.summary["created"]) == ("done", 100, 3)
    assert Member.objects.filter(id_number__in=[citizen_id(i) for i in range(3)]).count() == 3
    assert not default_storage.exists(job.stored_name)  # personal data kept no longer
    assert "See the members" in client.get(f"/io/jobs/{job.pk}/").content.decode()


def test_errors_are_listed_by_row_and_column_and_there_is_no_confirm_button(world: World) -> None:
    client = client_for(world, "secretary")
    rows = [member_values(0, world.own), member_values(1, world.own, 入党时间="2014-02-30")]
    job = job_of(upload(client, xlsx_bytes(table(rows))))
    assert job.status == ImportJob.Status.REJECTED
    assert job.errors == [
        {"row": 3, "column": "入党时间", "message": "This date does not exist in the calendar."}
    ]
    html = client.get(f"/io/jobs/{job.pk}/").content.decode()
    assert "This date does not exist in the calendar." in html
    assert "<td>3</td><td>入党时间</td>" in html
    assert "Import now" not in html
    assert "Upload a corrected file" in html
    assert client.post(f"/io/jobs/{job.pk}/confirm/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert not Member.objects.filter(id_number=citizen_id(0)).exists()
    assert not default_storage.exists(job.stored_name)


def test_a_confirmed_job_imports_once_however_often_confirm_is_posted(world: World) -> None:
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    client.post(f"/io/jobs/{job.pk}/confirm/")
    response = client.post(f"/io/jobs/{job.pk}/confirm/", follow=True)
    assert "cannot go from" in response.content.decode()
    assert Member.history.filter(id_number=citizen_id(0)).count() == 1


def test_file_level_problems_are_shown_on_the_form(world: World) -> None:
    client = client_for(world, "secretary")
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, name="roster.xlsx")
    assert response.status_code == 200
    assert "not an .xlsx or .csv file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_sheet_without_the_required_columns_is_rejected_on_the_job_page(world: World) -> None:
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes([["姓名", "性别"], ["王伟", "男"]])))
    assert job.status == ImportJob.Status.REJECTED
    assert "Required columns are missing" in job.errors[0]["message"]


def test_the_import_page_explains_that_masked_exports_do_not_round_trip(world: World) -> None:
    html = client_for(world, "clerk").get("/io/import/members/").content.decode()
    assert "masked ID numbers" in html
    assert '<label for="id_file">' in html


def test_the_template_has_headings_an_example_row_and_drop_down_lists(world: World) -> None:
    response = client_for(world, "secretary").get(
        f"/io/template/members.xlsx?org={world.own.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    assert headings[:5] == ["姓名", "性别", "民族", "出生日期", "身份证号"]
    example = dict(zip(headings, [c.value for c in sheet[2]], strict=True))
    assert example["所在党支部"] == world.own.full_name
    # Drop-down lists by heading (the columns move as the roster gains fields).
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headings)}
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
    }
    assert lists[f"{letter['性别']}2"] == '"男,女"'
    assert lists[f"{letter['预/正']}2"] == '"预备党员,正式党员"'
    assert "大学本科" in lists[f"{letter['学历']}2"]
    assert book.worksheets[1].title == "填写说明"
    assert sheet.max_row == 2
    # ID numbers stay text
    assert sheet.column_dimensions[letter["身份证号"]].number_format == "@"


def test_the_template_example_row_is_refused_when_uploaded_unchanged(world: World) -> None:
    """The example row is fictional: uploaded as it is, it is refused (it would add a
    member named 张伟 to the roster); with real data in its place the file imports."""
    client = client_for(world, "secretary")
    content = client.get(f"/io/template/members.xlsx?org={world.own.pk}").content
    job = job_of(upload(client, content))
    assert job.status == ImportJob.Status.REJECTED
    assert [e["row"] for e in job.errors] == [2]
    assert "example row" in job.errors[0]["message"]
    book = openpyxl.load_workbook(io.BytesIO(content))
    book.worksheets[0]["A2"] = "李真"
    out = io.BytesIO()
    book.save(out)
    job = job_of(upload(client, out.getvalue()))
    assert job.status == ImportJob.Status.CHECKED, job.errors
    assert job.summary["created"] == 1


@pytest.mark.parametrize("kind", ["organizations", "enterprises"])
def test_other_templates_refuse_their_example_row_too(world: World, kind: str) -> None:
    client = client_for(world, "reviewer")
    content = client.get(f"/io/template/{kind}.xlsx?org={world.park_a.pk}").content
    job = job_of(upload(client, content, kind=kind, query=f"?org={world.park_a.pk}"))
    assert job.status == ImportJob.Status.REJECTED
    assert "example row" in job.errors[0]["message"]


def test_the_chinese_ui_gets_chinese_messages_headings_and_template(world: World, settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    client = client_for(world, "secretary")
    rows = [member_values(0, world.own, 入党时间="2014-02-30")]
    job = job_of(upload(client, xlsx_bytes(table(rows))))
    assert job.language == "zh-hans"
    assert job.errors == [{"row": 2, "column": "入党时间", "message": "日历上不存在此日期。"}]
    html = client.get(f"/io/jobs/{job.pk}/").content.decode()
    assert "日历上不存在此日期。" in html
    content = client.get("/io/template/members.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["姓名", "性别"]


# --- the background path -------------------------------------------------------------------


def test_large_files_run_as_a_task_and_the_progress_row_reaches_100(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.REDIS_URL = ""  # the embedded default: the task runs in this process
    client = client_for(world, "secretary")
    rows = [member_values(i, world.own) for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_of(upload(client, xlsx_bytes(table(rows))))
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.summary["created"]) == ("checked", 100, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(f"/io/jobs/{job.pk}/confirm/")
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    assert Member.objects.filter(id_number__in=[citizen_id(i) for i in range(5)]).count() == 5


def test_a_running_job_polls_and_a_finished_one_stops(world: World) -> None:
    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, progress=40)
    partial = client.get(f"/io/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="job-body"')
    assert 'hx-trigger="every 1s"' in partial
    assert 'value="40"' in partial
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, progress=100)
    partial = client.get(f"/io/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial


def test_the_task_is_idempotent(world: World) -> None:
    from organizations.tasks import run_import_job

    client = client_for(world, "secretary")
    job = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    assert run_import_job(job.pk, False) == "checked"  # already checked: left alone
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    assert run_import_job(job.pk, True) == "done"
    assert run_import_job(job.pk, True) == "done"
    assert Member.objects.filter(id_number=citizen_id(0)).count() == 1
    assert run_import_job(10**9, True) == "missing"


def test_previews_never_confirmed_expire_and_their_files_are_deleted(
    world: World, settings
) -> None:
    import datetime as dt

    from django.utils import timezone

    settings.IMPORT_KEEP_HOURS = 24
    client = client_for(world, "secretary")
    stale = job_of(upload(client, xlsx_bytes(table([member_values(0, world.own)]))))
    ImportJob.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    fresh = job_of(upload(client, xlsx_bytes(table([member_values(1, world.own)]))))
    stale.refresh_from_db()
    assert stale.status == ImportJob.Status.EXPIRED
    assert not default_storage.exists(stale.stored_name)
    assert default_storage.exists(fresh.stored_name)
    html = client.get(f"/io/jobs/{stale.pk}/").content.decode()
    assert "its file has been deleted" in html
    client.post(f"/io/jobs/{stale.pk}/confirm/")
    assert not Member.objects.filter(id_number=citizen_id(0)).exists()


def test_an_unreachable_broker_fails_the_job_with_a_clear_message(
    world: World,
    settings,
    broker_down,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
) -> None:
    # The upload's check could not be sent (portal.core.queue, one fast attempt): the
    # job fails at once with a message; confirmed imports: test_io_broker_down.py.
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = client_for(world, "secretary")
    rows = [member_values(i, world.own) for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, xlsx_bytes(table(rows)))
    job = job_of(response)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "background service is unavailable" in client.get(f"/io/jobs/{job.pk}/").content.decode()
    assert not default_storage.exists(job.stored_name)
    assert len(broker_down.attempts) == 1


# --- query counts --------------------------------------------------------------------------


def test_pages_run_a_fixed_number_of_queries(world: World) -> None:
    client = client_for(world, "secretary")

    def grow() -> None:
        for i in range(10):
            rows = [member_values(100 + i * 10 + j, world.own) for j in range(10)]
            upload(client, xlsx_bytes(table(rows)))

    grow()
    job = ImportJob.objects.filter(user=world.secretary).first()
    # session, user, grants, roles (navigation), unread notifications (base template), job
    assert_constant_queries(client, f"/io/jobs/{job.pk}/", grow, expected=6)
    # session, user, grants, roles, notifications, recent jobs
    assert_constant_queries(client, "/io/", grow, expected=6)
    # session, user, grants, roles, notifications (the form needs no query)
    assert_constant_queries(client, "/io/import/members/", grow, expected=5)
    # … plus the target organization
    assert_constant_queries(client, f"/io/import/members/?org={world.own.pk}", grow, expected=6)
