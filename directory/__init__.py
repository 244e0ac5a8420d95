"""营口企业公共服务平台: the Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from directory.settings import PROJECT_ROOT, Settings


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app. ``settings`` defaults to the environment; ``overrides`` go into ``app.config``."""
    settings = settings or Settings.from_env()
    from directory.core import logs

    logs.configure(level=settings.log_level, fmt=settings.log_format)
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "directory" / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    from directory.notifications import mail

    app.config.update(mail.mail_config(settings))
    app.config.update(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented field order
    from directory.core.converters import IdConverter

    app.url_map.converters["int"] = IdConverter  # every <int:…> is a record id: ASCII, within an id column

    import directory.models  # noqa: F401  (every table known before the first query)
    from directory.core.i18n import select_locale
    from directory.extensions import babel, csrf, db, login_manager

    db.init_app(app, settings.database_url)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    mail.init_app(app)
    from directory.accounts import sessions

    sessions.init_app(app)
    # The request id and the access line wrap the app itself; ProxyFix goes outside them, so the address
    # logged is the client's.
    logs.init_app(app)
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from search import sync

    sync.init_app(app, settings)
    from directory import jobs

    jobs.init_app(app, settings)

    _register_blueprints(app)
    from directory.accounts.services import login_key
    from directory.core import ratelimit

    ratelimit.init_app(app, settings, login_key=login_key)
    from directory.recommendations.terms import init_app as init_recommendations

    init_recommendations(app)
    _register_cli(app)
    _register_template_helpers(app)

    from directory.core import http

    http.init_app(app)
    from directory.core import headers

    headers.init_app(app)
    from directory.core import static

    static.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from directory.accounts.views import bp as accounts_bp
    from directory.admin.views import bp as admin_bp
    from directory.admission.views import bp as admission_bp
    from directory.api.views import bp as api_bp
    from directory.api.views import health_bp
    from directory.audit.views import bp as audit_bp
    from directory.demands.views import bp as demands_bp
    from directory.engagements.views import bp as engagements_bp
    from directory.enterprises.views import bp as enterprises_bp
    from directory.evaluation.views import bp as evaluation_bp
    from directory.events.views import bp as events_bp
    from directory.experts.views import bp as experts_bp
    from directory.extensions import csrf
    from directory.institutions.views import bp as institutions_bp
    from directory.jobs.views import bp as jobs_bp
    from directory.monitoring.views import bp as monitoring_bp
    from directory.my.views import bp as my_bp
    from directory.notices.views import bp as notices_bp
    from directory.notifications.views import bp as notifications_bp
    from directory.opendata.views import bp as opendata_bp
    from directory.public.views import bp as public_bp
    from directory.recommendations.views import bp as recommendations_bp
    from directory.reviews.views import bp as reviews_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(my_bp)
    app.register_blueprint(institutions_bp)
    app.register_blueprint(experts_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(admission_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(demands_bp)
    app.register_blueprint(engagements_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(recommendations_bp)
    app.register_blueprint(enterprises_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(jobs_bp)
    # The JSON API takes no cookie-authenticated writes, so CSRF tokens do not apply to it.
    csrf.exempt(api_bp)


def _register_cli(app: Flask) -> None:
    from directory.cli import register

    register(app)


def _register_template_helpers(app: Flask) -> None:
    from directory.accounts import permissions
    from directory.core.i18n import LOCALES, current_language

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "current_language": current_language,
            "locales": LOCALES,
            "can": permissions,
            "site": app.config["SETTINGS"],  # the frame's settings (sponsor, hotline, 备案号): templates/_frame_*.html
        }
