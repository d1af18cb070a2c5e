"""The fast field renderers (supervision/forms.py) write what WTForms' own widgets write.

Every field of every form in the app is rendered both ways, empty, filled with awkward text and
with the attributes the templates pass, and the two must be the same HTML.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import widgets

import supervision
from supervision.forms import Checkboxes, Options, attributes, button_form, control, field

AWKWARD = '<b>"Tom & Jerry"</b> \'quoted\''


def _all_forms() -> list[type[FlaskForm]]:
    package = Path(supervision.__file__).parent
    for path in package.rglob("forms.py"):  # the areas are folders without __init__.py
        importlib.import_module(".".join(("supervision", *path.relative_to(package).with_suffix("").parts)))
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo += form.__subclasses__()
        if form.__module__.startswith("supervision."):
            found.append(form)
    return sorted(found, key=lambda form: form.__qualname__)


FORMS = _all_forms()


def _awkward_value(f):
    if hasattr(f, "choices"):
        return [1] if isinstance(f.data, list) or f.type == "MultiCheckboxField" else 1
    if isinstance(f.widget, widgets.DateTimeLocalInput):
        return datetime(2026, 3, 4, 9, 30)
    if isinstance(f.widget, widgets.DateInput):
        return date(2026, 3, 4)
    if isinstance(f.widget, widgets.NumberInput):
        return 7
    if isinstance(f.widget, widgets.CheckboxInput):
        return True
    return AWKWARD


def wtforms_html(f, **attrs) -> Markup:
    """The field as WTForms' own widgets write it (our select and tick-box list replace theirs)."""
    if isinstance(f.widget, Options):
        return widgets.Select(multiple=f.widget.multiple)(f, **attrs)
    if isinstance(f.widget, Checkboxes):
        return widgets.ListWidget(prefix_label=False)(f, **attrs)
    return f(**attrs)


def _prepare(f) -> None:
    if hasattr(f, "choices"):
        f.choices = [(1, AWKWARD), (2, "Second & last")]


def test_every_form_of_the_app_is_checked():
    names = {form.__name__ for form in FORMS}
    assert {"DangerStatementForm", "SafetyGoalForm", "ItemForm", "PersonForm", "ScoreForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: form.__qualname__)
def test_fields_render_as_wtforms_writes_them(app, form_class):
    with app.test_request_context("/"):
        for f in form_class(formdata=None):
            _prepare(f)
            for attrs in ({}, {"rows": 3}, {"aria-invalid": "true", "aria-describedby": f"{f.id}-error"}):
                assert control(f, **attrs) == wtforms_html(f, **attrs), (f.name, attrs)
            f.data = _awkward_value(f)
            assert control(f) == wtforms_html(f), f.name


def test_field_shows_label_hint_errors_and_marks_the_control(app):
    from supervision.sessions.forms import ItemForm

    with app.test_request_context("/"):
        form = ItemForm(formdata=None)
        form.text.data = AWKWARD
        form.text.errors = ["Write <something>."]
        html = field(form.text, rows=2)
        assert isinstance(html, Markup)
        assert f'<label for="{form.text.id}">' in html
        assert 'aria-invalid="true"' in html and f'aria-describedby="{form.text.id}-error"' in html
        assert f'<p class="error" id="{form.text.id}-error">Write &lt;something&gt;.</p>' in html
        assert "<b>" not in html and "&lt;b&gt;&#34;Tom &amp; Jerry&#34;&lt;/b&gt;" in html
        assert 'class="field has-error"' in html


def test_button_form_escapes_and_carries_the_csrf_token(app):
    with app.test_request_context("/"):
        html = button_form('/x?a=1&b="2"', "Move <up>", "button", fields={"direction": '"up"'})
        assert 'action="/x?a=1&amp;b=&#34;2&#34;"' in html
        assert 'name="csrf_token" value="' in html
        assert 'value="&#34;up&#34;"' in html and "Move &lt;up&gt;</button>" in html


def test_attributes_match_wtforms_html_params():
    cases = [dict(name="a", id="b", class_="c d"), dict(checked=True, readonly=False, value='"<&>"'),
             dict(data_submit_on_enter=True, aria_describedby="x-error", for_="x"), dict(rows=3, value=0)]
    for attrs in cases:
        assert attributes(**attrs) == widgets.html_params(**attrs)


def test_a_select_of_select_choices_renders_as_wtforms_writes_it(app):
    """The app's own lists (staff, families, danger statements) are SelectChoices: the fast path draws them."""
    from wtforms.fields.choices import SelectChoice

    from supervision.forms import SelectField

    class Form(FlaskForm):
        who = SelectField("Who", coerce=int)

    with app.test_request_context("/"):
        form = Form(formdata=None)
        form.who.choices = [SelectChoice(0, "Nobody"), SelectChoice(7, AWKWARD), SelectChoice(9)]
        for data in (None, 0, 7, 9):
            form.who.data = data
            assert control(form.who) == wtforms_html(form.who), data
            assert control(form.who).count(" selected") == (data is not None)
