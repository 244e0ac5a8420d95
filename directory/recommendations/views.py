"""The page explaining how recommendations are ranked (linked from every list of recommendations)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from directory.recommendations import scoring
from directory.recommendations.inference import MIN_CONFIDENCE
from directory.recommendations.retrieval import MAX_TERM_SHARE

bp = Blueprint("recommendations", __name__)


@bp.get("/recommendations/how")
def how_recommendations_work() -> Any:
    return render_template("recommendations/how.html", weights={k: round(100 * w) for k, w in scoring.WEIGHTS.items()},
                           inferred=int(100 * scoring.INFERRED), confidence=int(100 * MIN_CONFIDENCE),
                           common=int(100 * MAX_TERM_SHARE), prior=scoring.RATING_PRIOR,
                           speed_hours=scoring.SPEED_HALF_HOURS, load_half=scoring.LOAD_HALF)
