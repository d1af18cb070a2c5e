"""Command-line tasks: `flask demo-data`, `flask users ...`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from supervision.extensions import db
from supervision.identity import hash_password
from supervision.models import Role, Team, User

users = AppGroup("users", help="Create accounts and reset passwords.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--team", "team_name", required=True, help="The team's name, exactly.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.PRACTITIONER.value)
@click.password_option()
def create_user(email: str, name: str, team_name: str, role: str, password: str) -> None:
    """Create a user account."""
    team = db.session.scalar(db.select(Team).filter_by(name=team_name))
    if team is None:
        raise click.UsageError(f"There is no team called {team_name!r}.")
    if db.session.scalar(db.select(User).filter_by(email=email.lower())):
        raise click.UsageError("An account with that email already exists.")
    db.session.add(User(email=email.lower(), name=name, team=team, role=Role(role),
                        password_hash=hash_password(password)))
    db.session.commit()
    click.echo(f"Created {role} account {email.lower()}.")


@users.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email: str, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    from supervision.identity import sign_out_everywhere

    user = db.session.scalar(db.select(User).filter_by(email=email.lower()))
    if user is None:
        raise click.UsageError("No account has that email.")
    user.password_hash = hash_password(password)
    sign_out_everywhere(user)
    db.session.commit()
    click.echo("Password reset; the user is signed out everywhere.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only when the database has no teams yet.")
def demo_data(if_empty: bool) -> None:
    """Fill the database with the fictional demo service."""
    from supervision import demo

    if if_empty and db.session.scalar(db.select(Team.id).limit(1)) is not None:
        click.echo("The database already has data: demo data not added.")
        return
    counts = demo.seed()
    db.session.commit()
    click.echo("Fictional demo data added: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_data)
