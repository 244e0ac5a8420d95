"""The personal "my" page: what each role finds there, composed from the areas it works in (its institution,
expert or enterprise record, its inbox, and links into the workflows of each area)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from directory.accounts.models import ROLE_LABELS, Role
from directory.enterprises.models import Enterprise
from directory.experts.models import Expert
from directory.extensions import db
from directory.institutions.models import Institution
from directory.my.todo import Todo, todos
from directory.notifications.services import inbox, unread_count


@dataclass
class Section:
    title: Any
    body: Any
    link: str | None = None
    link_label: Any = None


@dataclass
class MyPage:
    role: str
    role_label: Any
    profile: Any = None
    sections: list[Section] = field(default_factory=list)
    inbox: Any = None  # a Page of the user's messages
    unread: int = 0
    todos: list[Todo] = field(default_factory=list)  # what waits for the user (directory.my.todo)


def my_page(user: Any, *, inbox_page: int = 1) -> MyPage:
    """Assemble the role-appropriate overview for ``user``, with page ``inbox_page`` of their messages."""
    role = Role(user.role)
    page = MyPage(role=role.value, role_label=ROLE_LABELS[role], inbox=inbox(user, page=inbox_page),
                  unread=unread_count(user), todos=todos(user))
    if role == Role.ENTERPRISE:
        page.profile = db.session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None
        page.sections = [
            Section(_l("Enterprise profile"), _l("Name, credit code, size by the SME classification standard, "
                                                 "tags and contacts."), "/my/enterprise" if user.enterprise_id
                    else None, _l("Edit")),
            Section(_l("My service needs"), _l("Post a need and get ranked recommendations."), "/needs",
                    _l("Open")),
            Section(_l("My service requests"), _l("Follow every request from start to completion."),
                    "/engagements", _l("Open")),
            Section(_l("Matchmaking events"), _l("Register for events and book meetings."), "/events", _l("Open")),
        ]
    elif role == Role.INSTITUTION:
        page.profile = db.session.get(Institution, user.institution_id) if user.institution_id else None
        page.sections = [
            Section(_l("Admission"), _l("Apply for admission to the service-institution database."), "/apply",
                    _l("Application")),
            Section(_l("Institution profile"), _l("Keep your published information current."), "/my/institution",
                    _l("Edit")),
            Section(_l("Service requests"), _l("Answer requests from enterprises."), "/engagements", _l("Open")),
            Section(_l("Open needs"), _l("Needs enterprises made public."), "/needs", _l("Open")),
            Section(_l("Matchmaking events"), _l("Meet enterprises at the center's events."), "/events", _l("Open")),
            Section(_l("Ratings and evaluation"), _l("See your ratings, score breakdown and grade."),
                    "/my/evaluation" if user.institution_id else None, _l("Open")),
        ]
    elif role == Role.EXPERT:
        page.profile = db.session.get(Expert, user.expert_id) if user.expert_id else None
        page.sections = [
            Section(_l("Admission"), _l("Apply for admission to the expert database."), "/apply/expert",
                    _l("Application")),
            Section(_l("Consultations"), _l("Accept consultations from enterprises."), "/engagements", _l("Open")),
            Section(_l("Open needs"), _l("Needs enterprises made public."), "/needs", _l("Open")),
        ]
    else:
        page.sections = [
            *([Section(_l("Accounts"), _l("Roles and access of every account."), "/admin/users", _l("Open"))]
              if role == Role.ADMIN else []),
            Section(_l("Review queue"), _l("Applications and profile changes waiting for review."),
                    "/admin/applications", _l("Open the queue")),
            Section(_l("Bulk import"), _l("Load institutions or experts from Excel or CSV, with a report first."),
                    "/admin/import", _l("Open")),
            Section(_l("Profile changes to review"), _l("Key-field edits of admitted institutions, with the differences."),
                    "/admin/changes", _l("Open")),
            Section(_l("All records"), _l("Every institution and expert, whatever its status; reinstate a suspended "
                                          "one."), "/admin/records", _l("Open")),
            Section(_l("Stale records"), _l("Records nobody confirmed for a year."), "/admin/stale", _l("Open")),
            Section(_l("Enterprises to verify"), _l("Self-registered enterprises and accounts whose reviews wait for "
                                                    "your check."), "/admin/enterprises?unverified=1", _l("Open")),
            Section(_l("Service needs"), _l("Every need, and the ones nobody answered."), "/admin/needs", _l("Open")),
            Section(_l("Service pipeline"), _l("Every engagement by status; broker new ones."), "/admin/engagements",
                    _l("Open")),
            Section(_l("Reviews and follow-ups"), _l("Bad reviews to follow up; moderation."), "/admin/reviews",
                    _l("Open")),
            Section(_l("Matchmaking events"), _l("Create and run events."), "/admin/events", _l("Open")),
            Section(_l("Notices and policies"), _l("Write, publish and retire notices and policy documents."),
                    "/admin/notices", _l("Open")),
            Section(_l("Evaluation"), _l("Run evaluation periods and confirm screening actions."), "/admin/evaluation",
                    _l("Open")),
            Section(_l("Monitoring"), _l("Institutions, SMEs served, needs, engagements, satisfaction and events."),
                    "/admin/monitoring", _l("Open")),
            Section(_l("Classification"), _l("Categories, industries, regions and tags."), "/admin/taxonomy", _l("Edit")),
            Section(_l("Search synonyms and stop words"), _l("Teach the search the words enterprises use."),
                    "/admin/search", _l("Edit")),
            Section(_l("Search index"), _l("Index health and pending changes."), "/healthz", _l("Health")),
            Section(_l("Audit log"), _l("Who did what, when and from where: logins, changes, exports."),
                    "/admin/audit", _l("Open")),
        ]
    return page
