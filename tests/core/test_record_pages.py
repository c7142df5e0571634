"""The record-page and list-page helpers (portal/core/record_pages.py): what a user sees
after a save the service refuses, a conflicting or locked save, a success, and an htmx
request. The pages that use them have their own tests in each app."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from portal.core import record_pages
from portal.core.record_pages import (
    handle_action,
    handle_delete,
    handle_record_form,
    render_list,
    submit_form,
)
from portal.reviews.models import RecordLocked


class TitleForm(forms.Form):
    title = forms.CharField(max_length=20)


class Conflict(ValidationError):
    """A service's own 'someone else saved meanwhile' error."""


class Rendered(HttpResponse):
    """What the helpers asked to render, in place of a template."""

    def __init__(self, template: str, context: dict[str, Any], status: int) -> None:
        super().__init__(status=status)
        self.template = template
        self.context = context


@pytest.fixture(autouse=True)
def fake_render(monkeypatch: pytest.MonkeyPatch) -> None:
    def render(
        request: HttpRequest, template: str, context: Any = None, status: int = 200
    ) -> HttpResponse:
        return Rendered(template, dict(context or {}), status)

    monkeypatch.setattr(record_pages, "render", render)


def make_request(method: str = "get", data: Any = None, htmx: bool = False) -> HttpRequest:
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.htmx = htmx  # type: ignore[attr-defined]  # set by django-htmx's middleware
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


def texts(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def page(request: HttpRequest, save: Any, **kwargs: Any) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    options: dict[str, Any] = {
        "success_message": "Saved.",
        "success_url": "/done/",
        "template": "things/form.html",
        "context": {"thing": None},
    }
    options.update(kwargs)
    return handle_record_form(request, TitleForm(data or None), save=save, **options)


def refuse(exc: Exception) -> Any:
    """A service that refuses, whatever it is given."""

    def service(*args: Any) -> None:
        raise exc

    return service


def never(form: forms.Form) -> None:
    raise AssertionError("the service must not be called")


def test_get_renders_the_form_with_the_context_and_does_not_call_the_service() -> None:
    response = page(make_request(), never)

    assert isinstance(response, Rendered)
    assert response.status_code == 200
    assert response.template == "things/form.html"
    assert response.context["thing"] is None
    assert not response.context["form"].is_bound


def test_an_invalid_form_is_shown_again_without_calling_the_service() -> None:
    response = page(make_request("post", {"title": "x" * 21}), never)

    assert isinstance(response, Rendered)
    assert response.status_code == 200
    assert response.context["form"].errors["title"]


def test_a_service_error_naming_a_field_shows_beside_it_others_at_the_top() -> None:
    exc = ValidationError({"title": "Taken.", "campaign": "The campaign has ended."})
    request = make_request("post", {"title": "Minutes"})

    response = page(request, refuse(exc))

    assert isinstance(response, Rendered)
    form = response.context["form"]
    assert response.status_code == 200
    assert form.errors["title"] == ["Taken."]
    # The form has no campaign field: the error goes to the top of the form.
    assert form.non_field_errors() == ["The campaign has ended."]
    assert texts(request) == []


def test_a_service_error_without_fields_shows_at_the_top() -> None:
    response = page(make_request("post", {"title": "Minutes"}), refuse(ValidationError("No.")))

    assert isinstance(response, Rendered)
    assert response.context["form"].non_field_errors() == ["No."]
    assert response.status_code == 200


def test_a_stale_save_answers_409() -> None:
    exc = ValidationError("Someone else saved it.", code="stale")

    response = page(make_request("post", {"title": "Minutes"}), refuse(exc))

    assert response.status_code == 409
    assert isinstance(response, Rendered)
    assert response.context["form"].non_field_errors() == ["Someone else saved it."]


def test_the_services_own_conflict_error_answers_409_only_when_named() -> None:
    request = make_request("post", {"title": "Minutes"})
    exc = Conflict("Someone else saved it.")

    assert page(request, refuse(exc), conflict=(Conflict,)).status_code == 409
    assert page(request, refuse(exc)).status_code == 200


def test_a_record_locked_meanwhile_answers_the_locked_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import portal.reviews.views

    seen: list[Any] = []

    def locked_response(request: HttpRequest, record: Any) -> HttpResponse:
        seen.append(record)
        return HttpResponse(status=403)

    monkeypatch.setattr(portal.reviews.views, "locked_response", locked_response)
    record = object()

    response = page(
        make_request("post", {"title": "Minutes"}), refuse(RecordLocked()), locked=record
    )

    assert response.status_code == 403
    assert seen == [record]


def test_a_record_locked_without_a_locked_page_is_a_plain_403() -> None:
    with pytest.raises(RecordLocked):
        page(make_request("post", {"title": "Minutes"}), refuse(RecordLocked()))


def test_success_says_so_and_redirects() -> None:
    calls: list[str] = []
    request = make_request("post", {"title": "Minutes"})

    response = page(request, lambda form: calls.append(form.cleaned_data["title"]))

    assert calls == ["Minutes"]
    assert response.status_code == 302
    assert response["Location"] == "/done/"
    assert texts(request) == [("success", "Saved.")]


def test_success_url_and_message_may_depend_on_what_the_service_made() -> None:
    request = make_request("post", {"title": "Minutes"})

    response = page(
        request,
        lambda form: 42,
        success_message=lambda made: f"Record {made} added.",
        success_url=lambda made: f"/things/{made}/",
    )

    assert response["Location"] == "/things/42/"
    assert texts(request) == [("success", "Record 42 added.")]


def test_an_htmx_request_gets_the_named_partial_and_others_the_page() -> None:
    partial = page(make_request(htmx=True), never, partial="fields")
    whole = page(make_request(htmx=True), never)

    assert isinstance(partial, Rendered) and isinstance(whole, Rendered)
    assert partial.template == "things/form.html#fields"
    assert whole.template == "things/form.html"


class FakePending:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def done(self) -> None:
        self.calls.append("done")

    def keep(self) -> None:
        self.calls.append("keep")


@pytest.mark.parametrize(
    ("save", "expected"),
    [(lambda form: None, ["done"]), (refuse(ValidationError("Too large.")), ["keep"])],
)
def test_files_are_stored_on_success_and_kept_for_the_next_try_otherwise(
    save: Any, expected: list[str]
) -> None:
    pending = FakePending()

    page(make_request("post", {"title": "Minutes"}), save, pending=pending)

    assert pending.calls == expected


def test_submit_form_leaves_the_page_to_the_view_until_it_succeeds() -> None:
    request = make_request("post", {"title": "Minutes"})
    form = TitleForm(request.POST)

    response, status = submit_form(
        request, form, save=refuse(ValidationError("No.")), success_message="", success_url="/"
    )

    assert response is None
    assert status == 200
    assert form.non_field_errors() == ["No."]


def test_delete_confirms_on_get_and_deletes_on_post() -> None:
    deleted: list[bool] = []
    options: dict[str, Any] = {
        "delete": lambda: deleted.append(True),
        "success_message": "Deleted.",
        "success_url": "/list/",
        "template": "things/confirm_delete.html",
        "context": {"thing": 1},
    }

    confirm = handle_delete(make_request(), **options)
    assert isinstance(confirm, Rendered)
    assert confirm.template == "things/confirm_delete.html"
    assert deleted == []

    request = make_request("post")
    done = handle_delete(request, **options)
    assert deleted == [True]
    assert done["Location"] == "/list/"
    assert texts(request) == [("success", "Deleted.")]


def test_an_action_reports_success_or_each_refusal_on_the_next_page() -> None:
    request = make_request("post")
    response = handle_action(
        request, act=lambda: None, success_message="Closed.", success_url="/s/"
    )
    assert response["Location"] == "/s/"
    assert texts(request) == [("success", "Closed.")]

    request = make_request("post")
    refused = ValidationError(["Two members have no grade.", "The record is missing."])
    response = handle_action(
        request, act=refuse(refused), success_message="Closed.", success_url="/s/"
    )
    assert response["Location"] == "/s/"
    assert texts(request) == [
        ("error", "Two members have no grade."),
        ("error", "The record is missing."),
    ]


def test_a_list_is_paginated_with_its_filters_kept_for_the_links() -> None:
    request = make_request(data={"q": "甲", "status": "open", "page": "2"})

    response = render_list(request, "things/list.html", {"x": 1}, rows=list(range(7)), per_page=3)

    assert isinstance(response, Rendered)
    assert response.template == "things/list.html"
    assert list(response.context["page"].object_list) == [3, 4, 5]
    assert response.context["querystring"] == "q=%E7%94%B2&status=open"
    assert response.context["x"] == 1


@pytest.mark.parametrize("raw", ["abc", "-1", "999", "\x00"])
def test_a_bad_page_number_gives_a_page_not_an_error(raw: str) -> None:
    response = render_list(
        make_request(data={"page": raw}), "t.html", {}, rows=list(range(7)), per_page=3
    )

    assert isinstance(response, Rendered)
    assert response.status_code == 200
    assert response.context["page"].number in (1, 3)


def test_an_htmx_filter_change_gets_the_results_partial() -> None:
    response = render_list(make_request(htmx=True), "things/list.html", {}, rows=[])

    assert isinstance(response, Rendered)
    assert response.template == "things/list.html#results"


def test_a_list_with_nothing_to_list_has_no_page() -> None:
    response = render_list(make_request(), "things/list.html", {"campaign": None}, rows=None)

    assert isinstance(response, Rendered)
    assert "page" not in response.context
    assert "querystring" not in response.context
