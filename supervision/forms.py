"""Forms and form helpers shared by every area."""

from flask_wtf import FlaskForm
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
