from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from supervision.access import reads_case_records
from supervision.services import home as home_service

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    """For load balancers and as the benchmarks' floor: touches nothing."""
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/")
@login_required
def home():
    if not reads_case_records(current_user):
        return redirect(url_for("admin.users"))  # an administrator's work is the accounts
    today = date.today()
    return render_template(
        "main/home.html",
        meetings=home_service.upcoming_meetings(current_user),
        actions=home_service.open_actions(current_user, today),
        today=today,
    )
