# Register your models here.

# --- standards checklists and pledges (docs/product.md §6.3): the site administrator manages the
# checklist templates (items, points, check method, evidence, pass rule, campaigns). ---
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.utils.translation import gettext_lazy as _

from activities.models import Campaign

from .models import (
    AssessmentEntry,
    Pledge,
    PledgeBoard,
    StandardAssessment,
    StandardItem,
    StandardTemplate,
)


class StandardItemInline(admin.TabularInline):
    model = StandardItem
    extra = 0
    fields = [
        "order",
        "name_zh",
        "name_en",
        "points",
        "check_method",
        "evidence_required_zh",
        "evidence_required_en",
    ]


class StandardTemplateAdminForm(forms.ModelForm):
    """The "campaigns" field lists and keeps every campaign, drafts included
    (`Campaign.all_objects`): the relation's own manager reads `Campaign.objects`, which
    holds the open campaigns only, so a draft's link would neither show nor be removed."""

    campaigns = forms.ModelMultipleChoiceField(
        label=_("campaigns"),
        queryset=Campaign.all_objects.order_by("-starts_on", "pk"),
        required=False,
        widget=FilteredSelectMultiple(_("campaigns"), is_stacked=False),
        help_text=_("The campaigns whose organizations assess themselves against it."),
    )

    class Meta:
        model = StandardTemplate
        fields = [
            "name_zh",
            "name_en",
            "code",
            "version",
            "description_zh",
            "description_en",
            "pass_rule",
            "pass_score",
            "star_thresholds",
            "is_active",
            "campaigns",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "campaigns" not in (kwargs.get("initial") or {}):
            self.initial["campaigns"] = list(
                Campaign.all_objects.filter(standard_templates=self.instance).values_list(
                    "pk", flat=True
                )
            )

    def _save_m2m(self) -> None:
        chosen = self.cleaned_data.pop("campaigns", None)
        super()._save_m2m()  # type: ignore[misc]  # Django's, missing from the stubs
        if chosen is None:
            return
        links = StandardTemplate.campaigns.through.objects.filter(standardtemplate=self.instance)
        links.exclude(campaign__in=chosen).delete()
        self.instance.campaigns.add(*chosen)


@admin.register(StandardTemplate)
class StandardTemplateAdmin(admin.ModelAdmin):
    form = StandardTemplateAdminForm
    list_display = ["name_zh", "name_en", "code", "version", "pass_rule", "is_active"]
    list_filter = ["pass_rule", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [StandardItemInline]


class AssessmentEntryInline(admin.TabularInline):
    model = AssessmentEntry
    extra = 0
    can_delete = False
    readonly_fields = (
        "item",
        "self_met",
        "self_score",
        "reviewer_met",
        "reviewer_score",
        "reviewed_by",
    )
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(StandardAssessment)
class StandardAssessmentAdmin(admin.ModelAdmin):
    """Read-mostly: assessments change through the pages and the review workflow."""

    list_display = [
        "template",
        "organization",
        "campaign",
        "review_status",
        "result_met",
        "result_score",
    ]
    list_filter = ["review_status", "template", "campaign"]
    raw_id_fields = ["organization"]
    readonly_fields = ["organization", "campaign", "template"]
    inlines = [AssessmentEntryInline]


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ["member", "organization", "campaign", "status", "made_public_on"]
    list_filter = ["status", "campaign"]
    raw_id_fields = ["member", "organization"]
    search_fields = ["member__name"]


@admin.register(PledgeBoard)
class PledgeBoardAdmin(admin.ModelAdmin):
    list_display = ["organization", "created_at"]
    raw_id_fields = ["organization", "created_by"]
    readonly_fields = ["token"]


# --- working mechanisms (docs/product.md §6.3): the site administrator maintains the kinds the
# register expects (the six are seeded); the ledger of reminders sent is read-only. ---
from .models import MechanismKind, ReminderSent  # noqa: E402


@admin.register(MechanismKind)
class MechanismKindAdmin(admin.ModelAdmin):
    list_display = ["order", "name_zh", "name_en", "code"]
    list_display_links = ["name_zh"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["order", "pk"]


@admin.register(ReminderSent)
class ReminderSentAdmin(admin.ModelAdmin):
    """What the daily reminder job sent, to whom and when (rectification/reminders.py)."""

    list_display = ["sent_on", "recipient", "key"]
    list_filter = ["sent_on"]
    search_fields = ["key", "recipient__username"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# --- the satisfaction evaluation (docs/product.md §6.5): the campaign's questions are edited
# here; ballots are read only in aggregate, on the organization's page. ---
from .models import SatisfactionQuestion, SatisfactionSurvey  # noqa: E402


@admin.register(SatisfactionQuestion)
class SatisfactionQuestionAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "campaign", "code", "order", "is_overall"]
    list_filter = ["campaign", "is_overall"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["campaign", "order"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ["organization", "campaign", "mode", "max_ballots", "is_open", "created_at"]
    list_filter = ["campaign", "mode", "is_open"]
    search_fields = ["organization__full_name", "organization__short_name"]
    raw_id_fields = ["organization"]
    readonly_fields = ["token", "created_by", "created_at"]
