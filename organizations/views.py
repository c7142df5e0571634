from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.accounts.permissions import Action, get_organization_for_user, user_can


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/tree.html", {})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_organization_for_user(request.user, pk)
    return render(
        request,
        "organizations/detail.html",
        {"org": org, "can_record": user_can(request.user, Action.RECORD, org)},
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/member_list.html", {})


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "organizations/member_detail.html", {})


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/enterprise_list.html", {})


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "organizations/enterprise_detail.html", {})
