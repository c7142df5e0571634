"""Log-in, and the "Accounts and roles" pages for account managers (docs/product.md §4).

Who may use the account pages: a site administrator (every account) and anyone holding
MANAGE_ACCOUNTS somewhere (account managers: the accounts tied to their subtree). Everyone else
gets 403 on the list and create pages. For one account (get_account_for_user): 404
unless it holds a role, or is a party member, inside the manager's subtree; 403 when it
is tied only to nodes the user sees without the manage right.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.http import AuthenticatedHttpRequest, HtmxHttpRequest

from . import services, two_factor
from .forms import (
    ORGANIZATION_OPTIONS_LIMIT,
    LoginForm,
    ManagerSetPasswordForm,
    MemberLinkForm,
    OwnPasswordChangeForm,
    RoleAddForm,
    UserCreateForm,
    UserUpdateForm,
    manageable_organizations,
)
from .models import Role, RoleAssignment, User
from .permissions import (
    Action,
    accounts_in_scope,
    can_fully_manage_account,
    can_set_password_of,
    filter_by_account_scope,
    get_account_for_user,
    get_organization_for_user,
    get_role_assignment_for_user,
    grants_for,
    manages_accounts_at,
)
from .views_two_factor import require_verified_manager

USERS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    """The password step. A user with a two-factor device is not logged in yet: the
    code page finishes the log-in (views_two_factor.verify). One who must use two
    factors and has none is logged in to enrol only (two_factor.TwoFactorMiddleware)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_device(user):
            two_factor.start_pending(self.request, user, self.get_success_url())
            return redirect("accounts:two_factor_verify")
        response = super().form_valid(form)
        if two_factor.two_factor_required(user):
            self.request.session[two_factor.REQUIRED_KEY] = True
            return redirect("accounts:two_factor")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password: the old one checked like a log-in (throttled), the new
    one by the password policy; ends a forced change."""

    template_name = "accounts/password_change.html"
    form_class = OwnPasswordChangeForm
    request: AuthenticatedHttpRequest  # behind login_required (auth_views)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: OwnPasswordChangeForm) -> HttpResponse:
        services.user_change_own_password(
            user=self.request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(self.request, self.request.user)
        return redirect(self.get_success_url())


def _require_account_manager(user: Any) -> None:
    """403 unless the user may manage accounts somewhere (no query: grants are cached)."""
    grants = grants_for(user)
    if not grants.is_admin and not grants.scope(Action.MANAGE_ACCOUNTS):
        raise PermissionDenied


def _check_posted_organization(request: HttpRequest) -> None:
    """A posted organization id the manager may not manage is not a form error but an
    access error: 404 when they cannot see it, 403 when they see it without the right."""
    value = request.POST.get("organization", "")
    if value:
        org = get_organization_for_user(request.user, value, Action.MANAGE_ACCOUNTS)
        if not manages_accounts_at(request.user, org.path):
            raise PermissionDenied


def _roles_in_scope(user: Any) -> Prefetch[Any]:
    return Prefetch(
        "role_assignments",
        queryset=filter_by_account_scope(
            RoleAssignment.objects.select_related("organization"),
            user,
            path_field="organization__path",
        ).order_by("organization__path", "role"),
        to_attr="managed_roles",
    )


@login_required
@require_verified_manager
@require_GET
def user_list(request: HtmxHttpRequest) -> HttpResponse:
    """Accounts tied to the manager's subtree, with their roles there. Filters: `q` (name
    or username), `role`. Queries: count, one page of users (with member), their roles
    in scope."""
    _require_account_manager(request.user)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    users = accounts_in_scope(User.objects.all(), request.user)
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(member__name__icontains=q)
        )
    if role in Role.values:
        users = users.filter(
            pk__in=filter_by_account_scope(
                RoleAssignment.objects.filter(role=role),
                request.user,
                path_field="organization__path",
            ).values("user_id")
        )
    users = (
        users.select_related("member__organization")
        .prefetch_related(_roles_in_scope(request.user))
        .order_by("username")
    )
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "role": role,
        "roles": Role.choices,
        "is_admin": request.user.is_superuser,
    }
    template = "accounts/user_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@login_required
@require_verified_manager
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    _require_account_manager(request.user)
    if request.method == "POST":
        _check_posted_organization(request)
        form = UserCreateForm(request.POST, manager=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account = services.user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password1"],
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    role=data["role"] or None,
                    organization=data["organization"],
                    member=data["member"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("The account %(name)s was created.") % {"name": account}
                )
                return redirect("accounts:user_detail", pk=account.pk)
    else:
        form = UserCreateForm(manager=request.user)
    return render(request, "accounts/user_create.html", {"form": form})


@login_required
@require_verified_manager
@require_GET
def organization_options(request: HttpRequest) -> HttpResponse:
    """<option> elements for the organization select, filtered by `organization_q` (name
    or exact code). One query."""
    _require_account_manager(request.user)
    text = request.GET.get("organization_q", "")
    orgs = manageable_organizations(request.user).search(text)[:ORGANIZATION_OPTIONS_LIMIT]
    return render(request, "accounts/_organization_options.html", {"orgs": orgs})


def _detail_context(request: HttpRequest, account: User, **forms: Any) -> dict[str, Any]:
    roles = [
        ra
        for ra in account.role_assignments.all()
        if manages_accounts_at(request.user, ra.organization.path)
    ]
    member = getattr(account, "member", None)
    if member is not None and not manages_accounts_at(request.user, member.organization.path):
        member = None
    return {
        "account": account,
        "roles": roles,
        "other_roles": len(account.role_assignments.all()) - len(roles),
        "member": member,
        "full_control": can_fully_manage_account(request.user, account),
        "may_set_password": can_set_password_of(request.user, account),
        "role_form": forms.get("role_form") or RoleAddForm(manager=request.user),
        "member_form": forms.get("member_form") or MemberLinkForm(manager=request.user),
        "is_self": account.pk == request.user.pk,
    }


@login_required
@require_verified_manager
@require_GET
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The account, its roles inside the manager's subtree (revoke links), its member
    record, and a form to add a role. Queries: the account with its member, its roles,
    the organization options of the add-role form."""
    account = get_account_for_user(request.user, pk)
    return render(request, "accounts/user_detail.html", _detail_context(request, account))


@login_required
@require_verified_manager
@require_POST
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_account_for_user(request.user, pk)
    _check_posted_organization(request)
    form = RoleAddForm(request.POST, manager=request.user)
    if form.is_valid():
        org = form.cleaned_data["organization"]
        role = form.cleaned_data["role"]
        services.role_assign(actor=request.user, user=account, role=role, organization=org)
        messages.success(
            request,
            _("%(user)s is now %(role)s at %(org)s.")
            % {"user": account, "role": Role(role).label, "org": org},
        )
        return redirect("accounts:user_detail", pk=account.pk)
    context = _detail_context(request, account, role_form=form)
    return render(request, "accounts/user_detail.html", context, status=400)


@login_required
@require_verified_manager
@require_http_methods(["GET", "POST"])
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    assignment = get_role_assignment_for_user(request.user, pk)
    account = assignment.user
    error = ""
    if request.method == "POST":
        try:
            services.role_revoke(actor=request.user, assignment=assignment)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("The role %(role)s at %(org)s was taken from %(user)s.")
                % {
                    "role": assignment.get_role_display(),
                    "org": assignment.organization,
                    "user": account,
                },
            )
            if accounts_in_scope(User.objects.filter(pk=account.pk), request.user).exists():
                return redirect("accounts:user_detail", pk=account.pk)
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/role_revoke.html",
        {"assignment": assignment, "account": account, "error": error},
        status=400 if error else 200,
    )


def _get_fully_managed_account(request: HttpRequest, pk: int) -> User:
    account = get_account_for_user(request.user, pk)
    if not can_fully_manage_account(request.user, account):
        raise PermissionDenied
    return account


@login_required
@require_verified_manager
@require_http_methods(["GET", "POST"])
def user_update(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_fully_managed_account(request, pk)
    initial = {
        "full_name": account.full_name,
        "phone": account.phone,
        "email": account.email,
        "is_active": account.is_active,
    }
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=account, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_update.html", {"form": form, "account": account})


@login_required
@require_verified_manager
@require_http_methods(["GET", "POST"])
def user_set_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_fully_managed_account(request, pk)
    if not can_set_password_of(request.user, account):
        raise PermissionDenied
    form = ManagerSetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            actor=request.user, user=account, password=form.cleaned_data["new_password1"]
        )
        messages.success(
            request,
            _("The new password for %(user)s is in effect; give it to them in person.")
            % {"user": account},
        )
        return redirect("accounts:user_detail", pk=account.pk)
    return render(request, "accounts/user_set_password.html", {"form": form, "account": account})


@login_required
@require_verified_manager
@require_POST
def member_link(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_fully_managed_account(request, pk)
    form = MemberLinkForm(request.POST, manager=request.user)
    if form.is_valid():
        try:
            member = services.member_link_user(
                actor=request.user, member=form.cleaned_data["member"], user=account
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(user)s is now the login of member %(member)s.")
                % {"user": account, "member": member},
            )
            return redirect("accounts:user_detail", pk=account.pk)
    context = _detail_context(request, account, member_form=form)
    return render(request, "accounts/user_detail.html", context, status=400)


@login_required
@require_verified_manager
@require_POST
def member_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_fully_managed_account(request, pk)
    services.member_unlink_user(actor=request.user, user=account)
    messages.success(request, _("The login is no longer linked to a member record."))
    if accounts_in_scope(User.objects.filter(pk=account.pk), request.user).exists():
        return redirect("accounts:user_detail", pk=account.pk)
    return redirect("accounts:user_list")
