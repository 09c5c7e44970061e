"""The CSV report: one finding per row, for a spreadsheet.

UTF-8 with a byte-order mark and CRLF line ends (RFC 4180), so that Excel and LibreOffice open it
with the right characters. Any text cell that a spreadsheet would read as a formula (one starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also after leading spaces or in their
full-width forms) is neutralised with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io

from compliance.engine.findings import FINDING_COLUMNS
from compliance.reports import views
from compliance.reports.model import Report

BOM = "\ufeff"
COLUMNS = (*FINDING_COLUMNS, "clause_text", "event_notes")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """A cell as a spreadsheet should show it: numbers stay numbers, formula-like text becomes text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    stripped = text.lstrip(" ")
    if stripped.startswith(_TRIGGERS) or text.startswith(_TRIGGERS):
        return "'" + text
    return text


def render(report: Report) -> str:
    clauses = views.clauses(report)
    events = views.events(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for rec in report.finding_records():
        clause = clauses.get(rec["clause"])
        event = events.get(rec["event_id"] or "", {})
        row = [*(rec.get(c) for c in FINDING_COLUMNS), clause.text if clause else "", event.get("notes", "")]
        writer.writerow([neutralise(v) for v in row])
    return BOM + buffer.getvalue()
