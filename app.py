"""The application factory: config, extensions, blueprints, CLI, error handlers."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from supervision import cli, errors, identity, logs, profiling, security  # noqa: F401 (identity registers the user loader)
from supervision.config import Config, instance_secret_key
from supervision.drawings import scale_line
from supervision.extensions import csrf, db, login_manager, migrate
from supervision.forms import button_form, control, field, fixed_url, id_url
from supervision.markdown import render_markdown
from supervision.services.record import when


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides everything else (tests use it)."""
    root = Path(__file__).resolve().parent
    app = Flask(
        "supervision",
        root_path=str(root),
        instance_path=str(root / "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.config.from_object(Config)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_DEMO_MODE, ...
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = Config.normalise_db_url(os.environ["DATABASE_URL"])
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'supervision.sqlite'}")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    Config.apply_engine_options(app.config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    logs.init_app()  # no address and no secret path in the development server's log

    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from supervision.actions.views import bp as actions_bp
    from supervision.admin.views import bp as admin_bp
    from supervision.audit.views import bp as audit_bp
    from supervision.auth.views import bp as auth_bp
    from supervision.caseloads.views import bp as caseloads_bp
    from supervision.cases.views import bp as cases_bp
    from supervision.exports.views import bp as exports_bp
    from supervision.genograms.views import bp as genograms_bp
    from supervision.live.panels import bp as panels_bp
    from supervision.live.views import bp as live_bp
    from supervision.main.views import bp as main_bp
    from supervision.sessions.views import bp as sessions_bp

    for blueprint in (main_bp, auth_bp, cases_bp, sessions_bp, actions_bp, caseloads_bp, exports_bp, admin_bp,
                      audit_bp, live_bp, panels_bp, genograms_bp):
        app.register_blueprint(blueprint)

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["when"] = when  # an ISO date in record data, written out
    # supervision/forms.py
    app.jinja_env.globals.update(field=field, control=control, button_form=button_form, id_url=id_url,
                                  fixed_url=fixed_url)
    app.jinja_env.globals["scale_line"] = scale_line  # supervision/drawings.py
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    profiling.init_app(app)  # only when SUPERVISION_PROFILE_SQL is set (benchmarks)
    return app
