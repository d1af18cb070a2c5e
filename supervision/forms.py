"""Forms shared by every area, and the helpers templates write forms and links with."""

from __future__ import annotations

import wtforms
from flask import current_app, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import bindparam
from wtforms import widgets
from wtforms.fields.choices import SelectChoice

from supervision.extensions import db
from supervision.models import User


class EmptyForm(FlaskForm):
    """A one-click button's form: it carries the CSRF token and nothing else."""


_ACTIVE_STAFF = (db.select(User.id, User.name).where(User.team_id == bindparam("team_id"), User.active.is_(True))
                 .order_by(User.name))  # built once: many forms ask for it


def staff_choices(team_id: int, blank: str | None = None) -> list[SelectChoice]:
    """The team's active staff for a select box; `blank` names the "nobody" choice (value 0)."""
    people = db.session.execute(_ACTIVE_STAFF, {"team_id": team_id})
    choices = [SelectChoice(user_id, name) for user_id, name in people]
    return [SelectChoice(0, blank), *choices] if blank else choices


# --- fields, rendered fast --------------------------------------------------------------------------
# The session editor and the genogram editor show dozens of fields and hundreds of one-click buttons.
# WTForms writes each attribute through Markup.format, about 50 µs a field: most of those pages' time.
# These write the same HTML directly, every value escaped (tests/test_forms_html.py holds them to
# WTForms' own output for every field of every form). Widgets not listed here are drawn by WTForms.

def attributes(**attrs) -> str:
    """WTForms' html_params: sorted, `class_` for class, True a bare attribute, False left out."""
    parts = []
    for key in sorted(attrs):
        value = attrs[key]
        if value is False:
            continue
        name = key.rstrip("_")
        if name.startswith(("data_", "aria_")):
            name = name.replace("_", "-")
        parts.append(name if value is True else f'{name}="{escape(value)}"')
    return " ".join(parts)


def _validation(field, widget, attrs: dict) -> dict:
    """The attributes the field's validators set (required, maxlength…), as its widget adds them."""
    for name, value in vars(field.flags).items():
        if name in widget.validation_attrs and name not in attrs:
            attrs[name] = value() if callable(value) else value
    return attrs


def _input(field, attrs: dict) -> str:
    widget = field.widget
    if isinstance(widget, widgets.NumberInput):
        for name in ("step", "min", "max"):
            if getattr(widget, name) is not None:
                attrs.setdefault(name, getattr(widget, name))
    if isinstance(widget, widgets.CheckboxInput) and getattr(field, "checked", field.data):
        attrs.setdefault("checked", True)
    if isinstance(widget, widgets.SubmitInput):  # a submit button shows its label as its value
        attrs.setdefault("value", field.label.text)
    attrs.setdefault("id", field.id)
    attrs.setdefault("type", widget.input_type)
    attrs.setdefault("value", field._value())
    return f"<input {attributes(name=field.name, **_validation(field, widget, attrs))}>"


def _textarea(field, attrs: dict) -> str:
    attrs.setdefault("id", field.id)
    params = attributes(name=field.name, **_validation(field, field.widget, attrs))
    return f"<textarea {params}>\r\n{escape(field._value())}</textarea>"


_INPUTS = (widgets.TextInput, widgets.EmailInput, widgets.NumberInput, widgets.DateInput,
           widgets.DateTimeLocalInput, widgets.CheckboxInput, widgets.HiddenInput, widgets.SubmitInput)


def control(field, **attrs) -> Markup:
    """The field's input, textarea or select, exactly as its WTForms widget writes it."""
    attrs = {**(field.render_kw or {}), **attrs}
    kind = type(field.widget)
    if kind in _INPUTS:
        return Markup(_input(field, attrs))
    if kind is widgets.TextArea:
        return Markup(_textarea(field, attrs))
    return field(**attrs)


def field(f, rows: int | None = None, class_: str = "") -> Markup:
    """A labelled field with its hint and its errors next to it (the templates' `field(...)`)."""
    error_id = f"{f.id}-error"
    check = isinstance(f.widget, widgets.CheckboxInput)
    classes = " ".join(filter(None, ["field", class_, "field-check" if check else "", "has-error" if f.errors else ""]))
    label = f'<label for="{escape(f.id)}">{escape(f.label.text)}</label>'
    if check:
        parts = [control(f, **({"aria-describedby": error_id} if f.errors else {})), " ", label]
    else:
        attrs = {"rows": rows} if rows else {}
        if f.errors:
            attrs.update({"aria-invalid": "true", "aria-describedby": error_id})
        hint = f'<span class="hint" id="{escape(f.id)}-hint">{escape(f.description)}</span>' if f.description else ""
        parts = [label, hint, control(f, **attrs)]
    parts += [f'<p class="error" id="{escape(error_id)}">{escape(error)}</p>' for error in f.errors]
    return Markup(f'<div class="{classes}">{"".join(parts)}</div>')


def button_form(action: str, label: str, class_: str = "button-secondary", fields: dict | None = None) -> Markup:
    """A one-click button: a small POST form with the CSRF token and any hidden fields it needs."""
    hidden = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
                     for name, value in (fields or {}).items())
    return Markup(f'<form method="post" action="{escape(action)}" class="inline-form">'
                  f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">{hidden}'
                  f'<button type="submit" class="{escape(class_)}">{escape(label)}</button></form>')


_ID = 2_147_483_647


def fixed_url(endpoint: str, **values) -> str:
    """The address of a page or file that takes no id (the navigation, the style sheets), built once per app
    and mount point: every page writes a dozen of them."""
    built = current_app.extensions.setdefault("fixed_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = built.get(key)
    if url is None:
        if len(built) > 1_000:  # only templates' fixed addresses come here: never many
            built.clear()
        url = built[key] = url_for(endpoint, **values)
    return url


def id_url(endpoint: str, arg: str, **values) -> str:
    """A URL pattern with "{}" for one id, built once per page: url_for per row of a long list is slow."""
    return url_for(endpoint, **{arg: _ID}, **values).replace(str(_ID), "{}")


def _option(tag_open: str, value, label, selected: bool, attribute: str) -> str:
    return f'{tag_open}{attribute if selected else ""} value="{escape(str(value))}">{escape(label)}'


def _plain_choices(choices) -> list[tuple] | None:
    """The choices as (value, label) pairs, if they are SelectChoices or pairs with nothing else to them."""
    if not isinstance(choices, (list, tuple)):
        return None
    pairs = []
    for choice in choices:
        if isinstance(choice, SelectChoice) and not choice.render_kw and choice.optgroup is None:
            pairs.append((choice.value, choice.label or choice.value))
        elif isinstance(choice, tuple) and len(choice) == 2:
            pairs.append((choice[0], choice[1] or choice[0]))
        else:
            return None
    return pairs


class Options(widgets.Select):
    """A select box."""

    def __call__(self, field, **kwargs) -> Markup:
        plain = None if self.multiple else _plain_choices(field.choices)  # plain choices have no groups
        if self.multiple or (plain is None and field.has_groups()):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if plain is None:  # choices WTForms must read for us (attributes per option, callables...)
            options = "".join(self.render_option(choice) for choice in field._iter_choices_normalized())
        else:  # (value, label) pairs: a list of families or staff runs to a hundred and more
            coerce, data = field.coerce, field.data
            options = "".join(_option("<option", value, label, coerce(value) == data, " selected") + "</option>"
                              for value, label in plain)
        return Markup(f"<select {attributes(name=field.name, **_validation(field, self, kwargs))}>{options}</select>")

    @classmethod
    def render_option(cls, choice, **kwargs) -> Markup:
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        return Markup(_option("<option", choice.value, choice.label or choice.value, choice.selected, " selected")
                      + "</option>")


class Checkboxes:
    """A multiple choice as a list of ticked boxes, each with its own label (as WTForms' ListWidget
    of CheckboxInputs writes it, ids `<field id>-<n>`)."""

    def __call__(self, field, **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        items = []
        for n, (value, label, selected, _render_kw) in enumerate(field.iter_choices()):
            box = f"{field.id}-{n}"
            ticked = "checked " if selected else ""  # attributes in WTForms' order: sorted by name
            items.append(f'<li><input {ticked}id="{box}" name="{escape(field.name)}" type="checkbox" '
                         f'value="{escape(str(value))}"> <label for="{box}">{escape(label)}</label></li>')
        return Markup(f"<ul {attributes(**kwargs)}>{''.join(items)}</ul>")


class SelectField(wtforms.SelectField):
    widget = Options()


class MultiCheckboxField(wtforms.SelectMultipleField):
    widget = Checkboxes()
    option_widget = widgets.CheckboxInput()  # each choice, where a template walks them one by one
