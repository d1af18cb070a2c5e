from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from supervision.forms import SelectField
from supervision.models import LegalStatus


class CaseForm(FlaskForm):
    reference = StringField("Case reference", validators=[DataRequired("Give the case reference."), Length(max=40)],
                            description="The family's reference in the case recording system.")
    family_label = StringField("Family", validators=[DataRequired("Name the family, e.g. the Harlow family."),
                                                     Length(max=200)])
    practitioner_id = SelectField("Allocated practitioner", coerce=int, validators=[Optional()])
    legal_status = SelectField("Legal status", choices=LegalStatus.choices(), validators=[InputRequired()])
    is_open = BooleanField("The case is open", default=True)


class ChildForm(FlaskForm):
    name = StringField("Child's name", validators=[DataRequired("Give the child's name."), Length(max=200)])
    date_of_birth = DateField("Date of birth", validators=[Optional()])

    def validate_date_of_birth(self, field):
        from datetime import date

        if field.data and field.data > date.today():
            raise ValidationError("The date of birth cannot be in the future.")
