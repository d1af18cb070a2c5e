from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from supervision.forms import SelectField
from supervision.services.actions import SHOWS, SORTS

NOTE = 500  # a short note: the detail belongs in the case recording system


class DoneForm(FlaskForm):
    note = StringField("What was done (optional)", validators=[Optional(), Length(max=NOTE)])
    next = HiddenField()


class DropForm(FlaskForm):
    reason = StringField("Why it is being dropped", validators=[
        DataRequired("Say why the action is being dropped."), Length(max=NOTE)])
    next = HiddenField()


class TrackerFilterForm(FlaskForm):
    """The tracker's filters: read from the query string, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    practitioner = SelectField("Practitioner", coerce=int, validators=[Optional()])
    case = SelectField("Family", coerce=int, validators=[Optional()])
    show = SelectField("Show", choices=[SelectChoice(k, v) for k, v in SHOWS.items()], default="open",
                       validators=[Optional()])
    sort = SelectField("Sort by", choices=[SelectChoice(k, v) for k, v in SORTS.items()], default="due",
                       validators=[Optional()])
