"""Error pages and JSON errors: bad input is a 4xx with a message in the user's language, never a 5xx."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from directory.core.errors import DomainError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: object) -> Any:
    response = jsonify({"error": {"code": code, "message": str(message)}})
    response.status_code = status
    return response


def _http_messages() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        403: _("You are not allowed to see this page."),
        404: _("The page or record was not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        422: _("The input is not valid."),
        429: _("Too many requests; please wait a moment."),
        500: _("Something went wrong on our side. Nothing was saved; please try again."),
    }


def _holds_nul(multidict: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in multidict.lists())


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul() -> None:
        """No text the app takes may hold NUL: PostgreSQL refuses it in every string (a 500 deep in a query),
        and nobody types one. Refuse the request before any view sees it."""
        if request.routing_exception is not None:
            return  # no such page: that 404 (or 405) says more than a 400
        if "\x00" in request.path or _holds_nul(request.args) or (
                request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
                and _holds_nul(request.form)):
            from flask import abort

            abort(400)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        if wants_json():
            return json_error(exc.status, exc.code, exc.message)
        return render_template("error.html", status=exc.status, message=str(exc.message)), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = _http_messages().get(status, exc.description)
        if status == 400 and exc.description and "CSRF" in exc.description:
            message = _("The form has expired; please reload the page and try again.")
        if wants_json():
            response = json_error(status, (exc.name or "error").lower().replace(" ", "_"), message)
        else:
            response = make_response(render_template("error.html", status=status, message=message), status)
        # The exception's own headers say how to recover: Allow on a 405 (RFC 9110), Retry-After on a 429.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(500)
    def server_error(exc: Any) -> Any:
        message = _http_messages()[500]
        if wants_json():
            return json_error(500, "internal_error", message)
        return render_template("error.html", status=500, message=message), 500


def flash_refusal(exc: DomainError) -> None:
    """A rule said no to a form post: undo anything flushed and tell the user why. Not-found and forbidden
    stay error pages (403/404), so a form never reveals what its user may not see."""
    from flask import flash

    from directory.extensions import db

    if exc.status in (403, 404):
        raise exc
    db.session.rollback()
    flash(str(exc.message), "danger")


def run_and_flash(call: Any, success: Any) -> bool:
    """Run one service call for a form post; flash ``success`` (or ``success(result)`` when it is callable,
    for a message that depends on the outcome) or the refusal. Returns whether it worked."""
    from flask import flash

    try:
        result = call()
    except DomainError as exc:
        flash_refusal(exc)
        return False
    flash(success(result) if callable(success) else success, "success")
    return True


def form_refusal(form: Any, exc: DomainError, default_field: str) -> None:
    """Put a service's refusal on the form field it names (or ``default_field``), after undoing the flush."""
    from directory.extensions import db

    db.session.rollback()
    field = getattr(form, exc.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, str(exc.message)]
