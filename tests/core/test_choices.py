"""A required drop-down offers "请选择" (Choose…) as its empty option, not "---------";
optional ones and radio buttons keep theirs (portal/core/choices.py)."""

from __future__ import annotations

from django import forms
from django.utils import translation

from organizations.models import CommitteePost


class _Form(forms.Form):
    required = forms.ChoiceField(choices=[("", "---------"), ("a", "A")])
    optional = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)
    radio = forms.ChoiceField(
        choices=[("", "---------"), ("a", "A")], widget=forms.RadioSelect, required=True
    )


class _PostForm(forms.ModelForm):
    class Meta:
        model = CommitteePost
        fields = ["role", "starts_on"]


def test_a_required_select_says_choose_in_chinese_and_english() -> None:
    with translation.override("zh-hans"):
        html = str(_Form()["required"])
        assert '<option value="" selected>请选择</option>' in html
        assert "---------" not in html
    with translation.override("en"):
        assert '<option value="" selected>Choose…</option>' in str(_Form()["required"])


def test_optional_selects_and_radio_buttons_keep_their_empty_choice() -> None:
    form = _Form()
    assert '<option value="" selected>---------</option>' in str(form["optional"])
    assert "Choose" not in str(form["radio"])


def test_a_model_forms_required_choice_and_its_dated_labels_read_in_chinese() -> None:
    with translation.override("zh-hans"):
        form = _PostForm()
        assert '<option value="" selected>请选择</option>' in str(form["role"])
        assert form["starts_on"].label == "起始日期"
