"""Forms and form helpers shared by every area."""

from __future__ import annotations

import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.fields.choices import SelectChoice

from supervision.extensions import db
from supervision.models import User


class EmptyForm(FlaskForm):
    """A one-click button's form: it carries the CSRF token and nothing else."""


def staff_choices(team_id: int, blank: str | None = None) -> list[SelectChoice]:
    """The team's active staff for a select box; `blank` names the "nobody" choice (value 0)."""
    people = db.session.execute(db.select(User.id, User.name).filter_by(team_id=team_id, active=True)
                                .order_by(User.name))
    choices = [SelectChoice(user_id, name) for user_id, name in people]
    return [SelectChoice(0, blank), *choices] if blank else choices


# --- choices, rendered fast ------------------------------------------------------------------------
# Staff and family lists fill many pages (the session editor has several), and WTForms' general
# attribute builder was most of their cost: these write the same HTML directly, escaping every
# label and value.

def _option(tag_open: str, value, label, selected: bool, attribute: str) -> str:
    return f'{tag_open}{attribute if selected else ""} value="{escape(str(value))}">{escape(label)}'


class Options(widgets.Select):
    """A select box."""

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
            items.append(_option(f'<li><input id="{box}" name="{escape(field.name)}" type="checkbox"', value, "",
                                 selected, " checked") + f' <label for="{box}">{escape(label)}</label></li>')
        return Markup(f"<ul {widgets.html_params(**kwargs)}>{''.join(items)}</ul>")


class SelectField(wtforms.SelectField):
    widget = Options()


class MultiCheckboxField(wtforms.SelectMultipleField):
    widget = Checkboxes()
