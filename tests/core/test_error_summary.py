"""The error summary of a rejected form (portal/core/templatetags/error_summary.py):
at the top, one link per field in error, once per form, on every form rendered with
includes/form_fields.html."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from tests.activities.factories import campaign_for, members
from tests.utils import client_for

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    name = forms.CharField(label="Name")
    age = forms.IntegerField(label="Age")

    def clean(self):
        raise forms.ValidationError("Something as a whole is wrong.")


def test_every_form_rendered_with_the_shared_fields_gets_a_summary_with_links() -> None:
    form = _Form({"name": "", "age": "x"})
    html = Template('{% include "includes/form_fields.html" %}').render(Context({"form": form}))
    summary = html[: html.index('class="field')]
    assert 'role="alert"' in summary and "data-error-summary" in summary
    assert 'href="#id_name"' in summary and 'href="#id_age"' in summary
    assert "Something as a whole is wrong." in summary
    assert html.count("data-error-summary") == 1


def test_an_unbound_or_valid_form_has_no_summary() -> None:
    html = Template('{% include "includes/form_fields.html" %}').render(Context({"form": _Form()}))
    assert "data-error-summary" not in html


def test_a_page_of_several_forms_has_one_summary_naming_the_missing_reason(world) -> None:
    campaign = campaign_for(world)
    absent = members(world.child, 1)[0]
    response = client_for(world, "secretary").post(
        reverse("activities:meeting_create", args=[world.child.pk]),
        {"kind": "mobilization", "topic": "动员大会", "campaign": campaign.pk,
         "starts_at": "2014-04-10T09:00", "ends_at": "2014-04-10T11:00", "place": "会议室"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip
    html = response.content.decode()
    assert html.count("data-error-summary") == 1
    summary = re.search(r"<div class=\"error-summary\".*?</div>", html, re.S).group(0)
    assert f'href="#id_roll-reason_{absent.pk}"' in summary
    assert absent.name in summary  # which member's reason is missing
    # The summary comes before the first field of the form.
    assert html.index("data-error-summary") < html.index('id="id_kind"')
