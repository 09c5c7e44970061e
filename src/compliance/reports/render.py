"""Choosing the renderer for a format. Each renderer is a small module with ``render(report) -> str``;
those whose output grows with the findings (JSON, CSV) also have ``write(report, out)``, which streams."""

from __future__ import annotations

import importlib
from typing import TextIO

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


def write(report: Report, fmt: str, out: TextIO) -> None:
    """The report written to ``out``; the same text as ``render``, streamed where the format allows."""
    module = importlib.import_module(MODULES[fmt])
    if hasattr(module, "write"):
        module.write(report, out)
    else:
        out.write(render(report, fmt))
