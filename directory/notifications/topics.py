"""Topics of notifications, the unit of a user's preferences: a notification's kind (``engagement.accepted``)
belongs to the topic of its first part. Kinds of no topic here (an account's own security, a colleague removed)
always reach the inbox and the mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TOPICS = {
    "engagement": _l("Service requests and their progress"),
    "demand": _l("My needs and their recommendations"),
    "event": _l("Matchmaking events and meetings"),
    "review": _l("Reviews and replies"),
    "admission": _l("Applications and profile changes"),
    "listing": _l("Listing status, warnings and evaluation"),
}
PREFIXES = {"engagement": "engagement", "demand": "demand", "event": "event", "review": "review",
            "application": "admission", "change": "admission", "screening": "listing", "institution": "listing",
            "expert": "listing"}
# A removal from an institution's accounts is told whatever the user chose: it is about their access.
ALWAYS = {"institution.removed"}


def topic_of(kind: str) -> str | None:
    """The topic a notification kind belongs to, or None when it is always delivered."""
    if kind in ALWAYS:
        return None
    return PREFIXES.get(kind.split(".", 1)[0])
