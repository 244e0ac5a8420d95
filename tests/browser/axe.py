"""axe-core in the browser journeys (issue 16, item 8): the script from npm (never served by the app) injected
into every page of a context before the page's own scripts, and a check that lists the serious and critical
violations of the page shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
    `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " +
      (n.failureSummary || "").split("\\n").slice(1, 2).join("")).join(" | ")}`);
}"""


def inject(target: Any) -> None:
    """Add axe to every page of ``target`` (a page or a browser context). An init script is not subject to
    the page's CSP."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci installs axe-core)")
    target.add_init_script(path=str(AXE))


def violations(page: Any, base: str = "") -> list[str]:
    """The serious and critical violations on the page shown, each prefixed with its path and width."""
    page.wait_for_load_state("load")
    where = page.url.replace(base, "") if base else page.url
    width = page.viewport_size["width"] if page.viewport_size else "?"
    return [f"{where} [{width}px]: {v}" for v in page.evaluate(RUN_AXE)]
