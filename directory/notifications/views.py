"""Opening messages from the inbox on the "my" page: an opened message is marked read."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from directory.core.urls import safe_next
from directory.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/messages/<int:message_id>")
@login_required
def open_message(message_id: int) -> Any:
    """Mark the message read, then go where it points (or show it when it points nowhere)."""
    item = services.open_message(user=current_user, message_id=message_id)
    if item.link:
        return redirect(safe_next(item.link, url_for("my.page")))
    return render_template("notifications/message.html", item=item)


@bp.post("/messages/read")
@login_required
def mark_all_read() -> Any:
    n = services.mark_read(current_user)
    flash(ngettext("%(num)d message marked as read.", "%(num)d messages marked as read.", n), "info")
    return redirect(url_for("my.page") + "#inbox")


@bp.route("/my/notifications", methods=["GET", "POST"])
@login_required
def preferences_page() -> Any:
    """Which topics of notification reach the user's inbox and which are mailed."""
    from flask_wtf import FlaskForm

    from directory.notifications.topics import TOPICS

    form = FlaskForm()
    if form.validate_on_submit():
        choices = {t: (f"{t}-inbox" in request.form, f"{t}-mail" in request.form) for t in TOPICS}
        changed = services.set_preferences(user=current_user, choices=choices)
        flash(_("Notification preferences saved.") if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for("notifications.preferences_page"))
    return render_template("notifications/preferences.html", form=form, topics=TOPICS,
                           chosen=services.preferences(current_user)), 400 if form.is_submitted() else 200
