"""Progress of a long job (evaluation runs, large imports and exports, the open-data package), for a page
that polls it: the job reports as it goes, kept in the queue's own storage (the SQLite file's key-value
table or Redis), so any web process can read what any worker wrote.

A long job is registered with :meth:`JobEngine.progress_task`; it receives a ``progress`` callable and
returns its result; :func:`read` gives the page the latest :class:`Progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from directory.core.time import utcnow


@dataclass(frozen=True)
class Progress:
    job_id: str
    done: int = 0
    total: int | None = None
    message: str = ""
    state: str = "running"  # running · finished · failed
    result: str = ""
    updated_at: str = ""

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


def _key(job_id: str) -> str:
    return f"progress.{job_id}"


def write(huey: Any, progress: Progress) -> None:
    huey.put(_key(progress.job_id), {**asdict(progress), "updated_at": utcnow().isoformat()})


def read(huey: Any, job_id: str) -> Progress | None:
    """The latest report of ``job_id``, or None if it never reported (or was forgotten)."""
    data = huey.get(_key(job_id), peek=True)
    return Progress(**data) if data else None


def forget(huey: Any, job_id: str) -> None:
    huey.delete(_key(job_id))


def reporting(huey: Any, job_id: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a ``progress(done, total=None, message="")`` keyword, reporting finished or failed at its end."""
    def run(*args: Any, **kwargs: Any) -> Any:
        def progress(done: int, total: int | None = None, message: str = "") -> None:
            write(huey, Progress(job_id, done, total, message))

        progress(0)
        try:
            value = fn(*args, progress=progress, **kwargs)
        except Exception as exc:
            last = read(huey, job_id) or Progress(job_id)
            write(huey, Progress(job_id, last.done, last.total, last.message, "failed", f"{type(exc).__name__}: {exc}"))
            raise
        last = read(huey, job_id) or Progress(job_id)
        write(huey, Progress(job_id, last.done, last.total, last.message, "finished", "" if value is None else str(value)))
        return value
    return run
