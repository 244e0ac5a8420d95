"""Error pages and JSON errors: bad input is a 4xx with a message in the user's language, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


class Refused:
    """How a :func:`refusals` block ended: falsy when it ran through, else the refusal and where it was shown."""

    def __init__(self) -> None:
        self.error: DomainError | None = None
        self.on_field = False  # shown beside a form field; otherwise flashed

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200


@contextmanager
def refusals(form: Any = None, field: str | None = None, *,
             fields: tuple[str, ...] | None = None, pages: tuple[int, ...] | None = None) -> Iterator[Refused]:
    """The one way a view shows a rule's "no" (a :class:`DomainError` from a service call in the block).

    The request is marked to commit nothing (:func:`directory.core.db.roll_back_request`), then the message
    goes beside the form field the error names, or beside ``field`` when it names none of ``form``'s; without
    a field it is flashed. ``fields`` limits the fields a refusal may be shown beside (the visible ones, when
    a form also carries hidden fields); a refusal about any other is flashed. Not-found stays an error page
    (404), so a page never reveals what its user may not see; so does forbidden (403) without a form, while on a form the user may
    use it answers what was typed ("the last administrator cannot close the account"). ``pages`` names the
    statuses that stay error pages where a view needs other than that. Use::

        with refusals(form, "title") as refused:
            services.update_event(...)
        if not refused:
            flash(...); return redirect(...)
    """
    from flask import flash

    from directory.core.db import roll_back_request

    outcome = Refused()
    try:
        yield outcome
    except DomainError as exc:
        if exc.status in (pages if pages is not None else (404,) if form is not None else (403, 404)):
            raise
        roll_back_request()
        outcome.error = exc
        named = exc.field if exc.field and (fields is None or exc.field in fields) else None
        target = getattr(form, named or "", None) or (getattr(form, field) if form is not None and field else None)
        if target is not None:
            target.errors = [*target.errors, str(exc.message)]
            outcome.on_field = True
        else:
            flash(str(exc.message), "danger")


def run_and_flash(call: Any, success: Any) -> bool:
    """:func:`refusals` for a post without a form to show again: run ``call``, flash ``success`` (or
    ``success(result)`` when it is callable, for a message that depends on the outcome) or the refusal.
    Returns whether it worked."""
    from flask import flash

    with refusals() as refused:
        result = call()
    if refused:
        return False
    flash(success(result) if callable(success) else success, "success")
    return True
