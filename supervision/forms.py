"""Forms shared by every area."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A one-click button's form: it carries the CSRF token and nothing else."""
