from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from supervision.forms import SelectField
from supervision.models import Role
from supervision.services.accounts import MAX_PASSWORD, MIN_PASSWORD


class PasswordFields:
    password = PasswordField("New password", validators=[
        DataRequired("Choose a password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters: three random words work well.")],
                             description="At least 10 characters; three random words work well. "
                                         "Tell the person in person or by phone, never by email.")
    confirm = PasswordField("The same password again",
                            validators=[EqualTo("password", "The two passwords are not the same.")])


class NewUserForm(PasswordFields, FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Give the person's name."), Length(max=200)])
    email = EmailField("Work email", validators=[DataRequired("Give a work email address."), Length(max=254),
                                                 Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                                        message="Give an email address like name@council.gov.uk.")])
    role = SelectField("Role", choices=Role.choices(), default=Role.PRACTITIONER.value)


class ResetPasswordForm(PasswordFields, FlaskForm):
    pass
