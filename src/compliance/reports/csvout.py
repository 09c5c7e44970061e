"""The CSV report: one finding per row, for a spreadsheet.

UTF-8 with a byte-order mark and CRLF line ends (RFC 4180), so that Excel and LibreOffice open it
with the right characters. Any text cell that a spreadsheet would read as a formula (one starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, also after leading spaces or in their
full-width forms) is neutralised with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

import numpy as np
import pandas as pd

from compliance.engine.context import each_distinct
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
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, out: TextIO) -> None:
    """The findings a slice at a time (see ``Report.chunks``); each column's cells made once per distinct value."""
    clause_text = {key: info.text for key, info in views.clauses(report).items()}
    notes = _event_notes(report)
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for chunk in report.chunks():
        cells = [_cells(chunk[c], rounded=c in ("lat", "lon")) for c in FINDING_COLUMNS]
        cells.append([neutralise(clause_text.get(c, "")) for c in chunk["clause"].tolist()])
        cells.append([neutralise(notes.get(e, "")) for e in chunk["event_id"].tolist()])
        writer.writerows(zip(*cells, strict=True))


def _event_notes(report: Report) -> dict[str, str]:
    frame = report.inputs.events.frame
    if not len(frame):
        return {}
    ids = frame["id"].to_numpy(dtype=object, na_value="")
    notes = frame["notes"].to_numpy(dtype=object, na_value="")
    noted = np.flatnonzero(notes != "")
    return dict(zip(ids[noted].tolist(), notes[noted].tolist(), strict=True))


def _cells(column: pd.Series, rounded: bool) -> list[object]:
    cell = (lambda u: neutralise(round(float(u), 5))) if rounded else neutralise
    return each_distinct(column.to_numpy(), cell, missing="")
