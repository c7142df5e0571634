"""The steps every record page and list page repeat, written once.

A record page (create, edit, any form that calls one service) fetches and authorizes
through `portal.accounts.permissions` and builds its form itself, then hands the rest
to `handle_record_form`: on a valid POST call the service, show its `ValidationError`
on the form (beside the field it names, or at the top), answer 409 when the save was
refused because someone else saved in between, 403 with the locked page when the
record was submitted meanwhile, otherwise a success message and a redirect; on a GET
or an invalid POST render the form (a GET of a closed campaign's form answers that it
is read-only instead: `portal.core.closed.read_only_form`). A delete confirmation is
`handle_delete`; a
POST-only action that reports on the next page (close, reopen, send) is
`handle_action`.

A list page fetches its scope, applies its filter form and passes the queryset to
`render_list`, which paginates it, gives the template the current filters without the
page number (`querystring`, for the pagination and export links) and answers an htmx
request with the `#results` partial.

None of these runs a query of its own: the pages' pinned query counts are those of the
fetches, the forms and the services they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.attachments.pending import PendingFiles
from portal.core.closed import is_refused, read_only_form
from portal.reviews.models import RecordLocked

F = TypeVar("F", bound=forms.BaseForm)
R = TypeVar("R")

# Where to go after a success: a URL, a model (its get_absolute_url()), or a function
# of what the service returned giving either.
Target = Any


def apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: beside the field it names, or at
    the top (a field the form does not have, or an error without fields)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def is_stale(exc: ValidationError) -> bool:
    """Was the save refused because someone else saved in between?"""
    return getattr(exc, "code", None) == "stale"


def conflict_status(exc: ValidationError, conflict: tuple[type[ValidationError], ...] = ()) -> int:
    """409 when the save was refused because someone else saved in between (the error's
    code is "stale", or it is one of the service's `conflict` classes) or because the
    record's campaign is closed (portal/core/closed.py), else 200."""
    return 409 if is_stale(exc) or is_refused(exc) or isinstance(exc, conflict) else 200


def _target(to: Target, result: Any) -> Any:
    return to(result) if callable(to) else to


def submit_form(
    request: HttpRequest,
    form: F,
    *,
    save: Callable[[F], R],
    success_message: str | Callable[[R], str],
    success_url: Target,
    locked: Any = None,
    conflict: tuple[type[ValidationError], ...] = (),
    pending: PendingFiles | None = None,
    others: Sequence[forms.BaseForm] = (),
) -> tuple[HttpResponse | None, int]:
    """The POST half of a record page: (the redirect after a successful save, or None
    and the status to render the page with). See `handle_record_form`; a page that
    shows more than its form (a detail page that takes uploads) calls this and renders
    itself."""
    status = 200
    # `&`, not `and`: every form is validated, so all errors show at once.
    if request.method == "POST" and form.is_valid() & all([f.is_valid() for f in others]):
        try:
            result = save(form)
        except RecordLocked:
            if locked is None:
                raise
            if callable(locked):
                return locked(), 403
            from portal.reviews.views import locked_response

            return locked_response(request, locked), 403
        except ValidationError as exc:
            apply_errors(form, exc)
            status = conflict_status(exc, conflict)
        else:
            if pending is not None:
                pending.done()
            message = success_message(result) if callable(success_message) else success_message
            if message:
                messages.success(request, message)
            return redirect(_target(success_url, result)), 302
    if pending is not None:
        pending.keep()
    return None, status


def handle_record_form(
    request: HttpRequest,
    form: F,
    *,
    save: Callable[[F], R],
    success_message: str | Callable[[R], str],
    success_url: Target,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    locked: Any = None,
    conflict: tuple[type[ValidationError], ...] = (),
    pending: PendingFiles | None = None,
    others: Sequence[forms.BaseForm] = (),
    form_name: str = "form",
    partial: str = "",
) -> HttpResponse:
    """The rest of a record page once the view has fetched, authorized and built `form`
    (bound to `request.POST or None`, or to whatever the page reads).

    On a POST whose form is valid, `save(form)` calls the service. Its
    `ValidationError` goes on the form (`apply_errors`) and the page is rendered again,
    with 409 for a conflicting save (`conflict_status`; `conflict` names the service's
    own conflict errors); a `RecordLocked` answers the 403 locked page of `locked` when
    it is given (the record was submitted while the user edited; or `locked()`, a
    function giving that page). A page of several forms (a record and its attendance
    roll) passes the others as `others`: all are validated, so all errors show at
    once, and the service is called only when all are valid. On success:
    `success_message` (a string, or a function of the service's result; none when
    empty) and a redirect
    to `success_url` (a URL, a model, or a function of the service's result). A form
    with files passes its `PendingFiles`: they are stored with the record on success
    (`save` reads `pending.uploads()`) and kept for the next try otherwise.

    Otherwise the template is rendered with `context` (or what a function given as
    `context` returns: for a page that reads more than its form, read only when the
    page is shown) and the form (as `form_name`); an htmx request gets the `#partial`
    of the template when one is named."""
    read_only = read_only_form(request, getattr(form, "instance", None), context)
    if read_only is not None:
        return read_only
    response, status = submit_form(
        request,
        form,
        save=save,
        success_message=success_message,
        success_url=success_url,
        locked=locked,
        conflict=conflict,
        pending=pending,
        others=others,
    )
    if response is not None:
        return response
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    shown = context() if callable(context) else context
    return render(request, template, {**shown, form_name: form}, status=status)


def handle_delete(
    request: HttpRequest,
    *,
    delete: Callable[[], object],
    success_message: str,
    success_url: Target,
    template: str,
    context: Mapping[str, Any],
) -> HttpResponse:
    """A delete page: GET shows the confirmation; POST calls `delete()` (the service),
    says so and goes to `success_url`. A delete the service refuses (a ValidationError:
    the record's campaign is closed, docs/product.md §5.2) shows the confirmation again
    with the reason, 409, having deleted nothing."""
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return render(request, template, context, status=409)
        messages.success(request, success_message)
        return redirect(success_url)
    return read_only_form(request, None, context) or render(request, template, context)


def handle_action(
    request: HttpRequest,
    *,
    act: Callable[[], object],
    success_message: str,
    success_url: Target,
) -> HttpResponse:
    """A POST-only action (close, reopen, send …): call the service; its
    `ValidationError` messages, or `success_message`, are shown on the page it
    redirects to."""
    try:
        act()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success_message)
    return redirect(success_url)


def paginate(request: HttpRequest, rows: Any, per_page: int) -> Page[Any]:
    """The page `?page=` names (the first for anything else, the last past the end):
    a COUNT and one page of rows."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    """The current filters, for the pagination and export links of a list."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def render_list(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    rows: Any = None,
    per_page: int = 50,
    partial: str = "results",
) -> HttpResponse:
    """A list page: `rows` (a filtered queryset; None when there is nothing to list,
    e.g. no campaign yet) paginated as `page`, the filters as `querystring`, and for an
    htmx request (a filter changed) only the template's `#partial`."""
    context = dict(context)
    if rows is not None:
        context["page"] = paginate(request, rows, per_page)
        context["querystring"] = querystring_without_page(request)
    if partial and getattr(request, "htmx", False):
        template = f"{template}#{partial}"
    return render(request, template, context)


def handle_files_form(
    request: HttpRequest,
    form: forms.Form,
    *,
    record: Any,
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
) -> HttpResponse:
    """A record page's "add files" form (an AttachmentForm named `attachment_form` in the
    page): the files stored with the record under the kind chosen, then back to the
    record; the page again with the form's errors otherwise."""
    from django.utils.translation import gettext as _

    from portal.attachments.services import attachments_add_all

    pending = PendingFiles(request, form)
    return handle_record_form(
        request,
        form,
        save=lambda form: attachments_add_all(
            actor=request.user,
            record=record,
            organization=record.organization,
            kind=form.cleaned_data["kind"],
            uploads=pending.uploads(),
        ),
        pending=pending,
        success_message=_("The files were added."),
        success_url=record,
        template=template,
        context=context,
        form_name="attachment_form",
    )
