from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
    UsernameField,
)
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization, OrganizationQuerySet
from organizations.validators import normalize_code

from .models import Role, User
from .permissions import account_organizations, filter_by_account_scope

# Django's form classes take no type parameters at run time (that needs django-stubs-ext's
# monkeypatch, which is not installed in production): the parameters are for mypy only.
if TYPE_CHECKING:
    _OrganizationChoiceBase = forms.ModelChoiceField[Organization]
    _UserCreationBase = UserCreationForm[User]
    _SetPasswordBase = SetPasswordForm[User]
else:
    _OrganizationChoiceBase = forms.ModelChoiceField
    _UserCreationBase = UserCreationForm
    _SetPasswordBase = SetPasswordForm

# The organization select shows at most this many options; the search box above it
# (htmx, accounts:organization_options) narrows the list for larger subtrees.
ORGANIZATION_OPTIONS_LIMIT = 500


USERNAME_LOCKED = _(
    "This account has had many failed log-ins from several places. Wait a few minutes "
    "and try again, or ask your administrator to set a new password."
)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "portal_username_locked", False):
                raise forms.ValidationError(USERNAME_LOCKED, code="username_locked") from None
            raise


class OwnPasswordChangeForm(PasswordChangeForm):
    """The user's own password change. The old password is checked through
    authenticate(), like a log-in: django-axes counts the failures and locks the
    (username, address) pair after AXES_FAILURE_LIMIT, and the per-username limit
    applies too, so the form is no unlimited oracle for guessing it."""

    def __init__(self, user: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old: str = self.cleaned_data["old_password"]
        found = authenticate(self.request, username=self.user.get_username(), password=old)
        if found is None or found.pk != self.user.pk:
            if getattr(self.request, "portal_username_locked", False):
                raise forms.ValidationError(USERNAME_LOCKED, code="username_locked")
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old


def manageable_organizations(user: Any) -> OrganizationQuerySet:
    """Active organizations where `user` may give roles (strictly below their own
    MANAGE_ACCOUNTS nodes), in tree order."""
    return account_organizations(user).filter(is_active=True).order_by("path")


def organization_label(org: Any) -> str:
    return f"{org.short_name} · {org.code}"


class OrganizationSelect(forms.Select):
    """A select preceded by a search box: typing in the box asks
    accounts:organization_options (htmx) for the matching options. Without JavaScript
    the select still offers the first ORGANIZATION_OPTIONS_LIMIT organizations."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        select = super().render(name, value, attrs, renderer)
        target = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        search = format_html(
            '<input type="search" name="{}_q" autocomplete="off" class="select-search" '
            'aria-label="{}" placeholder="{}" hx-get="{}" '
            'hx-trigger="input changed delay:300ms, search" hx-target="#{}" hx-swap="innerHTML">',
            name,
            _("Find an organization by name or code"),
            _("Find by name or code"),
            reverse("accounts:organization_options"),
            target,
        )
        return format_html("{}{}", search, select)


class OrganizationChoiceField(_OrganizationChoiceBase):
    """Validates against the whole queryset (every organization the manager may manage)
    but renders only the first ORGANIZATION_OPTIONS_LIMIT, plus the one already chosen:
    one query however large the subtree."""

    def label_from_instance(self, obj: Any) -> str:
        return organization_label(obj)

    def limit_options(self, selected: Any = None) -> None:
        queryset = self.queryset
        if queryset is None:  # not given yet: nothing to offer
            return
        options = list(queryset[:ORGANIZATION_OPTIONS_LIMIT])
        if selected not in (None, "") and not any(str(o.pk) == str(selected) for o in options):
            options += list(queryset.filter(pk=selected)) if str(selected).isdigit() else []
        self.widget.choices = [("", "---------")] + [(o.pk, organization_label(o)) for o in options]


class RoleFieldsMixin:
    """A role and an organization inside the manager's subtree."""

    fields: dict[str, forms.Field]

    def _add_role_fields(self, manager: Any, data: Any, *, required: bool) -> None:
        self.fields["role"] = forms.ChoiceField(
            label=_("Role"),
            choices=[("", "---------"), *Role.choices],
            required=required,
        )
        field = OrganizationChoiceField(
            label=_("Organization"),
            queryset=manageable_organizations(manager),
            required=required,
            widget=OrganizationSelect,
            help_text=_(
                "Only organizations where you manage accounts. Type part of a name, or a "
                "code, in the search box to narrow the list."
            ),
        )
        field.limit_options(data.get("organization") if data else None)
        self.fields["organization"] = field


class UserCreateForm(RoleFieldsMixin, _UserCreationBase):
    """A new login with its first role, or linked to a party member (or both).

    Passwords are checked by Django's validators (UserCreationForm); the username is
    unique regardless of case."""

    member = forms.CharField(
        label=_("Party member"),
        required=False,
        max_length=50,
        help_text=_(
            "For a party member's own login: the member's citizen ID number, or their name "
            "if it is unique. Leave empty for a login with a role only."
        ),
    )

    class Meta:
        # UserCreationForm.Meta's field class for the username, spelled out: django-stubs
        # does not declare that Meta, so it cannot be subclassed under type checking.
        model = User
        fields = ("username", "full_name", "phone", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manager = manager
        self._add_role_fields(manager, self.data, required=False)
        self.order_fields(
            [
                "username",
                "full_name",
                "phone",
                "email",
                "password1",
                "password2",
                "role",
                "organization",
                "member",
            ]
        )
        self.fields["full_name"].required = True
        self.fields["username"].help_text = _(
            "Letters, digits and @/./+/-/_ only; the person types it to log in."
        )

    def clean_member(self) -> Member | None:
        return find_unlinked_member(self.manager, self.cleaned_data.get("member", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role, org = cleaned.get("role"), cleaned.get("organization")
        if bool(role) != bool(org) and not self.has_error("organization"):
            self.add_error(
                "organization" if role else "role",
                _("Choose both a role and an organization."),
            )
        elif not role and not cleaned.get("member") and not self.has_error("member"):
            raise forms.ValidationError(
                _("Give the account a role at an organization, or link it to a party member.")
            )
        return cleaned


class RoleAddForm(RoleFieldsMixin, forms.Form):
    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._add_role_fields(manager, self.data, required=True)


class UserUpdateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive account cannot log in; its roles stay in place."),
    )


class ManagerSetPasswordForm(_SetPasswordBase):
    """A manager sets a new password for someone else (checked by Django's validators
    against that user)."""


class MemberLinkForm(forms.Form):
    member = forms.CharField(
        label=_("Party member"),
        max_length=50,
        help_text=_("The member's citizen ID number, or their name if it is unique."),
    )

    def __init__(self, *args: Any, manager: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.manager = manager

    def clean_member(self) -> Member:
        member = find_unlinked_member(self.manager, self.cleaned_data["member"])
        if member is None:
            raise forms.ValidationError(_("This field is required."))
        return member


def find_unlinked_member(manager: Any, text: str) -> Member | None:
    """The active member without a login, in the manager's subtree, whose ID number is
    `text`, or whose name is `text` when exactly one such member has it. One query."""
    text = (text or "").strip()
    if not text:
        return None
    candidates = filter_by_account_scope(
        Member.objects.filter(is_active=True, user__isnull=True).select_related("organization"),
        manager,
        path_field="organization__path",
    )
    code = normalize_code(text)
    if len(code) == 18 and code[:17].isdigit():
        found = list(candidates.filter(id_number=code)[:2])
    else:
        found = list(candidates.filter(name=text)[:2])
    if not found:
        raise forms.ValidationError(
            _("No member without a login in your organizations matches this.")
        )
    if len(found) > 1:
        raise forms.ValidationError(
            _("Several members have this name; enter the citizen ID number instead.")
        )
    return found[0]
