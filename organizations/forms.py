"""Forms for the organization pages. Edit forms carry the `updated_at` the user saw
(a hidden field) so the services can refuse an edit made on a stale copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.formfields import choice_field, model_choice_field, typed_field

from .models import (
    CommitteeRole,
    Enterprise,
    EnterpriseType,
    Member,
    MemberQuerySet,
    MemberStatus,
    Organization,
)
from .selectors import enterprises_linked_to
from .services import (
    ENTERPRISE_FIELDS,
    LINK_ATTACHED,
    LINK_HOST,
    MEMBER_FIELDS,
    ORGANIZATION_ADMIN_FIELDS,
    ORGANIZATION_FIELDS,
    STALE_MESSAGE,
)
from .validators import birth_date_from_id, normalize_code, validate_citizen_id


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SeenVersionMixin(forms.Form):
    """A hidden copy of the record's `updated_at` when the form was opened."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def seen_initial(instance: models.Model) -> dict[str, str]:
        return {"seen": instance.updated_at.isoformat()}  # type: ignore[attr-defined]

    def clean_seen(self) -> dt.datetime | None:
        raw = self.cleaned_data.get("seen") or ""
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            # A hidden field has no place to show its error: report it on the form.
            self.add_error(None, STALE_MESSAGE)
            return None
        return value


class OrganizationCodeField(forms.CharField):
    """An organization picked by its code, among a queryset the view sets (the
    organizations the user may act on). Scales to any tree size, unlike a <select>.
    Unknown codes and codes outside the queryset give the same error."""

    default_error_messages = {
        "unknown": _("No organization with this code among those you may choose."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text", _("The organization's code, as shown on its page and in the tree.")
        )
        super().__init__(**kwargs)
        self.queryset: models.QuerySet[Organization] = Organization.objects.none()

    def clean(self, value: Any) -> Organization | None:
        text = super().clean(value)
        if not text:
            return None
        text = " ".join(str(text).split())
        matches = list(self.queryset.filter(code=text)[:1]) or list(
            self.queryset.filter(code__iexact=normalize_code(text))[:2]
        )
        if len(matches) != 1:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return matches[0]


# --- organizations -------------------------------------------------------------------------


class OrganizationForm(SeenVersionMixin, forms.ModelForm):
    """Create (as a child of a node) and edit. Without `admin_fields` the kind, code and
    flags are left out: they are changed by the supervising organization."""

    class Meta:
        model = Organization
        fields = ORGANIZATION_FIELDS
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args: Any, admin_fields: bool, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not admin_fields:
            for name in ORGANIZATION_ADMIN_FIELDS:
                del self.fields[name]
        if not editing:
            del self.fields["seen"]

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in ORGANIZATION_FIELDS}


# --- members ---------------------------------------------------------------------------------


class MemberForm(SeenVersionMixin, forms.ModelForm):
    # Wider than the stored 18 characters: phones and spreadsheets add spaces and
    # full-width digits, normalised below before the model's validators run.
    id_number = forms.CharField(
        label=capfirst(Member._meta.get_field("id_number").verbose_name), max_length=40
    )

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {
            "birth_date": DateInput(),
            "started_work_on": DateInput(),
            "joined_on": DateInput(),
            "full_member_on": DateInput(),
        }
        help_texts = {
            "birth_date": _("Left empty, it is taken from the ID number."),
        }

    def __init__(
        self, *args: Any, organization: Organization, editing: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        model_choice_field(self, "enterprise").queryset = enterprises_linked_to(
            organization
        ).order_by("name")
        if not editing:
            del self.fields["seen"]

    def clean_id_number(self) -> str:
        return normalize_code(self.cleaned_data["id_number"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        id_number = data.get("id_number")
        from_id = None
        if id_number:
            try:
                validate_citizen_id(id_number)
                from_id = birth_date_from_id(id_number)
            except forms.ValidationError:
                pass  # reported on the ID field by the model's validator
        if from_id is not None:
            birth = data.get("birth_date")
            if birth is None and "birth_date" not in self.errors:
                data["birth_date"] = from_id
                self.instance.birth_date = from_id
            elif birth is not None and birth != from_id:
                self.add_error(
                    "birth_date",
                    _("The ID number says the birth date is %(date)s.")
                    % {"date": from_id.isoformat()},
                )
        return data

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in MEMBER_FIELDS}


class TransferForm(forms.Form):
    to_organization = OrganizationCodeField(label=_("Receiving organization (code)"))
    moved_on = forms.DateField(label=_("Moved on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(
        self, *args: Any, member: Member, destinations: models.QuerySet, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        typed_field(self, "to_organization", OrganizationCodeField).queryset = destinations

    def clean_to_organization(self) -> Organization:
        org: Organization = self.cleaned_data["to_organization"]
        if org is not None and org.pk == self.member.organization_id:
            raise forms.ValidationError(_("The member already belongs to this organization."))
        return org


class MemberFilterForm(forms.Form):
    """The member list's filters (GET). Invalid values are reported and ignored, never
    an error page."""

    ACTIVE_CHOICES = [
        ("yes", _("on the roster")),
        ("no", _("taken off the roster")),
        ("all", _("all")),
    ]

    q = forms.CharField(label=_("Name or ID number"), required=False, max_length=60)
    org = OrganizationCodeField(
        label=_("Organization code (with the organizations under it)"), required=False
    )
    status = forms.ChoiceField(
        label=_("Membership"),
        choices=[("", _("any")), *MemberStatus.choices],
        required=False,
    )
    active = forms.ChoiceField(label=_("Roster"), choices=ACTIVE_CHOICES, required=False)
    investor = forms.BooleanField(label=_("investor member"), required=False)
    pocket = forms.BooleanField(label=_('"pocket" member'), required=False)
    mobile = forms.BooleanField(label=_("mobile member"), required=False)
    lost = forms.BooleanField(label=_("lost contact"), required=False)

    def __init__(self, *args: Any, organizations: models.QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed_field(self, "org", OrganizationCodeField).queryset = organizations
        self.fields["org"].help_text = ""

    def apply(self, members: MemberQuerySet) -> MemberQuerySet:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("org") is not None:
            members = members.in_subtree(data["org"])
        if data.get("q"):
            members = members.search(data["q"])
        if data.get("status"):
            members = members.filter(status=data["status"])
        active = data.get("active") or "yes"
        if active == "yes":
            members = members.filter(is_active=True)
        elif active == "no":
            members = members.filter(is_active=False)
        if data.get("investor"):
            members = members.filter(is_investor=True)
        if data.get("pocket"):
            members = members.filter(is_pocket=True)
        if data.get("mobile"):
            members = members.exclude(mobile="")
        if data.get("lost"):
            members = members.filter(lost_contact=True)
        return members


# --- enterprises -------------------------------------------------------------------------------


class EnterpriseForm(SeenVersionMixin, forms.ModelForm):
    credit_code = forms.CharField(
        label=capfirst(Enterprise._meta.get_field("credit_code").verbose_name), max_length=40
    )

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["seen"]

    def clean_credit_code(self) -> str:
        return normalize_code(self.cleaned_data["credit_code"])

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in ENTERPRISE_FIELDS}


class EnterpriseCreateForm(EnterpriseForm):
    LINK_CHOICES = [
        (LINK_HOST, _("The organization sits in this enterprise")),
        (
            LINK_ATTACHED,
            _("The enterprise has no organization of its own and is attached to this one"),
        ),
    ]
    organization = OrganizationCodeField(label=_("Organization (code)"))
    link = forms.ChoiceField(
        label=_("Link to the organization"),
        choices=LINK_CHOICES,
        widget=forms.RadioSelect,
        initial=LINK_HOST,
    )

    field_order = ["organization", "link"]

    def __init__(self, *args: Any, organizations: models.QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, editing=False, **kwargs)
        typed_field(self, "organization", OrganizationCodeField).queryset = organizations


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or credit code"), required=False, max_length=60)
    type = forms.ChoiceField(
        label=_("Enterprise type"),
        choices=[("", _("any")), *EnterpriseType.choices],
        required=False,
    )
    org = OrganizationCodeField(
        label=_("Organization code (with the organizations under it)"), required=False
    )

    def __init__(self, *args: Any, organizations: models.QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed_field(self, "org", OrganizationCodeField).queryset = organizations
        self.fields["org"].help_text = ""

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class CommitteePostForm(forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    role = forms.ChoiceField(label=_("post"), choices=CommitteeRole.choices)
    starts_on = forms.DateField(label=pgettext_lazy("date range", "from"), widget=DateInput())

    def __init__(self, *args: Any, roster: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice_field(self, "member")
        field.queryset = Member.objects.filter(pk__in=[m.pk for m in roster])
        field.choices = [("", "—")] + [(m.pk, m.name) for m in roster]


class PartyGroupForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("party group", "name"), max_length=60)
    leader = forms.ModelChoiceField(
        label=_("group leader"), queryset=Member.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("members"), queryset=Member.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=pgettext_lazy("date range", "from"), widget=DateInput())

    def __init__(self, *args: Any, roster: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [m.pk for m in roster]
        for name in ("leader", "members"):
            model_choice_field(self, name).queryset = Member.objects.filter(pk__in=ids)
        choice_field(self, "leader").choices = [("", "—")] + [(m.pk, m.name) for m in roster]
        choice_field(self, "members").choices = [(m.pk, m.name) for m in roster]


class EndForm(forms.Form):
    """Ends a post or a group on a day."""

    pk = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=pgettext_lazy("date range", "to"), widget=DateInput())
