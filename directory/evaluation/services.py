"""Evaluation read side used by the directory; the computation comes with the evaluation workflow."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from directory.evaluation.models import DIMENSIONS, Evaluation, EvaluationPeriod
from directory.extensions import db


def latest_evaluation_json(institution_id: int) -> dict[str, Any] | None:
    """The newest evaluation of an institution in the API's shape, or None if it was never evaluated."""
    row = db.session.exec(
        select(Evaluation, EvaluationPeriod).join(EvaluationPeriod)
        .where(Evaluation.institution_id == institution_id)
        .order_by(EvaluationPeriod.ends_on.desc())  # type: ignore[attr-defined]
    ).first()
    if row is None:
        return None
    evaluation, period = row
    return {"period": period.code, "composite": evaluation.composite, "grade": evaluation.grade,
            "dimensions": {d: getattr(evaluation, d) for d in DIMENSIONS}}
