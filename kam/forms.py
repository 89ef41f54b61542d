"""Form plumbing every app's pages share: service errors beside fields, an ISO date widget,
ids that fit the database, and a multiple select for thousands of options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

T = TypeVar("T", bound=Model)  # what a service saved

# type=date inputs take and give ISO dates whatever the language (Russian would be 31.12.2025).
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, error: ValidationError, aliases=None) -> None:
    """Put a service's ValidationError beside the fields it names (others on top)."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def save_with(form: forms.BaseForm, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call `service(**kwargs, **form.cleaned_data)`. If it refuses (ValidationError), its
    messages go beside the form's fields and None comes back: the page shows the form again
    with what was typed."""
    try:
        return service(**kwargs, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


class ServiceModelForm(forms.ModelForm):
    """A ModelForm that leaves whole-row validation (cycles, constraints) to the service it
    feeds, instead of running the model's full_clean twice."""

    def _post_clean(self):
        pass


def parse_id(value) -> int | None:
    """`value` (a query parameter, a posted choice) as a database id: a whole number that
    fits 64 bits, else None. A longer one would fail in the database (SQLite: a 500)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number < 2**63 else None


class ModelMultipleIdsField(forms.ModelMultipleChoiceField):
    """Refuses an id past 64 bits as a bad choice: the database would fail on it (a 500)."""

    def _check_values(self, value):
        for pk in value:
            digits = str(pk).strip().removeprefix("-")
            if digits.isascii() and digits.isdigit() and parse_id(digits) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]  # Django's; not in the stubs


class LongSelectMultiple(forms.SelectMultiple):
    """A multiple select for thousands of options (a head's 5 000 accounts), written out in
    Python: Django renders each option through a template, ~60 µs apiece (300 ms a page).
    The same HTML as `SelectMultiple` for flat choices (a test compares them)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{} multiple>{}</select>', name, flatatt(final_attrs), options
        )


class _ChoicesInPython:
    """RadioSelect / CheckboxSelectMultiple written out in Python for flat choices: Django
    renders each option through three templates (~0.15 ms apiece), which was most of the
    account page's quick-log form. Same HTML as Django's widget (a test compares them);
    grouped choices fall back to Django's templates."""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)  # type: ignore[attr-defined]
        widget = context["widget"]
        groups = widget["optgroups"]
        if any(group for group, _options, _index in groups):
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        options = format_html_join(
            "",
            '<div><label{}><input type="{}" name="{}"{}{}> {}</label></div>',
            (
                (
                    format_html(' for="{}"', option["attrs"]["id"])
                    if option["attrs"].get("id")
                    else "",
                    option["type"],
                    option["name"],
                    format_html(' value="{}"', str(option["value"]))
                    if option["value"] is not None
                    else "",
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for _group, group_options, _index in groups
                for option in group_options
            ),
        )
        outer = widget["attrs"]
        return format_html(
            "<div{}{}>{}</div>",
            format_html(' id="{}"', outer["id"]) if outer.get("id") else "",
            format_html(' class="{}"', outer["class"]) if outer.get("class") else "",
            options,
        )


class FastRadioSelect(_ChoicesInPython, forms.RadioSelect):
    pass


class FastCheckboxSelectMultiple(_ChoicesInPython, forms.CheckboxSelectMultiple):
    pass
