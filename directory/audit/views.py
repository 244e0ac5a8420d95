"""The staff audit-log page: who did what to which record, when and from where, with filters."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from directory.accounts import services as accounts
from directory.accounts.decorators import staff_required
from directory.audit import services
from directory.core.numbers import parse_id
from directory.core.paging import Page, page_number

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


@bp.get("")
@staff_required
def log() -> Any:
    args = request.args
    actor_text = (args.get("actor") or "").strip()
    actor_id = accounts.find_account(actor_text) if actor_text else None
    where = services.AuditFilter(actor_id=actor_id, entity_type=(args.get("entity_type") or "").strip()[:40] or None,
                                 entity_id=parse_id((args.get("entity_id") or "").strip()),
                                 since=_date(args.get("since")), until=_date(args.get("until")))
    notice = None
    if actor_text and actor_id is None:
        page: Page[Any] = Page(items=[], total=0, page=1, per_page=services.PER_PAGE)
        notice = _("There is no account with this e-mail address, mobile number or id.")
    else:
        page = services.search(where=where, page=page_number(args))
    return render_template("audit/log.html", page=page, actors=accounts.users_by_id({e.actor_id for e in page if e.actor_id is not None}), where=where, args=args,
                           notice=notice, entity_types=services.ENTITY_TYPES)
