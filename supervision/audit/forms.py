from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from supervision.forms import SelectField
from supervision.models import AuditKind


class AuditFilterForm(FlaskForm):
    """Filters in the address (GET), so a filtered view can be bookmarked and exported."""

    class Meta:
        csrf = False  # reading only

    user_id = SelectField("Who", coerce=int, validators=[Optional()])
    case_id = SelectField("Case", coerce=int, validators=[Optional()])
    kind = SelectField("What happened", choices=[SelectChoice("", "Anything"), *AuditKind.choices()],
                       validators=[Optional()])
    date_from = DateField("From (date)", validators=[Optional()])
    date_to = DateField("To (date)", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
