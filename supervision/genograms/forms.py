"""The genogram editor's forms. Each has a prefix, so every field id on the editor page is unique."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from supervision.forms import MultiCheckboxField, SelectField
from supervision.services.genograms import (
    KIND_LABELS,
    RELATION_LABELS,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    UNION_STATUS_LABELS,
    UNION_TYPE_LABELS,
)

DATE_HINT = "For example 1988, 1988-02 or 1988-02-11."
_date = Regexp(r"^\s*\d{4}(-\d{2}(-\d{2})?)?\s*$",
               message="Write the date as a year (1988), a year and month (1988-02) or a full date (1988-02-11).")


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _offered(field) -> set[str]:
    return {choice.value for choice in field.choices}


class TitleForm(FlaskForm):
    title = StringField("Title of the drawing", validators=[DataRequired("Give the drawing a title."),
                                                            Length(max=200)])


class PersonForm(FlaskForm):
    person_id = HiddenField()
    name = StringField("Name", validators=[Length(max=200)],
                       description="As the family say it. Leave empty for a pregnancy or a loss.")
    sex = SelectField("Sex", choices=_choices(SEX_LABELS), default="unknown", validators=[InputRequired()])
    gender = StringField("Their own word for their gender (optional)", validators=[Optional(), Length(max=40)],
                         description="Shown under a non-binary person's name.")
    kind = SelectField("This is", choices=_choices(KIND_LABELS), default="person", validators=[InputRequired()])
    born = StringField("Born", validators=[Optional(), _date],
                       description=DATE_HINT + " For a pregnancy, the due date.")
    died = StringField("Died", validators=[Optional(), _date], description=DATE_HINT)
    deceased = BooleanField("Has died (date not known)")
    subject = BooleanField("Subject child (a child this case is about)")
    household = SelectField("Lives in", choices=[], validate_choice=False)
    note = TextAreaField("Note (not drawn)", validators=[Optional(), Length(max=2000)],
                         description="Kept with the genogram and exported; never drawn.")
    child_of = SelectField("Child of", choices=[], validate_choice=False)
    relation = SelectField("Relation to the parents or carers", choices=_choices(RELATION_LABELS), default="biological")

    def validate_name(self, field):
        if self.kind.data == "person" and not (field.data or "").strip():
            raise ValidationError("Give the person's name, or 'Not known'.")

    def validate_household(self, field):
        if field.data and field.data not in _offered(field):
            raise ValidationError("Choose one of the households.")

    def validate_child_of(self, field):
        if field.data and field.data not in _offered(field):
            raise ValidationError("Choose one of the partnerships.")


class UnionForm(FlaskForm):
    union_id = HiddenField()
    partner_one = SelectField("Partner", choices=[], validate_choice=False,
                              validators=[DataRequired("Choose the first partner.")])
    partner_two = SelectField("Other partner", choices=[], validate_choice=False,
                              description="Or 'Not known' when only one parent is known.")
    union_type = SelectField("Kind of partnership", choices=_choices(UNION_TYPE_LABELS), default="married")
    status = SelectField("Now", choices=_choices(UNION_STATUS_LABELS), default="together")
    start = StringField("From", validators=[Optional(), _date], description=DATE_HINT)
    end = StringField("Until (separated, divorced or widowed)", validators=[Optional(), _date],
                      description=DATE_HINT)

    def validate_partner_one(self, field):
        if field.data not in _offered(field):
            raise ValidationError("Choose one of the people in the genogram.")

    def validate_partner_two(self, field):
        if field.data and field.data not in _offered(field):
            raise ValidationError("Choose one of the people in the genogram.")
        if field.data and field.data == self.partner_one.data:
            raise ValidationError("Choose two different people (or 'Not known').")


class ChildForm(FlaskForm):
    union_id = SelectField("Partnership (parents or carers)", choices=[], validate_choice=False,
                           validators=[DataRequired("Choose the partnership.")])
    child_id = SelectField("Child", choices=[], validate_choice=False, validators=[DataRequired("Choose the child.")])
    relation = SelectField("Relation to the parents or carers", choices=_choices(RELATION_LABELS), default="biological")
    twin = StringField("Twin group (optional)", validators=[Optional(), Length(max=100)],
                       description="Give twins the same word, e.g. 'twins'.")
    identical = BooleanField("Identical twins")

    def validate_union_id(self, field):
        if field.data not in _offered(field):
            raise ValidationError("Choose one of the partnerships.")

    def validate_child_id(self, field):
        if field.data not in _offered(field):
            raise ValidationError("Choose one of the people in the genogram.")


class RelationshipForm(FlaskForm):
    key = HiddenField()
    source = SelectField("Between", choices=[], validate_choice=False, validators=[DataRequired("Choose a person.")])
    target = SelectField("And", choices=[], validate_choice=False, validators=[DataRequired("Choose a person.")])
    kind = SelectField("Relationship", choices=_choices(RELATIONSHIP_LABELS), default="close")

    def validate_source(self, field):
        if field.data not in _offered(field):
            raise ValidationError("Choose one of the people in the genogram.")

    def validate_target(self, field):
        if field.data not in _offered(field):
            raise ValidationError("Choose one of the people in the genogram.")
        if field.data == self.source.data:
            raise ValidationError("Choose two different people.")


class HouseholdForm(FlaskForm):
    household_id = HiddenField()
    name = StringField("Household", validators=[DataRequired("Name the household, e.g. 'Mum's home'."),
                                                Length(max=100)])
    members = MultiCheckboxField("Who lives there", choices=[], validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField("Genogram file (JSON)", validators=[FileRequired("Choose a genogram file to import.")],
                     description="A .json file in the genogram format, e.g. one exported from here. "
                                 "It replaces the genogram shown.")


class RemoveForm(FlaskForm):
    """A remove button's form: what to remove, in a hidden field."""

    target = HiddenField(validators=[DataRequired()])
    other = HiddenField()
