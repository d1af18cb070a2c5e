from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from supervision import identity
from supervision.access import ROLE_SUMMARY
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
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if identity.sign_in_throttled(form.email.data, address):
            form.password.errors.append(identity.THROTTLED)
            status = 429
        else:
            user = authenticate(form.email.data, form.password.data)
            if user is not None:
                identity.forget_failed_sign_ins(form.email.data)
                session.clear()  # a fresh session on sign-in: nothing from before survives
                login_user(user)
                session.permanent = True
                db.session.commit()
                return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
            identity.note_failed_sign_in(form.email.data, address)
            db.session.commit()
            form.password.errors.append("That email and password do not match an account.")
    if form.errors and status == 200:
        status = 400
    return render_template("auth/sign_in.html", form=form), status


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", role_summary=ROLE_SUMMARY[current_user.role])


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
