"""Data builders for the opinion and suggestion-box tests (test_opinions*.py,
test_public_box*.py)."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from activities.models import (
    AddressedTo,
    Campaign,
    Opinion,
    OpinionChannel,
    OpinionEvent,
    OpinionSource,
    OpinionStatus,
    ProblemCategory,
    SuggestionBox,
)
from activities.seed import ensure_campaign_2014
from tests.conftest import World


def campaigns_for(world: World) -> tuple[Campaign, Campaign]:
    """The 2014 campaign led by the test county, and one led by the other county."""
    return ensure_campaign_2014(world.county), ensure_campaign_2014(world.other_county)


def first_category(campaign: Campaign) -> ProblemCategory:
    return ProblemCategory.objects.filter(campaign=campaign).order_by("order", "pk").first()


class OpinionFactory(DjangoModelFactory):
    """An opinion in a given status, written directly (with its events) for page tests;
    the services are tested on their own."""

    class Meta:
        model = Opinion

    organization = None
    campaign = None
    source = OpinionSource.FRONTLINE
    channel = OpinionChannel.FACE_TO_FACE
    addressed_to = AddressedTo.TEAM
    content = factory.Sequence(lambda n: f"食堂饭菜价格偏高，建议改进 {n}")
    is_anonymous = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Opinion:
        status = kwargs.get("status", OpinionStatus.RECEIVED)
        if status != OpinionStatus.RECEIVED and not kwargs.get("category"):
            kwargs["category"] = first_category(kwargs["campaign"])
        if kwargs.get("submitter_name") or kwargs.get("submitter_contact"):
            kwargs["is_anonymous"] = False
        opinion = super()._create(model_class, *args, **kwargs)
        OpinionEvent.objects.create(opinion=opinion, to_status=OpinionStatus.RECEIVED)
        if status != OpinionStatus.RECEIVED:
            OpinionEvent.objects.create(
                opinion=opinion, from_status=OpinionStatus.RECEIVED, to_status=status
            )
        return opinion


def answered_kwargs(text: str = "已调整食堂价格") -> dict[str, Any]:
    from django.utils import timezone

    return {"status": OpinionStatus.ANSWERED, "answer_text": text, "answered_at": timezone.now()}


def make_box(org: Any, **kwargs: Any) -> SuggestionBox:
    return SuggestionBox.objects.create(organization=org, **kwargs)
