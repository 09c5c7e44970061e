"""The JSON report (contracts.md): stable key order and no timestamps, so the same input gives the same bytes.

The report is streamed: the findings are made and encoded a slice at a time, one finding per line, so a
run over a million events neither holds the whole text in memory nor spends minutes in the encoder.
Each column of a slice is encoded once per distinct value (most columns repeat a handful of values),
then the lines are joined.
"""

from __future__ import annotations

import io
import json
from typing import Any, TextIO

import numpy as np
import pandas as pd

from compliance.engine.context import each_distinct
from compliance.reports.model import Report

_ITEM = "    "
_DISTINCT = frozenset({"event_id", "explanation", "uncertain"})
_text = json.encoder.encode_basestring  # the C encoder of a string, as json.dumps(ensure_ascii=False) writes it
_SLOT = "\u0000{}\u0000"  # stands for a list streamed in its place: no real value holds a NUL


def render(report: Report) -> str:
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, out: TextIO) -> None:
    head = report.head()
    accounting = report.accounting()
    head["findings"] = _SLOT.format("findings")
    head["events"] = {**accounting, "set_aside": _SLOT.format("set_aside"), "unresolved": _SLOT.format("unresolved")}
    text = json.dumps(head, ensure_ascii=False, indent=2, default=str) + "\n"
    streams = {
        "findings": (_ITEM, (encode_findings(chunk, _ITEM) for chunk in report.chunks())),
        "set_aside": (_ITEM + "  ", [_lines(accounting["set_aside"], _ITEM + "  ")]),
        "unresolved": (_ITEM + "  ", [_lines(accounting["unresolved"], _ITEM + "  ")]),
    }
    for name, (indent, pieces) in streams.items():
        before, text = text.split(json.dumps(_SLOT.format(name)), 1)
        out.write(before)
        _write_list(out, pieces, indent[:-2])
    out.write(text)


def _write_list(out: TextIO, pieces, closing_indent: str) -> None:
    """``[``, the pieces (each some lines, without a trailing comma) joined by commas, ``]``."""
    first = True
    for piece in pieces:
        if not piece:
            continue
        out.write("[\n" if first else ",\n")
        out.write(piece)
        first = False
    out.write("[]" if first else "\n" + closing_indent + "]")


def _lines(items: list[dict[str, Any]], indent: str) -> str:
    return ",\n".join(indent + json.dumps(item, ensure_ascii=False, separators=(", ", ": ")) for item in items)


def encode_findings(frame: pd.DataFrame, indent: str = "") -> str:
    """Findings as JSON objects, one a line, keys in the column order; NaN and None as null,
    coordinates to 5 decimals (about a metre)."""
    n = len(frame)
    if not n:
        return ""
    names = list(frame.columns)
    keys = [(indent + "{" if k == 0 else ", ") + json.dumps(name).replace("%", "%%") + ": "
            for k, name in enumerate(names)]
    line = "".join(key + "%s" for key in keys) + "}"  # one finding: its cells, already encoded, in place
    cells = [_each(frame[name]) if name in _DISTINCT else _encoded(frame[name], rounded=name in ("lat", "lon"))
             for name in names]
    return ",\n".join([line % row for row in zip(*cells, strict=True)])


def _each(column: pd.Series) -> list[str]:
    """Columns whose values rarely repeat: each encoded directly (hashing them would cost more)."""
    return [_text(v) if type(v) is str else _one(v) for v in column.to_numpy(dtype=object).tolist()]


def _one(value: Any) -> str:
    if value is None or value != value:
        return "null"
    return _value(value.item() if isinstance(value, np.generic) else value)


def _encoded(column: pd.Series, rounded: bool) -> list[str]:
    # coordinates are finite here (NaN is missing): the shortest repr, as json.dumps writes a float
    cell = (lambda u: repr(round(float(u), 5))) if rounded else _value
    return each_distinct(column.to_numpy(), cell, missing="null")


def _value(value: Any) -> str:
    return _text(value) if type(value) is str else json.dumps(value, ensure_ascii=False, default=str)
