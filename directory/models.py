"""Imports every model so SQLModel.metadata is complete (for Alembic and for tests)."""

from directory.accounts.models import User  # noqa: F401
from directory.admission.models import Application  # noqa: F401
from directory.audit.models import AuditLog  # noqa: F401
from directory.demands.models import Demand, DemandSuggestion  # noqa: F401
from directory.engagements.models import Engagement  # noqa: F401
from directory.enterprises.models import Enterprise, EnterpriseTag  # noqa: F401
from directory.evaluation.models import Evaluation, EvaluationPeriod, ScreeningAction  # noqa: F401
from directory.events.models import (  # noqa: F401
    Event,
    EventCategory,
    EventIndustry,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
)
from directory.experts.models import Expert, ExpertCategory, ExpertIndustry  # noqa: F401
from directory.institutions.models import (  # noqa: F401
    Institution,
    InstitutionCategory,
    InstitutionCoverage,
    InstitutionIndustry,
    Invitation,
    Offering,
)
from directory.jobs.models import JobRun  # noqa: F401
from directory.monitoring.models import MonitoringDaily, MonitoringDuration  # noqa: F401
from directory.notices.models import Notice, NoticeAttachment, NoticeCategory  # noqa: F401
from directory.notifications.models import Notification, OutgoingMail  # noqa: F401
from directory.reviews.models import Review  # noqa: F401
from directory.taxonomy.models import Category, Industry, Region, Tag  # noqa: F401
from search.models import SearchOutbox  # noqa: F401
