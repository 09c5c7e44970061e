"""The JSON report (contracts.md): stable key order and no timestamps, so the same input gives the same bytes.

The report is streamed, one finding a line. A million findings make about a gigabyte of text, so no
line is written by Python: every distinct value of every column is encoded once (a clause, a party,
an event's fields, the pieces of an explanation), the keys are glued to them, and each slice of
findings is put together by Arrow from the codes that pick those texts (``take``, then a row-wise
join). Neighbour columns that take few values together (an event's actor, action and place; a
part's clause and party) are encoded as one beforehand, so a line is about fifteen pieces, not fifty.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
import pandas as pd
import pyarrow as pa

from compliance.engine.context import combinations
from compliance.engine.findings import FINDING_COLUMNS, Coded, Column
from compliance.engine.strings import TEXT, join_each, json_escaped, json_numbers, json_strings, json_values, text_of
from compliance.engine.unresolved import Unresolved, UnresolvedEvents
from compliance.reports.model import Report

_ITEM = "    "
_SLOT = "\u0000{}\u0000"  # stands for a list streamed in its place: no real value holds a NUL
CHUNK = 1 << 14
"""Findings put together at a time: about 20 MB of text."""
PRODUCT_LIMIT = 1 << 12
"""Two neighbour columns taking at most this many combinations of values are encoded as one."""
FUSE_LIMIT = 1 << 16
"""Neighbour columns of an event with at most this many possible combinations are encoded as one."""


def render(report: Report) -> str:
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()


def write(report: Report, out: TextIO) -> None:
    head = report.head()
    o = report.outcome
    set_aside = report.set_aside_records()
    head["findings"] = _SLOT.format("findings")
    head["events"] = {"read": o.read, "evaluated": o.evaluated, "set_aside": _SLOT.format("set_aside"),
                      "unresolved": _SLOT.format("unresolved")}
    text = json.dumps(head, ensure_ascii=False, indent=2, default=str) + "\n"
    for name in ("findings", "set_aside", "unresolved"):
        before, text = text.split(json.dumps(_SLOT.format(name)), 1)
        out.write(before)
        if name == "findings":
            _write_findings(report, out)
        elif name == "set_aside" and set_aside:
            out.write("[\n" + _lines(set_aside, _ITEM + "  ") + "\n" + _ITEM + "]")
        elif name == "unresolved" and o.unresolved:
            out.write("[\n" + _unresolved_lines(o.unresolved, _ITEM + "  ") + "\n" + _ITEM + "]")
        else:
            out.write("[]")
    out.write(text)


def _lines(items: list[dict[str, Any]], indent: str) -> str:
    """Records with the same keys (events set aside), one a line, as json.dumps writes them; each
    distinct value is encoded once."""
    keys = list(items[0])
    assert all(len(item) == len(keys) for item in items)
    columns: list[tuple[str, pa.Array, np.ndarray | None]] = []
    for key in keys:
        values = np.empty(len(items), dtype=object)
        values[:] = [_NONE if item[key] is None else item[key] for item in items]
        codes, uniques = pd.factorize(values, sort=False)
        columns.append((key, json_values([None if u is _NONE else u for u in uniques.tolist()]), codes))
    return _coded_lines(columns, indent)


def _unresolved_lines(unresolved: Sequence[Unresolved], indent: str) -> str:
    """The events without a party, one a line: their ids encoded as a column, each reason once."""
    if isinstance(unresolved, UnresolvedEvents):
        return _coded_lines([("event_id", json_strings(pa.array(unresolved.ids, type=TEXT)), None),
                             ("reason", json_values(unresolved.reasons), unresolved.codes)], indent)
    return _lines([{"event_id": u.event_id, "reason": u.reason} for u in unresolved], indent)


def _coded_lines(columns: list[tuple[str, pa.Array, np.ndarray | None]], indent: str) -> str:
    """One line a record, as json.dumps writes it: each column is its key, its values encoded as JSON
    and each record's code into them (None: one value a record, in order)."""
    pieces: list[Any] = []
    for k, (key, texts, codes) in enumerate(columns):
        pieces += [(indent + "{" if k == 0 else ", ") + json.dumps(key) + ": ",
                   texts if codes is None else texts.take(pa.array(codes))]
    return text_of(join_each(*pieces, "},\n")).tobytes().decode("utf-8")[:-2]


_NONE = object()  # stands for None while values are counted (pandas would read None as missing)


def _write_findings(report: Report, out: TextIO) -> None:
    """``[``, one finding a line (each line begins with the comma that ends the one before), ``]``.

    Each slice is written on a second thread while the next is put together: writing a gigabyte
    costs as much as making it, and both mostly run outside the interpreter's lock.
    """
    first = True
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="write") as pool:
        pending: Future[None] | None = None
        for text in encoded_findings(report):
            if pending is not None:
                pending.result()
            if first:
                out.write("[\n")
                text = text[len(_SEPARATOR):]  # the first line has no finding before it
                first = False
            pending = pool.submit(_write_bytes, out, text)
        if pending is not None:
            pending.result()
    out.write("[]" if first else "\n  ]")


_SEPARATOR = b",\n"


def _write_bytes(out: TextIO, text: memoryview) -> None:
    """UTF-8 text written as it is where ``out`` is a UTF-8 file (no decoding a gigabyte to encode it again)."""
    raw = getattr(out, "buffer", None)
    encoding = (getattr(out, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if raw is not None and encoding == "utf8":
        out.flush()
        raw.write(text)
    else:
        out.write(bytes(text).decode("utf-8"))


def encoded_findings(report: Report, size: int | None = None) -> Iterator[memoryview]:
    """The findings of the report as JSON lines, ``size`` (default CHUNK) findings at a time, as UTF-8."""
    if not report.count:
        return
    coded = report.outcome.coded
    pieces = _plan(coded, FINDING_COLUMNS)
    positions = report.selection if report.selection is not None else np.arange(report.count)
    size = size or CHUNK
    for start in range(0, len(positions), size):
        select = positions[start:start + size]
        yield text_of(join_each(*[p.table.take(pa.array(p.pick(select))) for p in pieces]))


# -- the plan: which texts a finding's line is made of --------------------------------------------------


@dataclass
class Piece:
    """Part of every line: the texts it can be, and how to find each finding's among them.

    ``over`` and ``codes`` as in ``findings.Column`` ("const" for text the same on every line);
    ``pick`` gives the code of each finding of a selection.
    """

    table: pa.Array
    over: str
    codes: np.ndarray | None
    pick: Callable[[np.ndarray], np.ndarray]


def _plan(coded: Coded, columns: tuple[str, ...]) -> list[Piece]:
    """The pieces of a finding's line, with their texts encoded.

    The columns are encoded on two threads (the work is Arrow's, outside the interpreter's lock), the
    explanation first: it is the longest. Then neighbours that take few values together are made one
    piece, so each finding's line is put together from about fifteen pieces rather than fifty.
    """
    def encode(name: str) -> list[Piece]:
        k = columns.index(name)
        key = (_SEPARATOR.decode() + _ITEM + "{" if k == 0 else ", ") + json.dumps(name) + ": "
        column = coded.column(name)
        if isinstance(column, tuple):  # the explanation: its pieces escaped, inside one pair of quotes
            return [_const(key + '"'), *(_atom(coded, c, quoted=False) for c in column), _const('"')]
        return [_const(key), _atom(coded, column, quoted=True, rounded=name in ("lat", "lon"))]

    first = sorted(columns, key=lambda name: name != "explanation")
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="encode") as pool:
        encoded = dict(zip(first, pool.map(encode, first), strict=True))
    atoms = [atom for name in columns for atom in encoded[name]] + [_const("}")]
    pieces: list[Piece] = []
    for atom in _glued(_fused(coded, atoms)):  # neighbours whose combinations are few: one piece
        if pieces and len(pieces[-1].table) * len(atom.table) <= PRODUCT_LIMIT:
            pieces[-1] = _product(pieces[-1], atom)
        else:
            pieces.append(atom)
    return pieces


def _const(text: str) -> Piece:
    return Piece(pa.array([text], type=TEXT), "const", None, lambda select: np.zeros(len(select), dtype=np.int64))


def _atom(coded: Coded, column: Column, quoted: bool, rounded: bool = False) -> Piece:
    values = column.values
    if isinstance(values, pa.Array):
        table = json_strings(values) if quoted else json_escaped(values)
    elif values.dtype.kind == "f":
        table = json_numbers(values, 5) if rounded else json_values(values.tolist())
    elif quoted:
        table = json_values(values.tolist())
    else:
        table = json_escaped(pa.array(values.tolist(), type=TEXT))
    return Piece(table, column.over, column.codes, lambda select: coded.codes(column, select))


def _fusable(atom: Piece) -> bool:
    """Whether ``atom`` takes few values per event (or per part) that a combination can be made of."""
    return atom.over == "part" or (atom.over == "event" and atom.codes is not None)


def _fused(coded: Coded, atoms: list[Piece]) -> list[Piece]:
    """Neighbours over the same events (or parts) that each take few values (an event's actor, action
    and place, say), with the constant text between them, made one piece: its texts are written once
    per combination that occurs."""
    out: list[Piece] = []
    group: list[Piece] = []

    def close() -> None:
        if sum(a.over != "const" for a in group) >= 2:
            out.append(_combined(coded, group))
        else:
            out.extend(group)
        group.clear()

    for atom in atoms:
        if atom.over != "const" and not _fusable(atom):
            close()
            out.append(atom)
            continue
        kinds = {a.over for a in group if a.over != "const"}
        if atom.over != "const" and (kinds - {atom.over} or _combinations_bound(coded, [*group, atom]) > FUSE_LIMIT):
            close()
        group.append(atom)
    close()
    return out


def _combinations_bound(coded: Coded, group: list[Piece]) -> float:
    """At most how many combinations the group's values can form: the product of their numbers of values,
    and never more than there are items (a part's clause and party take one combination per part)."""
    varying = [a for a in group if a.over != "const"]
    items = len(coded.outcome.parts) if varying and varying[0].over == "part" else float("inf")
    return min(float(np.prod([float(len(a.table)) for a in varying])), items)


def _combined(coded: Coded, group: list[Piece]) -> Piece:
    varying = [a for a in group if a.over != "const"]
    codes = {id(a): a.codes if a.codes is not None else np.arange(len(a.table)) for a in varying}
    combo, first = combinations([codes[id(a)] for a in varying])
    texts = {id(a): a.table.to_pylist() for a in group}
    table = pa.array(["".join(texts[id(a)][0] if a.over == "const" else texts[id(a)][codes[id(a)][r]]
                              for a in group) for r in first.tolist()], type=TEXT)
    column = Column(table, combo, varying[0].over)
    return Piece(table, column.over, combo, lambda select: coded.codes(column, select))


def _glued(pieces: list[Piece]) -> list[Piece]:
    """Constant text glued onto a neighbour: the one before it where that takes few values (the text is
    then written a few times, not once per event), else the one after it."""
    out: list[Piece] = []
    pending = ""
    for piece in pieces:
        if piece.over == "const":
            text = piece.table[0].as_py()
            if out and not pending and len(out[-1].table) <= FUSE_LIMIT:
                out[-1] = _around(out[-1], "", text)
            else:
                pending += text
            continue
        out.append(_around(piece, pending, "") if pending else piece)
        pending = ""
    if pending:
        out[-1] = _around(out[-1], "", pending)
    return out


def _around(piece: Piece, before: str, after: str) -> Piece:
    return Piece(join_each(before, piece.table, after), piece.over, piece.codes, piece.pick)


def _product(a: Piece, b: Piece) -> Piece:
    """One piece for every combination of ``a``'s and ``b``'s texts."""
    width = len(b.table)
    table = join_each(a.table.take(pa.array(np.repeat(np.arange(len(a.table)), width))),
                      b.table.take(pa.array(np.tile(np.arange(width), len(a.table)))))
    return Piece(table, "finding", None, lambda select: a.pick(select).astype(np.int64) * width + b.pick(select))
