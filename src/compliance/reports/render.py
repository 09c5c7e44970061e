"""Choosing the renderer for a format. Each renderer is a small module with ``render(report) -> str``."""

from __future__ import annotations

import importlib

from compliance.reports.model import Report

MODULES = {
    "json": "compliance.reports.jsonout",
    "table": "compliance.reports.table",
    "markdown": "compliance.reports.markdown",
    "csv": "compliance.reports.csvout",
    "html": "compliance.reports.html",
}


def render(report: Report, fmt: str, *, width: int | None = None) -> str:
    module = importlib.import_module(MODULES[fmt])
    if fmt == "table":
        return module.render(report, width=width)
    return module.render(report)
