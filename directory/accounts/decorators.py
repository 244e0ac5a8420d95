"""View decorators that ask the permission functions; anonymous users are sent to log in first."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from directory.accounts import permissions
from directory.extensions import login_manager


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only service-center staff and admins; others get 403, anonymous users the login page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not permissions.is_staff(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
