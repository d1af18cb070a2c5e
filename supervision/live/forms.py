"""Forms of the meeting room: the console's controls, the join code, a colleague's phone."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from supervision.forms import MultiCheckboxField, SelectField
from supervision.models import Phase, Section
from supervision.models.panel import DEFAULT_SLOT_MINUTES

TEXT = 10_000
SHORT = 1_000
STATEMENTS = ("danger_statements", "safety_goals")


class PhaseForm(FlaskForm):
    """A phase by name, or a step: next / previous."""

    phase = HiddenField(validators=[AnyOf([p.value for p in Phase] + ["next", "previous"],
                                          message="Choose a phase.")])


class TimerForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["start", "pause", "reset", "add5"], message="Choose a timer action.")])


class ScalingForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["open", "reveal"], message="Choose open or reveal.")])


class AnonymousForm(FlaskForm):
    anonymous = BooleanField("Anonymous scaling: nobody's name next to their score")


class HandOverForm(FlaskForm):
    user_id = SelectField("Hand the facilitator role to", coerce=int,
                          validators=[InputRequired("Choose the colleague who will facilitate.")])


class QuickItemForm(FlaskForm):
    """Type, Enter, next item: one line into a section of the map (or a statement)."""

    section = HiddenField(validators=[AnyOf([s.value for s in Section] + list(STATEMENTS),
                                            message="Choose where the item goes.")])
    text = TextAreaField("Text", validators=[DataRequired("Write something before adding it."), Length(max=TEXT)])


class ItemEditForm(FlaskForm):
    text = TextAreaField("Text", validators=[DataRequired("Write something before saving."), Length(max=TEXT)])
    version = HiddenField(default="1")


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["accept", "decline"], message="Accept or decline.")])


class JoinForm(FlaskForm):
    code = StringField("Join code", validators=[DataRequired("Type the code shown on the screen."), Length(max=20)],
                       description="Six letters and numbers, shown on the meeting-room screen, e.g. K7M-2QX.")


class ScoreForm(FlaskForm):
    """A colleague's own scaling answer, from their phone."""

    score = RadioField("Your score", coerce=int, choices=[SelectChoice(n, str(n)) for n in range(11)],
                       validate_choice=False)
    reason = TextAreaField("Why this score", validators=[Length(max=SHORT)])
    save = SubmitField("Save my score")
    skip = SubmitField("Skip: I will not scale this time")

    def validate_score(self, field):
        if self.skip.data:
            return
        if field.data is None or field.raw_data in ([], [""]):
            raise ValidationError("Choose a score from 0 to 10, or skip.")
        if not 0 <= field.data <= 10:
            raise ValidationError("Choose a score from 0 to 10.")


class ProposalForm(FlaskForm):
    section = SelectField("Where it belongs", choices=Section.choices(),
                          validators=[InputRequired("Choose where it belongs.")])
    text = TextAreaField("Your item or question", validators=[
        DataRequired("Write the item or question before sending it."), Length(max=TEXT)])


# --- the CMR panel day -------------------------------------------------------------------

class PanelForm(FlaskForm):
    title = StringField("Title", default="Case management review panel",
                        validators=[DataRequired("Give the panel a title."), Length(max=200)])
    starts_at = DateTimeLocalField("Starts at", format="%Y-%m-%dT%H:%M", validators=[InputRequired(
        message="Give the date and time, for example 2026-11-26 09:30.")])
    chair_id = SelectField("Chair", coerce=int, validators=[InputRequired("Choose who chairs the panel.")],
                           description="The chair moves the panel from family to family.")
    member_ids = MultiCheckboxField("Panel members from the team", coerce=int)
    other_members = TextAreaField("Other panel members", validators=[Length(max=SHORT)],
                                  description="Names and roles, e.g. 'Dana Hughes, service manager'.")


class SlotForm(FlaskForm):
    case_id = SelectField("Family", coerce=int, validators=[InputRequired("Choose a family.")])
    presenter_id = SelectField("Presenting practitioner", coerce=int, validators=[Optional()])
    assistant_manager_id = SelectField("Assistant team manager", coerce=int, validators=[Optional()])
    minutes = IntegerField("Minutes", default=DEFAULT_SLOT_MINUTES, validators=[
        InputRequired("Give the slot's length in minutes."),
        NumberRange(5, 240, "Give a length from 5 to 240 minutes.")])


class MoveSlotForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"], message="Up or down.")])


class GoToSlotForm(FlaskForm):
    meeting_id = HiddenField(validators=[DataRequired()])
