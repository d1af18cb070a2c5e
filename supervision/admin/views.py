"""Administration of the team's accounts: list, create, reset password, deactivate. Admins only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from supervision.access import get_team_member_for, require_admin
from supervision.admin.forms import NewUserForm, ResetPasswordForm
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.models import Role, User
from supervision.services import accounts
from supervision.services.errors import DomainError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only():
    require_admin(current_user)


@bp.get("/users")
def users():
    people = db.session.scalars(db.select(User).filter_by(team_id=current_user.team_id)
                                .order_by(User.active.desc(), User.name)).all()
    return render_template("admin/users.html", people=people, team=current_user.team)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(current_user.team, email=form.email.data, name=form.name.data,
                                           role=Role(form.role.data), password=form.password.data)
            db.session.commit()
            flash(f"Account created for {user.name}. Give them their password in person or by phone.")
            return redirect(url_for("admin.user", user_id=user.id))
        except DomainError as error:
            (form.password if "characters" in str(error) else form.email).errors.append(str(error))
    return render_template("admin/new_user.html", form=form), 400 if form.errors else 200


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _user_page(get_team_member_for(current_user, user_id), ResetPasswordForm())


def _user_page(person: User, reset_form: ResetPasswordForm, status: int = 200):
    return render_template("admin/user.html", person=person, reset_form=reset_form), status


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    person = get_team_member_for(current_user, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(person, form.password.data)
            db.session.commit()
            flash(f"Password reset for {person.name}; they are signed out on every device.")
            return redirect(url_for("admin.user", user_id=person.id))
        except DomainError as error:
            form.password.errors.append(str(error))
    return _user_page(person, form, 400)


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):change>")
def set_active(user_id: int, change: str):
    person = get_team_member_for(current_user, user_id)
    if EmptyForm().validate_on_submit():
        try:
            accounts.set_active(person, change == "reactivate", by=current_user)
            db.session.commit()
            flash(f"{person.name}'s account is {'active again' if person.active else 'deactivated'}.")
        except DomainError as error:
            flash(str(error), "error")
    return redirect(url_for("admin.user", user_id=person.id))
