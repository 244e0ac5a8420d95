"""Qualification certificates: checked by content (not by the name the browser sends), stored under
``instance/attachments/`` with a random name, and served only to those allowed to see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from directory.accounts import permissions
from directory.admission.models import Attachment
from directory.audit import services as audit
from directory.core.errors import InvalidInput, NotAllowed, NotFound
from directory.core.uploads import sniff, store, stored_file
from directory.extensions import db
from directory.institutions.models import Institution

MAX_SIZE = 5 * 1024 * 1024
MAX_PER_INSTITUTION = 20
def add(*, institution: Institution, user: Any, filename: str, data: bytes) -> Attachment:
    """Store a certificate. Raises :class:`NotAllowed`, or :class:`InvalidInput` for a wrong type, an empty or
    too large file, or too many files."""
    if not permissions.can_edit_institution(user, institution):
        raise NotAllowed()
    if not data or len(data) > MAX_SIZE:
        raise InvalidInput(_l("A certificate must be a file of at most 5 MB."), field="certificate")
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(_l("Upload certificates as PDF, PNG or JPEG files."), field="certificate")
    count = len(list(db.session.exec(select(Attachment.id).where(Attachment.institution_id == institution.id)).all()))
    if count >= MAX_PER_INSTITUTION:
        raise InvalidInput(_l("At most 20 certificates per institution."), field="certificate")
    stored = store(data)
    attachment = Attachment(institution_id=institution.id, filename=Path(filename).name[:200] or "certificate",  # type: ignore[arg-type]
                            stored_name=stored, content_type=content_type, size=len(data), uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor_id=user.id, action="attachment.add", entity_type="institution", entity_id=institution.id,
                 changes={"file": [None, attachment.filename]})
    return attachment


def for_institution(institution: Institution) -> list[Attachment]:
    return list(db.session.exec(select(Attachment).where(Attachment.institution_id == institution.id)
                                .order_by(col(Attachment.id))).all())


def readable(*, attachment_id: int, user: Any) -> tuple[Attachment, Path]:
    """The attachment and its file, for staff and the institution's own users only. Raises :class:`NotFound`
    (also for others, so the existence of a file is not revealed)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    institution = db.session.get(Institution, attachment.institution_id)
    if institution is None or not permissions.can_edit_institution(user, institution):
        raise NotFound()
    path = stored_file(attachment.stored_name)
    if path is None:
        raise NotFound()
    return attachment, path


def remove(*, attachment_id: int, user: Any) -> None:
    attachment, _path = readable(attachment_id=attachment_id, user=user)
    audit.record(actor_id=user.id, action="attachment.delete", entity_type="institution",
                 entity_id=attachment.institution_id, changes={"file": [attachment.filename, None]})
    db.session.delete(attachment)
    db.session.flush()
    # The file stays on disk: if this transaction rolls back, the row must still find it.
