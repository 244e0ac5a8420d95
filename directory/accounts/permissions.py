"""Who may do what. Every check is a function of the user and the object, tested directly and exposed to
templates as ``can``; views and services ask these, never the client."""

from __future__ import annotations

from typing import Any

from directory.accounts.models import Role


def _role(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.role)


def is_staff(user: Any) -> bool:
    return _role(user) in (Role.ADMIN, Role.STAFF)


def is_admin(user: Any) -> bool:
    return _role(user) == Role.ADMIN


def can_see_expert_contact(user: Any, expert: Any) -> bool:
    """Expert contact details are never public: staff and the expert themself only."""
    if is_staff(user):
        return True
    return _role(user) == Role.EXPERT and user.expert_id is not None and user.expert_id == expert.id


def can_see_unpublished(user: Any, record: Any) -> bool:
    """Unpublished institutions and experts are visible to staff and to their own users."""
    if is_staff(user):
        return True
    kind = type(record).__name__
    if kind == "Institution":
        return _role(user) == Role.INSTITUTION and user.institution_id == record.id
    if kind == "Expert":
        return _role(user) == Role.EXPERT and user.expert_id == record.id
    return False


def can_edit_institution(user: Any, institution: Any) -> bool:
    if is_staff(user):
        return True
    return _role(user) == Role.INSTITUTION and user.institution_id == institution.id


def can_edit_expert(user: Any, expert: Any) -> bool:
    if is_staff(user):
        return True
    return _role(user) == Role.EXPERT and user.expert_id == expert.id
