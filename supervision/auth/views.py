from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from supervision.auth.forms import SignInForm
from supervision.extensions import db
from supervision.forms import EmptyForm
from supervision.identity import authenticate, sign_out_everywhere
from supervision.security import safe_next_url

bp = Blueprint("auth", __name__)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on sign-in
            login_user(user)
            session.permanent = True
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
        form.password.errors.append("That email and password do not match an account.")
    status = 400 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_all():
    if EmptyForm().validate_on_submit():
        sign_out_everywhere(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have signed out on every device.")
    return redirect(url_for("auth.sign_in"))
