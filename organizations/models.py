"""The organization tree, the enterprises that host organizations, and the members.

Everything in the portal is scoped by an Organization node; permission checks compare
materialized paths (see portal/accounts/permissions.py), so `path` is the one field
every scope query relies on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.core.constraints import CheckConstraint
from portal.core.fields import BlindIndexField, EncryptedCharField

from .validators import (
    mask_id,
    mask_phone,
    normalize_code,
    validate_citizen_id,
    validate_credit_code,
)

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager

    from portal.accounts.models import User


class OrgKind(models.TextChoices):
    COUNTY_COMMITTEE = "county", _("county (district) Party committee")
    WORKING_COMMITTEE = "working", _("working committee for new economic and social organizations")
    INDUSTRY_COMMITTEE = "industry", _("industry Party committee")
    PARK_COMMITTEE = "park", _("industrial park Party committee")
    COMMUNITY = "community", _("village (community) Party organization")
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("general branch")
    BRANCH = "branch", _("branch")
    JOINT_BRANCH = "joint_branch", _("joint branch")


# Kinds that sit in enterprises (the grass roots the campaign is about).
GRASSROOTS_KINDS = {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.JOINT_BRANCH}
# Kinds that may host members of enterprises without their own organization.
HOSTING_KINDS = {OrgKind.PARK_COMMITTEE, OrgKind.COMMUNITY, OrgKind.INDUSTRY_COMMITTEE}
# docs/product.md §3 size rules (warnings only): minimum full members per kind.
MIN_FULL_MEMBERS: dict[str, int] = {
    OrgKind.BRANCH: 3,
    OrgKind.JOINT_BRANCH: 3,
    OrgKind.GENERAL_BRANCH: 50,
    OrgKind.COMMITTEE: 100,
}


class OrganizationQuerySet(MP_NodeQuerySet["Organization"]):
    def in_subtree(self, org: Organization) -> OrganizationQuerySet:
        """The node and all its descendants: one indexed prefix match on `path`."""
        return self.filter(path__startswith=org.path)

    def under_paths(self, paths: list[str] | set[str]) -> OrganizationQuerySet:
        if not paths:
            return self.none()
        q = Q()
        for p in sorted(paths):
            q |= Q(path__startswith=p)
        return self.filter(q)

    def active(self) -> OrganizationQuerySet:
        return self.filter(is_active=True)

    def search(self, text: str) -> OrganizationQuerySet:
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(full_name__icontains=text) | Q(short_name__icontains=text) | Q(code__iexact=text)
        )

    def with_member_counts(self) -> OrganizationQuerySet:
        return self.annotate(
            member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
            full_member_count=Count(
                "members",
                filter=Q(members__is_active=True, members__status="full"),
                distinct=True,
            ),
        )


# A class built at run time, which mypy cannot follow as a base (its methods are Any).
class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> OrganizationQuerySet:
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    full_name = models.CharField(
        _("full name"), max_length=200, help_text=_("As on the seal: 中共 + unit + kind.")
    )
    short_name = models.CharField(_("short name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    founding_document = models.CharField(_("founding document number"), max_length=100, blank=True)
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    # Encrypted at rest (portal/core/crypto.py), like every phone and ID number.
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True)
    is_weak = models.BooleanField(_("weak and lax"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    enterprises: models.ManyToManyField[Enterprise, Any] = models.ManyToManyField(
        "Enterprise", blank=True, related_name="organizations", verbose_name=_("host enterprises")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["numchild", "path", "depth", "created_at", "updated_at"]
    )

    node_order_by = ["code"]
    objects: ClassVar[OrganizationManager] = OrganizationManager()
    # Who made the change, read by simple_history when the next save() writes a row.
    _history_user: User | None

    class Meta:
        verbose_name = _("Party organization")
        verbose_name_plural = _("Party organizations")
        ordering = ["path"]
        permissions = [
            ("record_organization", "Create and edit the organization's records"),
            ("submit_organization", "Submit the organization's materials for review"),
            ("review_organization", "Approve or return the organization's materials"),
            ("view_personal_data", "See unmasked ID numbers and phone numbers"),
            ("manage_accounts", "Manage accounts and roles in the subtree"),
            ("manage_organizations", "Maintain the organization tree in the subtree"),
            ("download_reports", "Download reports"),
            ("compile_bulletins", "Select reports sent upward and compile bulletins"),
        ]
        indexes = [
            # Subtree scope: `path LIKE 'xxxx%'` on PostgreSQL needs pattern ops
            # (the unique index uses the database collation). Used by in_subtree() and
            # every visible_to() filter.
            models.Index(
                fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["kind"], name="org_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.full_name

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", args=[self.pk])

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of the node and its ancestors, computed without a query."""
        step = self.steplen
        return [self.path[:i] for i in range(step, len(self.path) + 1, step)]

    def size_warning(self, full_members: int) -> str:
        minimum = MIN_FULL_MEMBERS.get(self.kind)
        if minimum is not None and full_members < minimum:
            return _(
                "A %(kind)s usually has at least %(min)d full members; this one has %(n)d."
            ) % {
                "kind": self.get_kind_display(),
                "min": minimum,
                "n": full_members,
            }
        return ""


class EnterpriseType(models.TextChoices):
    COMPANY = "company", _("legal-person company")
    PARTNERSHIP = "partnership", _("partnership")
    SOLE = "sole", _("sole proprietorship")
    INDIVIDUAL = "individual", _("individual business")
    COOPERATIVE = "cooperative", _("farmers' cooperative")


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def under_paths(self, paths: list[str] | set[str]) -> EnterpriseQuerySet:
        """Enterprises hosting, or attached to, an organization under one of the paths."""
        if not paths:
            return self.none()
        q = Q()
        for p in sorted(paths):
            q |= Q(organizations__path__startswith=p) | Q(attached_to__path__startswith=p)
        ids = self.model.objects.filter(q).values("pk")
        return self.filter(pk__in=ids)

    def search(self, text: str) -> EnterpriseQuerySet:
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(credit_code__iexact=normalize_code(text)))

    def without_organization(self) -> EnterpriseQuerySet:
        """Enterprises that host no Party organization (docs/product.md §3): their
        members are on the roster of the organization they are attached to."""
        hosted = Organization.enterprises.through.objects.filter(
            enterprise_id=models.OuterRef("pk")
        )
        return self.filter(~models.Exists(hosted))


class Enterprise(models.Model):
    # The reverse of Organization.enterprises, which mypy's Django plugin does not
    # derive (the relation starts from a treebeard node).
    organizations: ManyRelatedManager[Organization, Any]

    name = models.CharField(pgettext_lazy("enterprise", "name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    enterprise_type = models.CharField(
        _("enterprise type"), max_length=20, choices=EnterpriseType.choices
    )
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    legal_rep_is_member = models.BooleanField(_("legal representative is a member"), default=False)
    investor_is_member = models.BooleanField(_("an investor is a member"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    attached_to = models.ForeignKey(
        Organization,
        verbose_name=_("attached to (no own organization)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attached_enterprises",
        help_text=_(
            "For an enterprise without its own organization: the park, village or community organization nearby."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"], m2m_fields=[])
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:enterprise_detail", args=[self.pk])

    def clean(self) -> None:
        self.credit_code = normalize_code(self.credit_code)


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("probationary member")
    FULL = "full", _("full member")


class Education(models.TextChoices):
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary")
    SENIOR = "senior", _("senior secondary / technical")
    COLLEGE = "college", _("junior college")
    BACHELOR = "bachelor", _("bachelor's degree")
    MASTER = "master", _("master's degree or above")


class PartyPost(models.TextChoices):
    NONE = "", _("none")
    SECRETARY = "secretary", _("secretary")
    DEPUTY = "deputy", _("deputy secretary")
    COMMITTEE = "committee", _("committee member")


class MobileDirection(models.TextChoices):
    NONE = "", _("not mobile")
    OUTFLOW = "outflow", _("outflow")
    INFLOW = "inflow", _("inflow")


class LostContactKind(models.TextChoices):
    """The standard codes of how a member lost contact with the organization (the
    national roster check's 失去联系情形); "other" is explained in words."""

    NONE = "", "—"
    MIGRANT_WORK = "migrant_work", _("went away for work or business")
    RESTRUCTURED = "restructured", _("employer restructured or bankrupt")
    AFTER_GRADUATION = "graduated", _("whereabouts unknown after graduation")
    CHANGED_EMPLOYER = "changed_employer", _("changed employer")
    ABROAD = "abroad", _("went abroad")
    MOVED = "moved", _("moved house")
    OTHER = "other", pgettext_lazy("lost contact", "other")


class MemberQuerySet(models.QuerySet["Member"]):
    def under_paths(self, paths: list[str] | set[str]) -> MemberQuerySet:
        if not paths:
            return self.none()
        q = Q()
        for p in sorted(paths):
            q |= Q(organization__path__startswith=p)
        return self.filter(q)

    def in_subtree(self, org: Organization) -> MemberQuerySet:
        return self.filter(organization__path__startswith=org.path)

    def active(self) -> MemberQuerySet:
        return self.filter(is_active=True)

    def search(self, text: str) -> MemberQuerySet:
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(id_number=normalize_code(text)))


class Member(models.Model):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Encrypted at rest; unique and searched through its keyed hash (portal/core/fields.py:
    # filter(id_number=...) is answered from id_number_hash).
    id_number = EncryptedCharField(
        _("citizen ID number"), max_length=18, validators=[validate_citizen_id], hash_kind="id"
    )
    id_number_hash = BlindIndexField(source="id_number", unique=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    native_place = models.CharField(
        _("native place"), max_length=60, blank=True, help_text=_("For example 江苏南京.")
    )
    started_work_on = models.DateField(_("started work on"), null=True, blank=True)
    joined_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    full_member_on = models.DateField(_("made full member on"), null=True, blank=True)
    status = models.CharField(
        _("membership"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("The enterprise the member works in (needed for joint branches)."),
    )
    post = models.CharField(_("job post"), max_length=60, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    party_post = models.CharField(
        _("Party post"), max_length=20, choices=PartyPost.choices, blank=True, default=""
    )
    is_investor = models.BooleanField(_("investor member"), default=False)
    is_pocket = models.BooleanField(_('"pocket" member'), default=False)
    mobile = models.CharField(
        _("mobile member"), max_length=10, choices=MobileDirection.choices, blank=True, default=""
    )
    mobile_organization = models.CharField(
        _("outflow / inflow organization"), max_length=200, blank=True
    )
    lost_contact = models.BooleanField(_("lost contact"), default=False)
    lost_contact_kind = models.CharField(
        _("how contact was lost"),
        max_length=20,
        choices=LostContactKind.choices,
        blank=True,
        default="",
    )
    lost_contact_reason = models.CharField(
        _("reason for lost contact"),
        max_length=200,
        blank=True,
        help_text=_("Required when the reason is “other”."),
    )
    is_active = models.BooleanField(_("on the roster"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organization__path", "name", "pk"]
        indexes = [
            # Member list of one organization, ordered by name (organization detail page).
            models.Index(fields=["organization", "name"], name="member_org_name_idx"),
        ]
        constraints = [
            CheckConstraint(
                condition=Q(mobile="") | ~Q(mobile_organization=""),
                name="member_mobile_needs_organization",
                violation_error_message=_(
                    "A mobile member needs the outflow or inflow organization."
                ),
            ),
            CheckConstraint(
                condition=Q(lost_contact=False) | ~Q(lost_contact_kind=""),
                name="member_lost_contact_needs_kind",
                violation_error_message=_("Give the reason for lost contact."),
            ),
            CheckConstraint(
                condition=~Q(lost_contact_kind=LostContactKind.OTHER) | ~Q(lost_contact_reason=""),
                name="member_lost_contact_other_needs_text",
                violation_error_message=_("Say in words why contact was lost."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:member_detail", args=[self.pk])

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        self.id_number = normalize_code(self.id_number)
        errors: dict[str, str | Promise] = {}
        if self.mobile and not self.mobile_organization:
            errors["mobile_organization"] = _(
                "A mobile member needs the outflow or inflow organization."
            )
        if not self.lost_contact:
            self.lost_contact_kind = LostContactKind.NONE
        elif not self.lost_contact_kind:
            errors["lost_contact_kind"] = _("Give the reason for lost contact.")
        elif self.lost_contact_kind == LostContactKind.OTHER and not self.lost_contact_reason:
            errors["lost_contact_reason"] = _("Say in words why contact was lost.")
        if self.birth_date and self.joined_on and age_on(self.birth_date, self.joined_on) < 18:
            errors["joined_on"] = _("A member joins the Party at 18 or older.")
        if self.joined_on and self.full_member_on and self.full_member_on < self.joined_on:
            errors["full_member_on"] = _("A member cannot become a full member before joining.")
        if errors:
            raise ValidationError(errors)

    def validate_unique(self, exclude: Collection[str] | None = None) -> None:
        """The ID number is unique through its keyed hash (the encrypted column differs
        for equal values): the duplicate is reported on the ID number itself."""
        from django.core.exceptions import ValidationError

        exclude = {*(exclude or ()), "id_number_hash"}
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "id_number" not in exclude and self.id_number:
            taken = Member.objects.filter(id_number=self.id_number)
            if self.pk is not None:
                taken = taken.exclude(pk=self.pk)
            if taken.exists():
                errors.setdefault("id_number", []).append(
                    ValidationError(
                        _("A member with this citizen ID number already exists."),
                        code="unique",
                    )
                )
        if errors:
            raise ValidationError(errors)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class MemberTransfer(models.Model):
    """A member's move between organizations; the roster keeps the full history."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("member move", "from"),
    )
    to_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("member move", "to"),
    )
    moved_on = models.DateField(_("moved on"), default=timezone.localdate)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Blank for transfers made by the system (imports run as a task, seed data).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member transfer")
        verbose_name_plural = _("member transfers")
        ordering = ["-moved_on", "-pk"]
        constraints = [
            CheckConstraint(
                condition=~Q(from_organization=models.F("to_organization")),
                name="transfer_changes_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.from_organization} → {self.to_organization} ({self.moved_on})"


class ImportJob(models.Model):
    """One uploaded spreadsheet, from the preview to the import (organizations/imports/).

    The file is kept in the default storage under imports/<uuid>, never served by URL,
    and deleted when the job ends. `errors` holds {row, column, message} in the
    uploader's language; `summary` the counts and the preview rows. Large files are
    processed by organizations.tasks.run_import_job, which moves `progress` to 100.
    """

    class Kind(models.TextChoices):
        MEMBERS = "members", _("members")
        ORGANIZATIONS = "organizations", _("Party organizations")
        ENTERPRISES = "enterprises", _("enterprises")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("ready to import")
        REJECTED = "rejected", _("has errors")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    # The only legal moves; `transition()` refuses any other. UPLOADED → FAILED: the
    # background worker could not be reached. CHECKED → EXPIRED: never confirmed, its
    # file (personal data) deleted after IMPORT_KEEP_HOURS.
    TRANSITIONS: dict[str, set[str]] = {
        Status.UPLOADED: {Status.CHECKING, Status.FAILED},
        # CHECKING → UPLOADED: the check's worker died; organizations.imports.services.
        # resend_imports runs it again.
        Status.CHECKING: {Status.CHECKED, Status.REJECTED, Status.FAILED, Status.UPLOADED},
        Status.CHECKED: {Status.IMPORTING, Status.EXPIRED},
        Status.IMPORTING: {Status.DONE, Status.REJECTED, Status.FAILED},
    }
    RUNNING = {Status.UPLOADED, Status.CHECKING, Status.IMPORTING}

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("default organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Rows that name no organization go here."),
    )
    file_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=200)
    file_format = models.CharField(max_length=4, choices=[("xlsx", "xlsx"), ("csv", "csv")])
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    total_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Background steps (organizations/imports/services.py, resend_imports): when the
    # step's task reached the broker, how many times a step started, and the heartbeat
    # of the step running now (a job whose heartbeat stopped lost its worker).
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # "Your recent imports" on the import index page.
            models.Index(fields=["user", "-created_at"], name="importjob_user_recent_idx"),
            # import_jobs_expire(): checked previews older than the keep time.
            models.Index(fields=["status", "created_at"], name="importjob_status_age_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("io:job", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def looks_stuck(self) -> bool:
        """Running, and nothing heard of it for a while: the page offers "Try again"
        (organizations.imports.services.import_job_retry)."""
        from .imports.services import stuck_since

        return self.is_running and stuck_since(self) is not None

    def transition(self, to: str, *, save_fields: tuple[str, ...] | list[str] = ()) -> None:
        """Move to `to` if the table allows it and nobody moved the job meanwhile (a
        conditional UPDATE, so a double-clicked confirm imports once). Raises
        ValidationError otherwise."""
        from django.core.exceptions import ValidationError

        if to not in self.TRANSITIONS.get(self.status, set()):
            raise ValidationError(
                _("This import cannot go from “%(from)s” to “%(to)s”.")
                % {"from": self.get_status_display(), "to": self.Status(to).label}
            )
        values = {name: getattr(self, name) for name in save_fields}
        moved = ImportJob.objects.filter(pk=self.pk, status=self.status).update(status=to, **values)
        if not moved:
            raise ValidationError(_("This import changed meanwhile; reload the page."))
        self.status = to


class CommitteeRole(models.TextChoices):
    """Posts of a branch (general branch, committee) committee."""

    SECRETARY = "secretary", _("secretary")
    DEPUTY = "deputy", _("deputy secretary")
    ORGANIZATION = "organization", _("organization committee member")
    PROPAGANDA = "propaganda", _("propaganda committee member")
    DISCIPLINE = "discipline", _("discipline inspection committee member")
    YOUTH = "youth", _("youth committee member")
    OTHER = "other", _("committee member")


_Dated = TypeVar("_Dated", bound=models.Model)


class DatedQuerySet(models.QuerySet[_Dated]):
    def current_on(self, day: dt.date) -> DatedQuerySet[_Dated]:
        """Rows in force on `day`: begun by then and not ended before it."""
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class CommitteePost(models.Model):
    """A member's post on the organization's committee from `starts_on` to `ends_on`
    (open: still holding it). Who is expected at a branch committee meeting."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="committee_posts",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="committee_posts"
    )
    role = models.CharField(_("post"), max_length=20, choices=CommitteeRole.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True, help_text=_("Empty: still held."))

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee post")
        verbose_name_plural = _("committee posts")
        ordering = ["organization", "role", "starts_on", "pk"]
        constraints = [
            CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="committee_post_dates_ordered",
            )
        ]
        indexes = [
            # The committee of one organization on a day (meeting_create, the page).
            models.Index(fields=["organization", "starts_on"], name="committee_post_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_role_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A post cannot end before it starts.")})
        if (
            self.member_id
            and self.organization_id
            and self.member.organization_id != (self.organization_id)
        ):
            raise ValidationError({"member": _("Pick a member of this organization.")})


class PartyGroup(models.Model):
    """A Party group (党小组) of the organization, from `starts_on` to `ends_on`, with its
    members: who is expected at its Party group meetings."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="party_groups",
    )
    name = models.CharField(pgettext_lazy("party group", "name"), max_length=60)
    leader = models.ForeignKey(
        Member,
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        Member, verbose_name=_("members"), related_name="party_groups", blank=True
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True, help_text=_("Empty: still held."))

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party group")
        verbose_name_plural = _("Party groups")
        ordering = ["organization", "name", "pk"]
        constraints = [
            CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="party_group_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name
