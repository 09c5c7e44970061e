"""The JSON report (contracts.md): stable key order and no timestamps, so the same input gives the same bytes."""

from __future__ import annotations

import json

from compliance.reports.model import Report


def render(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str) + "\n"
