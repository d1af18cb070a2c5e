"""Command-line tasks: `flask demo-data`, `flask users ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from supervision import backup as backups
from supervision.extensions import db
from supervision.models import Role, Team, User
from supervision.services import accounts
from supervision.services.errors import DomainError

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
    try:
        user = accounts.create_account(team, email=email, name=name, role=Role(role), password=password)
    except DomainError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")


@users.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email: str, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.UsageError("No account has that email.")
    try:
        accounts.reset_password(user, password)
    except DomainError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo("Password reset; the user is signed out everywhere.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only when the database has no teams yet.")
@click.option("--scale", type=click.Choice(["small", "service"]), default="small", show_default=True,
              help="small: two teams to click through; service: a whole service over three years, for benchmarks.")
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same data.")
def demo_data(if_empty: bool, scale: str, seed: int) -> None:
    """Fill the database with a fictional demo service."""
    import time

    from supervision import demo, demo_service

    if if_empty and db.session.scalar(db.select(Team.id).limit(1)) is not None:
        click.echo("The database already has data: demo data not added.")
        return
    started = time.perf_counter()
    if scale == "service":
        if demo_service.service_exists():
            raise click.UsageError("The service-sized demo is already in this database.")
        counts = demo_service.build(demo_service.SERVICE, seed=seed)
    else:
        counts = demo.seed(seed)
    db.session.commit()
    click.echo(f"Fictional {scale} demo data added in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + ".")


@users.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Stop an account signing in and sign it out everywhere (kept for the records)."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None:
        raise click.UsageError("No account has that email.")
    accounts.set_active(user, False)
    db.session.commit()
    click.echo("Account deactivated; the user is signed out everywhere.")


def _sqlite_file() -> Path | None:
    try:
        return backups.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH, consistently, while the app keeps running."""
    database = _sqlite_file()
    if database is None:
        click.echo("This app runs on PostgreSQL: back it up with pg_dump, for example\n"
                   "  pg_dump --format=custom --file=supervision.dump \"$DATABASE_URL\"\n"
                   "(see docs/operations.md). Nothing was copied.", err=True)
        raise SystemExit(2)
    try:
        size = backups.backup(database, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {path} ({size / 1_048_576:.1f} MB); integrity check: ok.")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH (the app must be stopped)."""
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    database = _sqlite_file()
    if database is None:
        click.echo("This app runs on PostgreSQL: restore with pg_restore (see docs/operations.md). "
                   "Nothing was changed.", err=True)
        raise SystemExit(2)
    if not yes:
        click.confirm(f"Replace everything in {database} with the backup {path}?", abort=True)
    config = current_app.extensions["migrate"].migrate.get_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    db.engine.dispose()  # this command's own connections must not hold the old file open
    try:
        safety = backups.restore(database, path, known)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    upgrade()  # a backup from an older version is brought up to this one's schema
    click.echo(f"Restored from {path}. What was there before is kept in {safety}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo_data)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    backups.init_app(app)  # servers hold the lock that makes `flask restore` refuse while they run
