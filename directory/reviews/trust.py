"""Which reviews count at once and which wait for staff (trustworthy reviews): a review waits when its
author is not a trusted account of a verified enterprise, or when the enterprise is tied to the provider
(a shared e-mail domain, phone number or account: a conflict of interest). Staff then approve or reject it
(:func:`directory.reviews.moderation.decide`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlmodel import col, select

from directory.accounts import services as accounts
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.notifications import services as notifications
from directory.reviews.models import Approval, Review

# Free mail providers: two strangers may share them, so a shared domain there proves nothing.
PUBLIC_MAIL_DOMAINS = frozenset({
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "sina.com", "sina.cn",
    "sohu.com", "aliyun.com", "139.com", "189.cn", "wo.cn", "gmail.com", "outlook.com", "hotmail.com", "live.com",
    "yahoo.com", "icloud.com",
    "demo.yk",  # every account the demo seed makes shares this made-up host; it ties nobody to anybody
})


def _domain(email: str | None) -> str:
    domain = (email or "").rpartition("@")[2].strip().lower()
    return "" if domain in PUBLIC_MAIL_DOMAINS else domain


def _phone(phone: str | None) -> str:
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return digits[-11:] if len(digits) >= 7 else ""


def conflicts(*, enterprise_id: int, institution_id: int | None, expert_id: int | None) -> list[str]:
    """What ties the reviewing enterprise to the provider (its accounts' or records' e-mail domain outside
    :data:`PUBLIC_MAIL_DOMAINS`, phone number, or an account on both sides or that created the enterprise);
    one line per tie, empty when none."""
    from directory.accounts.models import User
    from directory.enterprises.models import Enterprise

    enterprise = db.session.get_one(Enterprise, enterprise_id)
    ours = list(db.session.exec(select(User).where(User.enterprise_id == enterprise_id)).all())
    key = col(User.institution_id) == institution_id if institution_id else col(User.expert_id) == expert_id
    theirs = list(db.session.exec(select(User).where(key)).all())
    record: Any = db.session.get_one(Institution, institution_id) if institution_id else \
        db.session.get_one(Expert, expert_id)
    our_mails = {u.email for u in ours} | {enterprise.email}
    their_mails = {u.email for u in theirs} | {record.email}
    our_phones = {u.phone for u in ours} | {enterprise.contact_phone}
    their_phones = {u.phone for u in theirs} | {getattr(record, "contact_phone", None) or getattr(record, "phone", "")}
    found = []
    domains = ({_domain(m) for m in our_mails} & {_domain(m) for m in their_mails}) - {""}
    if domains:
        found.append(f"e-mail domain: {', '.join(sorted(domains))}")
    phones = ({_phone(p) for p in our_phones} & {_phone(p) for p in their_phones}) - {""}
    if phones:
        found.append(f"phone: {', '.join(sorted(phones))}")
    their_ids = {u.id for u in theirs}
    shared = sorted(i for i in ({u.id for u in ours} | {enterprise.created_by_id}) & their_ids if i is not None)
    if shared:
        found.append(f"account: {', '.join(f'#{i}' for i in shared)}")
    return found


def hold_if_untrusted(review: Review, user: Any) -> Review:
    """Hold a review for staff (before it is stored) when its author is not a trusted account of a verified
    enterprise or when the enterprise is tied to the provider (:func:`conflicts`, recorded on the review);
    otherwise it counts at once."""
    from directory.enterprises import services as enterprises
    from directory.enterprises.models import Enterprise

    found = conflicts(enterprise_id=review.enterprise_id, institution_id=review.institution_id,
                      expert_id=review.expert_id)
    review.conflict = "\n".join(found)
    if found or not enterprises.is_trusted(user, db.session.get_one(Enterprise, review.enterprise_id)):
        review.approval = Approval.PENDING
    return review


def tell_staff_if_held(review: Review) -> None:
    """Tell staff a stored review waits for their approval."""
    if review.approval == Approval.PENDING:
        notifications.notify(users=accounts.staff_users(), kind="review.pending",
                             title=_("A review waits for your approval"), link="/admin/reviews")
