from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from supervision.forms import SelectField
from supervision.models import Case, LegalStatus, User
from supervision.services.caseloads import LIMIT_RANGE, WEIGHT_RANGE

LIMIT_MESSAGE = f"Give the limit as a whole number of children from {LIMIT_RANGE[0]} to {LIMIT_RANGE[1]}."
WEIGHT_MESSAGE = f"Give a weight from {WEIGHT_RANGE[0]:g} to {WEIGHT_RANGE[1]:g}, for example 1.5."


class SettingsForm(FlaskForm):
    """The team's limit and a weight for each legal status (fields named after the status)."""

    caseload_limit = IntegerField("Caseload limit (children per practitioner)",
                                  validators=[InputRequired(LIMIT_MESSAGE), NumberRange(*LIMIT_RANGE, LIMIT_MESSAGE)])

    def weight_fields(self):
        return [getattr(self, f"weight_{status.value}") for status in LegalStatus]


for _status in LegalStatus:
    setattr(SettingsForm, f"weight_{_status.value}", DecimalField(
        f"{_status.label}: weight of one child", places=2,
        validators=[InputRequired(WEIGHT_MESSAGE), NumberRange(*WEIGHT_RANGE, WEIGHT_MESSAGE)]))


class ChooseFromForm(FlaskForm):
    """Whose cases to share out (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    source = SelectField("Whose cases are being shared out", coerce=int, validators=[InputRequired()])


class MoveFormBase(FlaskForm):
    source = HiddenField()
    move_open_actions = BooleanField("Move their open actions on these cases to the new practitioner too",
                                     default=True)

    def case_fields(self):
        return [field for field in self if field.name.startswith("case_")]


def move_form(cases: list[Case], source: User, people: list[User], formdata=None,
              figures: dict[int, str] | None = None) -> MoveFormBase:
    """A form with one "who takes it" choice per case; 0 keeps the case where it is.

    `figures` gives each person's caseload in words, shown beside their name to help the choice.
    """
    figures = figures or {}
    choices = [SelectChoice(0, f"Keep with {source.name}")] + [
        SelectChoice(u.id, f"{u.name} ({figures[u.id]})" if u.id in figures else u.name)
        for u in people if u.id != source.id]

    class MoveForm(MoveFormBase):
        pass

    for case in cases:
        setattr(MoveForm, f"case_{case.id}", SelectField(
            f"{case.family_label} ({case.reference})", coerce=int, choices=choices, default=0,
            validators=[Optional()]))
    kwargs = {} if formdata is None else {"formdata": formdata}
    return MoveForm(**kwargs)
