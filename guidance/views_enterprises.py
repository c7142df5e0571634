"""Instructors of enterprises without a Party organization (docs/product.md §3, §4):
the enterprise's instructors page, where whoever manages the accounts of the
organization it is attached to assigns and removes them.

Who: anonymous → login; a user who cannot see the enterprise → 404; who sees it but
may not manage accounts at its host organization → 403 (GET and POST); the right
role → 200. An enterprise with its own organization has no such page (404): its
instructors are assigned at the organization."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from organizations.models import Enterprise
from organizations.selectors import enterprise_links, get_enterprise_for_user
from portal.accounts.models import User
from portal.core.record_pages import handle_record_form

from . import services_enterprises as services
from .models import EnterpriseAssignment


class InstructorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]  # narrower
        return obj.display_name


class AssignForm(forms.Form):
    instructor = InstructorField(
        label=gettext_lazy("Instructor"),
        queryset=User.objects.none(),
        help_text=gettext_lazy(
            "Instructors of the organization the enterprise is attached to or of one above it."
        ),
    )

    def __init__(self, *args: object, enterprise: Enterprise, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["instructor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services.instructor_candidates(enterprise)


def _enterprise(request: HttpRequest, pk: int) -> Enterprise:
    """Visible enterprise without an organization, whose host the user manages: 404 /
    403 otherwise. Two queries plus the user's grants."""
    enterprise = get_enterprise_for_user(request.user, pk)
    if enterprise.attached_to is None or len(enterprise_links(enterprise)) > 1:
        raise Http404
    if not services.may_assign_instructors(request.user, enterprise):
        raise PermissionDenied
    return enterprise


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_instructors(request: HttpRequest, pk: int) -> HttpResponse:
    """The enterprise's instructors and the form to assign one. Queries: session,
    user, the enterprise and its hosted organizations (2), grants, the assignments
    with their instructors, the candidates; then the navigation's roles and unread
    count."""
    enterprise = _enterprise(request, pk)
    form = AssignForm(request.POST or None, enterprise=enterprise)
    return handle_record_form(
        request,
        form,
        save=lambda form: services.enterprise_instructor_assign(
            actor=request.user, enterprise=enterprise, instructor=form.cleaned_data["instructor"]
        ),
        success_message=_("The instructor was assigned to the enterprise."),
        success_url=reverse("guidance:enterprise_instructors", args=[enterprise.pk]),
        template="guidance/enterprise_instructors.html",
        context=lambda: {
            "enterprise": enterprise,
            "assignments": list(
                EnterpriseAssignment.objects.filter(enterprise=enterprise)
                .select_related("instructor")
                .order_by("instructor__full_name", "instructor__username")
            ),
        },
    )


@login_required
@require_POST
def enterprise_instructor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        assignment = EnterpriseAssignment.objects.select_related("enterprise").get(pk=int(pk))
    except (EnterpriseAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    enterprise = _enterprise(request, assignment.enterprise_id)
    services.enterprise_instructor_unassign(actor=request.user, assignment=assignment)
    messages.success(request, _("The instructor was removed from the enterprise."))
    return redirect("guidance:enterprise_instructors", pk=enterprise.pk)
