"""reverse() remembered (portal/core/reversing.py) gives Django's answer exactly, in
Python and through `{% url %}`, and forgets it when the URL patterns change."""

from __future__ import annotations

import enum

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse
from django.utils.safestring import mark_safe

from portal.core import reversing
from portal.core.reversing import cached_reverse
from portal.core.templatetags.cached_url import CachedURLNode


def _view(request):  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [path("elsewhere/<int:pk>/", _view, name="grid")]


class Colour(enum.IntEnum):
    RED = 3


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("core:home", (), {}),
        ("progress:grid", (12,), {}),
        ("progress:grid", ("12",), {}),
        ("progress:checklist_campaign", (3, 4), {}),
        ("progress:grid", (), {"org_pk": 5}),
        (mark_safe("progress:grid"), (mark_safe("7"),), {}),
    ],
)
def test_the_same_answer_as_reverse(name, args, kwargs):
    for _ in range(2):  # computed, then remembered
        assert cached_reverse(name, args=args, kwargs=kwargs) == reverse(
            name, args=args, kwargs=kwargs
        )


def test_bools_and_enums_are_not_taken_for_ints():
    assert cached_reverse("progress:grid", args=[1]) == reverse("progress:grid", args=[1])
    with pytest.raises(NoReverseMatch):
        cached_reverse("progress:grid", args=[True])  # "True" is no <int:…>
    assert cached_reverse("progress:grid", args=[Colour.RED]) == reverse(
        "progress:grid", args=[Colour.RED]
    )


def test_a_missing_name_raises_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            cached_reverse("progress:no-such-page")


def test_other_url_patterns_give_other_answers():
    before = cached_reverse("progress:grid", args=[9])
    with override_settings(ROOT_URLCONF=__name__):
        assert cached_reverse("grid", args=[9]) == "/elsewhere/9/"
        with pytest.raises(NoReverseMatch):
            cached_reverse("progress:grid", args=[9])
    assert cached_reverse("progress:grid", args=[9]) == before
    reversing.clear()
    assert cached_reverse("progress:grid", args=[9]) == before


TEMPLATE = (
    "{% url 'core:home' %}|{% url 'progress:grid' pk %}|{% url name pk %}|"
    "{% url 'progress:grid' org_pk=pk %}|{% url 'progress:grid' pk as there %}[{{ there }}]|"
    "{% url 'no-such-page' as nowhere %}[{{ nowhere }}]"
)


@pytest.mark.parametrize("pk", [1, 42, "7", mark_safe("8")])
def test_the_url_tag_renders_as_django_s(pk):
    ours = engines["django"].from_string(TEMPLATE)
    assert any(isinstance(node, CachedURLNode) for node in ours.template.nodelist)
    django_s = Engine(libraries={}, builtins=[]).from_string(TEMPLATE)
    assert not any(isinstance(node, CachedURLNode) for node in django_s.nodelist)
    context = {"pk": pk, "name": "progress:grid"}
    for _ in range(2):
        assert ours.render(context) == django_s.render(Context(context))


def test_the_url_tag_still_raises_without_as():
    template = engines["django"].from_string("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        template.render({})
