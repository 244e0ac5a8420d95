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


def is_enterprise_user(user: Any) -> bool:
    """An SME's account (需求方)."""
    return _role(user) == Role.ENTERPRISE


def is_institution_user(user: Any) -> bool:
    """A service institution's account."""
    return _role(user) == Role.INSTITUTION


def is_expert_user(user: Any) -> bool:
    """An expert's own account."""
    return _role(user) == Role.EXPERT


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


def is_engagement_client(user: Any, engagement: Any) -> bool:
    """A user of the enterprise the engagement serves."""
    return _role(user) == Role.ENTERPRISE and user.enterprise_id is not None and \
        user.enterprise_id == engagement.enterprise_id


def _is_provider(user: Any, record: Any) -> bool:
    """A user of the institution or the expert ``record`` (an engagement or a review) names."""
    role = _role(user)
    if role == Role.INSTITUTION:
        return record.institution_id is not None and user.institution_id == record.institution_id
    if role == Role.EXPERT:
        return record.expert_id is not None and user.expert_id == record.expert_id
    return False


def is_engagement_provider(user: Any, engagement: Any) -> bool:
    """A user of the institution or the expert giving the service."""
    return _is_provider(user, engagement)


def can_view_engagement(user: Any, engagement: Any) -> bool:
    return is_staff(user) or is_engagement_client(user, engagement) or is_engagement_provider(user, engagement)


def can_manage_demand(user: Any, demand: Any) -> bool:
    """Staff, and the users of the enterprise that posted the need."""
    if is_staff(user):
        return True
    return _role(user) == Role.ENTERPRISE and user.enterprise_id is not None and \
        user.enterprise_id == demand.enterprise_id


def can_view_demand(user: Any, demand: Any) -> bool:
    """A public need is visible to every signed-in user (providers answer it); a staff-only one to staff and
    its enterprise."""
    if can_manage_demand(user, demand):
        return True
    return demand.visibility == "public" and _role(user) is not None


def can_review(user: Any, engagement: Any) -> bool:
    """Only the enterprise of a completed engagement reviews it (verified reviews)."""
    return is_engagement_client(user, engagement) and engagement.status == "completed"


def is_review_provider(user: Any, review: Any) -> bool:
    """A user of the institution or the expert a review is about."""
    return _is_provider(user, review)
