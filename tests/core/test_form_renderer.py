"""The form renderer's widgets without templates (portal/core/form_renderer.py) give
the markup of Django's templates exactly, and are used for the plain widgets."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal.core import form_renderer
from portal.core.form_renderer import FormRenderer

TRICKY = ["", "plain", 'a "quoted" <b>&amp;</b>', "中文 ‘引号’", "  spaced  ", "line\nbreak"]
VALUES: list[Any] = [None, *TRICKY, 0, 7, 2.5, mark_safe("<i>safe</i>"), gettext_lazy("Name")]
ATTRS: list[dict[str, Any]] = [
    {},
    {"class": "wide", "required": True, "disabled": False},
    {"data-present": "", "placeholder": gettext_lazy("Reason for absence"), "maxlength": 200},
    {"title": 'x"<y>&', "step": 0.5, "data-safe": mark_safe("<b>")},
]
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.Textarea,
]
CHOICES: list[Any] = [
    [("", "---------"), ("a", "Alpha & <beta>"), ("b", gettext_lazy("Name"))],
    [(1, "one"), (2, "two"), (3, mark_safe("<em>three</em>"))],
    [("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Zed"), (gettext_lazy("Name"), [("w", "W")])],
    [("n", 5), ("m", 2.5)],  # number labels: through the template (localized there)
    [],
]


def both(widget: forms.Widget, name: str, value: Any) -> tuple[str, str]:
    return (
        widget.render(name, value, renderer=DjangoTemplates()),
        widget.render(name, value, renderer=FormRenderer()),
    )


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("attrs", ATTRS)
def test_inputs_and_textareas_match_the_templates(widget_class, attrs):
    for value in VALUES:
        expected, fast = both(widget_class(attrs=attrs), "f<&>", value)
        assert fast == expected, (value, attrs)


@pytest.mark.parametrize("attrs", ATTRS)
def test_checkboxes_match_the_templates(attrs):
    for value in (True, False, None, "", "on", "yes"):
        expected, fast = both(forms.CheckboxInput(attrs=attrs), "present_1", value)
        assert fast == expected, (value, attrs)


@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("attrs", ATTRS[:3])
def test_selects_match_the_templates(choices, attrs):
    for value in (None, "", "a", "x", 2, "w", "n"):
        widget = forms.Select(attrs=attrs, choices=choices)
        expected, fast = both(widget, "kind", value)
        assert fast == expected, (value, choices)


def test_a_whole_form_renders_as_with_the_templates():
    class Form(forms.Form):
        title = forms.CharField(max_length=20, help_text="<b>help</b>")
        count = forms.IntegerField(initial=3)
        when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], initial="b")
        body = forms.CharField(widget=forms.Textarea, initial="x < y")
        ok = forms.BooleanField(initial=True, required=False)
        many = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two")], required=False)
        files = forms.FileField(required=False)

    bound = Form({"title": 'a"b', "count": "x", "kind": "a", "many": ["2"]})
    for form in (Form(), bound):
        form.default_renderer = DjangoTemplates()
        expected = str(form)
        form.renderer = FormRenderer()
        assert str(form) == expected


def test_the_plain_widgets_skip_the_template_engine(monkeypatch):
    loaded: list[str] = []
    original = DjangoTemplates.get_template

    def get_template(self, name):
        loaded.append(name)
        return original(self, name)

    monkeypatch.setattr(DjangoTemplates, "get_template", get_template)
    renderer = FormRenderer()
    forms.TextInput().render("a", "b", renderer=renderer)
    forms.CheckboxInput().render("c", True, renderer=renderer)
    forms.Select(choices=[("a", "A")]).render("d", "a", renderer=renderer)
    forms.Textarea().render("e", "f", renderer=renderer)
    assert loaded == []
    # A widget the module does not write out still renders through its template.
    forms.CheckboxSelectMultiple(choices=[("a", "A")]).render("g", ["a"], renderer=renderer)
    assert loaded


def test_settings_use_it(settings):
    assert settings.FORM_RENDERER == "portal.core.form_renderer.FormRenderer"
    assert "django/forms/widgets/select.html" in form_renderer.FAST
