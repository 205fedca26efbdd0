"""Shared Future: the application factory. `flask --app app ...` finds it."""

from flask import Flask, g, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.orm import joinedload
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from api.problems import is_api_request, problem
from core import cli, content_languages, database, i18n, jobs, observability, security
from core.accounts import oidc, permissions
from core.config import Config, instance_secret_key
from core.views.about_you import equality_offer
from core.design_system import with_own_words
from core.formatting import FILTERS as DATE_FILTERS, counted, formatted_text, mailto, masked_address
from core.numbers import MAX_ID, whole_number
from core.email import send_committed_messages
from core.extensions import csrf, db, limiter, login_manager, mail, migrate
from core.accounts.models import SiteRole, User
from core.models import OutboxStatus
from events import cli as events_cli
from forums import cli as forums_cli
from events.recurrence import describe as describe_recurrence
from events import permissions as event_permissions
from forums import permissions as forum_permissions
from awards import permissions as awards_permissions
from reports import permissions as report_permissions
from seed import cli as seed_cli

class DatabaseId(IntegerConverter):
    """`<int:...>` in routes: only numbers a database id can be (1 to MAX_ID),
    so a longer one is simply not found instead of overflowing PostgreSQL's
    integer, and 0 is not found rather than read as "no id"."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseId
    app.config.update(Config(app.instance_path).as_dict())
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    observability.init_app(app)  # first: its hooks see every request from start to finish
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": app.config["SQLITE_BUSY_TIMEOUT"]}

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(app.root_path + "/templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    if any(app.config[key] for key in ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST")):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_PROTO"], x_host=app.config["PROXY_FIX_X_HOST"])

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=app.root_path + "/migrations", render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    oidc.init_app(app)
    WTFormsHelpers(app)
    i18n.init_app(app)
    _init_login(app)

    from api.views import bp as api_bp
    from awards.views import bp as awards_bp
    from core.views import bp as core_bp
    from events.views import bp as events_bp
    from forums.views import bp as forums_bp
    from reports.views import bp as reports_bp
    app.register_blueprint(core_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(forums_bp)
    app.register_blueprint(awards_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)

    security.init_app(app)
    app.after_request(_queue_committed_work)
    _register_error_pages(app)
    _register_template_helpers(app)
    cli.init_app(app)
    events_cli.init_app(app)
    forums_cli.init_app(app)
    seed_cli.init_app(app)
    jobs.init_app(app)  # last: every package's jobs are registered by now
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "core.sign_in"
    login_manager.login_message = i18n._l("Sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(identifier: str):
        # The identifier carries the session version, so bumping it signs out
        # every session and remember-me cookie issued before.
        user_id, _, version = identifier.partition(":")
        user_id, version = whole_number(user_id, lowest=1, highest=MAX_ID), whole_number(version, lowest=0,
                                                                                         highest=MAX_ID)
        if user_id is None or version is None:
            return None
        # Its site roles in the same statement: every signed-in page asks them (the menu does).
        user = db.session.get(User, user_id, options=[joinedload(User.role_grants)])
        # An account whose address is not proven is nobody's yet: whatever
        # session or cookie it holds, it is treated as a visitor.
        if user is None or user.session_version != version or not user.email_confirmed:
            return None
        return user


def _queue_committed_work(response):
    """Once the request has committed: send its emails, and queue its jobs."""
    send_committed_messages()
    jobs.queue_committed_jobs()
    return response


def _register_error_pages(app: Flask) -> None:
    def page(status, template):
        def handler(error):
            if status == 500:
                db.session.rollback()
            i18n.error_page_in_readers_language()
            if is_api_request():
                return problem(status)
            return render_template(template, error=error), status
        return handler

    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, page(status, f"errors/{status}.html"))
    app.register_error_handler(CSRFError, page(400, "errors/400.html"))

    def database_unavailable(error):
        """The database cannot be reached, or SQLite stayed locked past its
        busy timeout: nothing was saved (the transaction rolls back), so say
        so and ask the person to try again, rather than a 500."""
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()  # draw the page without asking the database who this is
        if is_api_request():
            response = problem(503)
        else:
            response = app.make_response((render_template("errors/503.html"), 503))
        response.headers["Retry-After"] = "30"
        return response

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)


def _register_template_helpers(app: Flask) -> None:
    for name, date_filter in DATE_FILTERS.items():
        app.add_template_filter(date_filter, name)
    app.add_template_filter(formatted_text, "formatted")
    app.add_template_filter(counted, "counted")
    app.add_template_filter(mailto, "mailto")
    app.add_template_filter(masked_address, "masked")
    app.add_template_filter(describe_recurrence, "recurrence")
    app.add_template_global(with_own_words, "with_own_words")
    # Text people wrote, in the page's language where it has a version in it (core/content_languages.py);
    # globals rather than context, so that macros imported without it reach them too.
    app.jinja_env.globals.update(translated=content_languages.translated, content_languages=content_languages)

    @app.context_processor
    def globals_for_templates():
        return {
            "brand_name": app.config["BRAND_NAME"],
            "permissions": permissions,
            "equality_offer": equality_offer,
            "event_permissions": event_permissions,
            "forum_permissions": forum_permissions,
            "awards_permissions": awards_permissions,
            "report_permissions": report_permissions,
            "SiteRole": SiteRole,
            "OutboxStatus": OutboxStatus,
            "current_user": current_user,
        }
