from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from supervision.forms import MultiCheckboxField, SelectField
from supervision.models import MeetingKind, ReviewOutcome

TEXT = 10_000  # longest item: a long paragraph, never a pasted file
SHORT = 1_000
OUT_OF_RANGE = "Give a whole number from 0 to 10."


class EditorForm(FlaskForm):
    """A form on the session editor page: its prefix keeps field ids unique among the page's forms."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)


class MeetingForm(FlaskForm):
    kind = SelectField("Kind of session", choices=MeetingKind.choices(), validators=[InputRequired()])
    scheduled_at = DateTimeLocalField("Date and time", format="%Y-%m-%dT%H:%M", validators=[InputRequired(
        message="Give the date and time, for example 2026-11-24 10:00.")])
    facilitator_id = SelectField("Facilitator", coerce=int, validators=[InputRequired()])
    presenter_id = SelectField("Presenting practitioner", coerce=int, validators=[Optional()])
    participant_ids = MultiCheckboxField("Participants", coerce=int)
    scaling_question = TextAreaField("Scaling question", validators=[Optional(), Length(max=SHORT)])
    scale_zero = TextAreaField("What 0 means", validators=[Optional(), Length(max=SHORT)])
    scale_ten = TextAreaField("What 10 means", validators=[Optional(), Length(max=SHORT)])


class ItemForm(FlaskForm):
    text = TextAreaField("Text", validators=[DataRequired(message="Write something before saving."),
                                             Length(max=TEXT)])
    version = HiddenField(default="1")


class DangerStatementForm(EditorForm):
    prefix_name = "danger"
    who_is_worried = StringField("Who is worried", validators=[Length(max=SHORT)],
                                 description="e.g. Children's services and the school are worried that")
    behaviour = TextAreaField("What the adult does", validators=[Length(max=SHORT)],
                              description="Behaviour, not a label: 'when Dad drinks he shouts at and hits Mum'")
    impact = TextAreaField("The impact on the child", validators=[Length(max=SHORT)],
                           description="e.g. 'and Jayden (4) sees this, is frightened, and could be hurt'")
    if_nothing_changes = TextAreaField("What may happen if nothing changes", validators=[Length(max=SHORT)])
    statement = TextAreaField("Danger statement (composed from the parts; edit freely)",
                              validators=[Length(max=TEXT)])
    version = HiddenField(default="1")


class SafetyGoalForm(EditorForm):
    prefix_name = "goal"
    danger_statement_id = SelectField("Answers the danger statement", coerce=int, validators=[Optional()])
    what_will_happen = TextAreaField("What the parents and network will do", validators=[Length(max=SHORT)])
    who_will_see = StringField("Who needs to see it", validators=[Length(max=SHORT)])
    how_long = StringField("For how long", validators=[Length(max=SHORT)],
                           description="e.g. for six months before we close the case")
    statement = TextAreaField("Safety goal (composed from the parts; edit freely)", validators=[Length(max=TEXT)])
    version = HiddenField(default="1")


class ScoreForm(EditorForm):
    prefix_name = "score"
    user_id = SelectField("Participant", coerce=int, validators=[InputRequired()])
    score = IntegerField("Score (0 to 10)", validators=[Optional(), NumberRange(0, 10, OUT_OF_RANGE)])
    skip = BooleanField("Skip: this participant does not scale")
    reason = TextAreaField("Why this score", validators=[Length(max=SHORT)])

    def validate_score(self, field):
        if field.data is None and not self.skip.data and not field.errors:
            raise ValidationError("Give a score from 0 to 10, or tick skip.")


class FamilyScoreForm(EditorForm):
    prefix_name = "family"
    family_score = IntegerField("The family's own score (0 to 10)",
                                validators=[InputRequired(OUT_OF_RANGE), NumberRange(0, 10, OUT_OF_RANGE)])
    family_score_note = TextAreaField("Who in the family said it, and why", validators=[Length(max=SHORT)])


class ActionForm(EditorForm):
    prefix_name = "action"
    description = TextAreaField("What will be done", validators=[DataRequired("Say what will be done."),
                                                                 Length(max=SHORT)])
    owner_id = SelectField("Who (staff)", coerce=int, validators=[Optional()])
    owner_name = StringField("Or someone outside the team", validators=[Length(max=200)],
                             description="e.g. Mum, the health visitor")
    due_on = DateField("By when", validators=[Optional()])

    def validate_owner_name(self, field):
        if not self.owner_id.data and not (field.data or "").strip():
            raise ValidationError("Choose a member of staff or name the person who will do it.")


class ReviewForm(EditorForm):
    prefix_name = "review"
    action_id = HiddenField(validators=[DataRequired()])
    outcome = RadioField("What happened", choices=ReviewOutcome.choices(),
                         validators=[InputRequired("Choose done, carried forward or dropped.")])
    note = TextAreaField("Note", validators=[Length(max=SHORT)])


class AmendmentForm(EditorForm):
    prefix_name = "amend"
    reason = TextAreaField("Why the record is being amended",
                           validators=[DataRequired("Say why the agreed record is being amended."), Length(max=SHORT)])
    text = TextAreaField("The amendment", validators=[DataRequired("Write the amendment."), Length(max=TEXT)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])
