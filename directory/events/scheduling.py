"""The promised import path of the meeting scheduler.

CONTRACTS.md promises ``directory.events.scheduling.schedule_meetings`` to code outside this app (benchmarks,
notebooks, other tools). The solver itself lives in :mod:`directory.events.solver` since issue 12 (its old
name differed from the staff's planning, :mod:`directory.events.planning`, by three letters); this module
only keeps that path working. Code in this repository imports from ``solver``.
"""

from directory.events.solver import REASON_MESSAGES, Schedule, Unscheduled, schedule_meetings

__all__ = ["REASON_MESSAGES", "Schedule", "Unscheduled", "schedule_meetings"]
