"""The rules of notices and policies: only staff write, attach, publish and retire; the public sees the
published ones only. Services flush; the request (or command) commits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import Field, col, select

from directory.accounts import permissions
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.paging import Page, paginate
from directory.core.time import utcnow
from directory.core.uploads import sniff, store, stored_file
from directory.extensions import db
from directory.notices.models import (
    Notice,
    NoticeAttachment,
    NoticeAttachmentPublic,
    NoticeBase,
    NoticeCategory,
    NoticeKind,
    NoticePublic,
    NoticeStatus,
)
from directory.taxonomy.models import Category

MAX_SIZE = 10 * 1024 * 1024
MAX_PER_NOTICE = 10
SCALARS = tuple(NoticeBase.model_fields)  # the columns NoticeInput sets on the Notice

KIND_LABELS = {NoticeKind.NOTICE: _l("Notice"), NoticeKind.POLICY: _l("Policy")}
STATUS_LABELS = {NoticeStatus.DRAFT: _l("Draft"), NoticeStatus.PUBLISHED: _l("Published"),
                 NoticeStatus.RETIRED: _l("Retired")}


class NoticeInput(NoticeBase):
    """What staff give for a notice or a policy: its columns, its kind and (for a policy) its categories."""

    kind: str = NoticeKind.NOTICE
    categories: list[Category] = Field(default_factory=list)


def _require_staff(user: Any) -> None:
    if not permissions.is_staff(user):
        raise NotAllowed()


def _check(data: NoticeInput) -> None:
    if data.kind not in tuple(NoticeKind):
        raise InvalidInput(_l("Choose notice or policy."), field="kind")
    if not data.title.strip():
        raise InvalidInput(_l("Give it a title."), field="title")
    if data.issued_on and data.expires_on and data.expires_on < data.issued_on:
        raise InvalidInput(_l("A policy cannot expire before it is issued."), field="expires_on")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _values(data: Any) -> dict[str, Any]:
    return {k: _plain(getattr(data, k)) for k in SCALARS}


def _category_ids(categories: list[Category]) -> list[int]:
    return sorted({c.id for c in categories if c.id is not None})


def create(*, user: Any, data: NoticeInput) -> Notice:
    """Staff write a notice or a policy; it starts as a draft nobody else sees. Raises :class:`NotAllowed`
    / :class:`InvalidInput`."""
    _require_staff(user)
    _check(data)
    notice = Notice(kind=data.kind, created_by_id=user.id, **{k: getattr(data, k) for k in SCALARS})
    notice.title = notice.title.strip()
    db.session.add(notice)
    db.session.flush()
    _set_categories(notice, data.categories)
    audit.record(actor_id=user.id, action=f"{notice.kind}.create", entity_type="notice", entity_id=notice.id,
                 changes={**_values(notice), "categories": _category_ids(data.categories)})
    return notice


def update(*, user: Any, notice: Notice, data: NoticeInput) -> Notice:
    """Staff change a notice (its kind stays). The same values again change nothing and write no audit
    entry. Raises :class:`NotAllowed` / :class:`InvalidInput`."""
    _require_staff(user)
    data.kind = notice.kind
    _check(data)
    data.title = data.title.strip()
    before = {**_values(notice), "categories": _category_ids(categories_of(notice))}
    after = {**_values(data), "categories": _category_ids(data.categories)}
    changes = audit.diff(before, after)
    if not changes:
        return notice
    for k in SCALARS:
        setattr(notice, k, getattr(data, k))
    db.session.add(notice)
    if "categories" in changes:
        _set_categories(notice, data.categories)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"{notice.kind}.update", entity_type="notice", entity_id=notice.id,
                 changes=changes)
    return notice


def _set_categories(notice: Notice, categories: list[Category]) -> None:
    for row in db.session.exec(select(NoticeCategory).where(NoticeCategory.notice_id == notice.id)).all():
        db.session.delete(row)
    db.session.flush()
    assert notice.id is not None
    db.session.add_all([NoticeCategory(notice_id=notice.id, category_id=c) for c in _category_ids(categories)])
    db.session.flush()


def categories_of(notice: Notice) -> list[Category]:
    return list(db.session.exec(select(Category).join(NoticeCategory)
                                .where(NoticeCategory.notice_id == notice.id)
                                .order_by(col(Category.sort_order), col(Category.id))).all())


def publish(*, user: Any, notice: Notice) -> Notice:
    """Make a draft or a retired notice public; the first publication dates it. Raises :class:`NotAllowed`,
    or :class:`InvalidInput` when it is public already."""
    _require_staff(user)
    if notice.status == NoticeStatus.PUBLISHED:
        raise InvalidInput(_l("It is published already."))
    before = notice.status
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = notice.published_at or utcnow()
    notice.retired_at = None
    db.session.add(notice)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"{notice.kind}.publish", entity_type="notice", entity_id=notice.id,
                 changes={"status": [before, notice.status]})
    return notice


def retire(*, user: Any, notice: Notice) -> Notice:
    """Take a published notice off the public pages (staff still see it and may publish it again). Raises
    :class:`NotAllowed`, or :class:`InvalidInput` when it is not published."""
    _require_staff(user)
    if notice.status != NoticeStatus.PUBLISHED:
        raise InvalidInput(_l("Only a published notice can be retired."))
    notice.status = NoticeStatus.RETIRED
    notice.retired_at = utcnow()
    db.session.add(notice)
    db.session.flush()
    audit.record(actor_id=user.id, action=f"{notice.kind}.retire", entity_type="notice", entity_id=notice.id,
                 changes={"status": [NoticeStatus.PUBLISHED, NoticeStatus.RETIRED]})
    return notice


def get(notice_id: int, *, user: Any, kind: str | None = None) -> Notice:
    """A notice: published ones for everyone, any for staff. Raises :class:`NotFound` (also for a notice of
    another kind than ``kind``, so /policies/<id> never shows a notice)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or (kind is not None and notice.kind != kind):
        raise NotFound()
    if notice.status != NoticeStatus.PUBLISHED and not permissions.is_staff(user):
        raise NotFound()
    return notice


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def published(*, kind: str, q: str = "", category: Category | None = None, page: int = 1,
              per_page: int | None = 20) -> Page[Notice]:
    """The public list of one kind, the latest first: ``q`` is looked for in the title, summary, body, issuer
    and document number (each word, all of them, ignoring case); ``category`` keeps the policies tagged with it or with its
    parent."""
    stmt = select(Notice).where(Notice.kind == kind, Notice.status == NoticeStatus.PUBLISHED)
    for word in q.split()[:8]:
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(or_(*(col(getattr(Notice, name)).ilike(pattern, escape="\\")
                                for name in ("title", "summary", "body", "issuer", "document_number"))))
    if category is not None:
        stmt = stmt.where(col(Notice.id).in_(select(NoticeCategory.notice_id).where(
            col(NoticeCategory.category_id).in_(_with_parent(category)))))
    return paginate(stmt.order_by(col(Notice.published_at).desc(), col(Notice.id).desc()), page=page,
                    per_page=per_page)


def search_published(*, kind: str, q: str = "", category: Category | None = None, page: int = 1,
                     per_page: int = 20) -> tuple[Page[Notice], bool]:
    """The public list of one kind through the search index (search.notices): the best match first for a
    query, else the newest; the database answers, as :func:`published` does, while Meilisearch cannot
    (``True`` second). The page holds the records themselves, read again here so that only notices still
    published show, even before the index has caught up with a retirement."""
    from search.notices import MAX_PAGE_HITS, NoticeParams, for_category, search_notices

    page = min(page, max(1, MAX_PAGE_HITS // per_page))  # Meilisearch pages no further (search.settings)
    result = search_notices(NoticeParams(q=q, kind=kind, page=page, per_page=per_page, **for_category(category)))
    ids = [h["id"] for h in result.hits]
    found = {n.id: n for n in db.session.exec(select(Notice).where(
        col(Notice.id).in_(ids), Notice.kind == kind, Notice.status == NoticeStatus.PUBLISHED)).all()}
    return Page(items=[found[i] for i in ids if i in found], total=result.total, page=page,
                per_page=per_page), result.degraded


def _with_parent(category: Category) -> list[int]:
    return [i for i in (category.id, category.parent_id) if i is not None]


def latest(*, kind: str, limit: int = 5) -> list[Notice]:
    """The newest published notices of one kind (the home page)."""
    return list(db.session.exec(select(Notice).where(Notice.kind == kind, Notice.status == NoticeStatus.PUBLISHED)
                                .order_by(col(Notice.published_at).desc(), col(Notice.id).desc())
                                .limit(limit)).all())


def public_notice(notice: Notice) -> NoticePublic:
    """The API representation of a published notice or policy (:func:`get` with no user finds only those)."""
    from flask import url_for

    return NoticePublic(
        id=notice.id, kind=notice.kind, title=notice.title, summary=notice.summary, body=notice.body,  # type: ignore[arg-type]
        issuer=notice.issuer, document_number=notice.document_number, issued_on=notice.issued_on,
        expires_on=notice.expires_on, expired=notice.expired,
        published_at=notice.published_at.isoformat(timespec="seconds") if notice.published_at else None,
        categories=[c.name for c in categories_of(notice)],
        attachments=[NoticeAttachmentPublic(id=a.id, filename=a.filename, content_type=a.content_type,  # type: ignore[arg-type]
                                            size=a.size, url=url_for("notices.download", attachment_id=a.id))
                     for a in attachments_of(notice)],
        url=notice_url(notice.kind, notice.id))  # type: ignore[arg-type]


def notice_url(kind: str, notice_id: int) -> str:
    """The public page of a notice or a policy (a path: the API's client knows the host it asked)."""
    from flask import url_for

    page = "notices.policy_detail" if kind == NoticeKind.POLICY else "notices.notice_detail"
    return url_for(page, notice_id=notice_id)


def short_form(policy: Notice) -> dict[str, Any]:
    """A related policy as the recommendations API lists it (the page is /policies/<id>)."""
    return {"id": policy.id, "title": policy.title, "issuer": policy.issuer,
            "document_number": policy.document_number,
            "url": notice_url(policy.kind, policy.id)}  # type: ignore[arg-type]


def related_policies(category: Category | None, *, limit: int = 5) -> list[Notice]:
    """Published policies tagged with ``category`` or its parent, unexpired first, then the newest: the
    "相关政策" of a need and of its recommendations."""
    if category is None:
        return []
    rows = db.session.exec(select(Notice).where(
        Notice.kind == NoticeKind.POLICY, Notice.status == NoticeStatus.PUBLISHED,
        col(Notice.id).in_(select(NoticeCategory.notice_id).where(
            col(NoticeCategory.category_id).in_(_with_parent(category)))))
        .order_by(col(Notice.published_at).desc(), col(Notice.id).desc())).all()
    return sorted(rows, key=lambda n: n.expired)[:limit]


def for_staff(*, kind: str | None = None, page: int = 1, per_page: int | None = None) -> Page[Notice]:
    """Every notice and policy for staff, in every status, the latest changed first."""
    stmt = select(Notice)
    if kind in tuple(NoticeKind):
        stmt = stmt.where(Notice.kind == kind)
    return paginate(stmt.order_by(col(Notice.updated_at).desc(), col(Notice.id).desc()), page=page,
                    per_page=per_page)


# -- attachments ---------------------------------------------------------------------------------------

def attachments_of(notice: Notice) -> list[NoticeAttachment]:
    return list(db.session.exec(select(NoticeAttachment).where(NoticeAttachment.notice_id == notice.id)
                                .order_by(col(NoticeAttachment.id))).all())


def add_attachment(*, user: Any, notice: Notice, filename: str, data: bytes) -> NoticeAttachment:
    """Attach a PDF, PNG or JPEG file. Raises :class:`NotAllowed`, or :class:`InvalidInput` for a wrong
    type, an empty or too large file, or too many files."""
    _require_staff(user)
    if not data or len(data) > MAX_SIZE:
        raise InvalidInput(_l("An attachment must be a file of at most 10 MB."), field="file")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(_l("Attach PDF, PNG or JPEG files."), field="file")
    if len(attachments_of(notice)) >= MAX_PER_NOTICE:
        raise InvalidInput(_l("At most 10 attachments per notice."), field="file")
    attachment = NoticeAttachment(notice_id=notice.id, filename=Path(filename).name[:200] or "attachment",  # type: ignore[arg-type]
                                  stored_name=store(data), content_type=content_type, size=len(data),
                                  uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor_id=user.id, action="notice.attachment.add", entity_type="notice", entity_id=notice.id,
                 changes={"file": [None, attachment.filename]})
    return attachment


def readable_attachment(*, attachment_id: int, user: Any) -> tuple[NoticeAttachment, Path]:
    """An attachment and its file: of a published notice for everyone, of any for staff. Raises
    :class:`NotFound`."""
    attachment = db.session.get(NoticeAttachment, attachment_id)
    if attachment is None:
        raise NotFound()
    get(attachment.notice_id, user=user)
    path = stored_file(attachment.stored_name)
    if path is None:
        raise NotFound()
    return attachment, path


def remove_attachment(*, attachment_id: int, user: Any) -> Notice:
    """Staff remove an attachment; returns its notice. Raises :class:`NotAllowed` / :class:`NotFound`."""
    _require_staff(user)
    attachment = db.session.get(NoticeAttachment, attachment_id)
    if attachment is None:
        raise NotFound()
    notice = get(attachment.notice_id, user=user)
    audit.record(actor_id=user.id, action="notice.attachment.delete", entity_type="notice", entity_id=notice.id,
                 changes={"file": [attachment.filename, None]})
    db.session.delete(attachment)
    db.session.flush()
    # The file stays on disk: if this transaction rolls back, the row must still find it.
    return notice
