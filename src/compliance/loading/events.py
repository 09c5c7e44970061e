"""Loading event logs (YAML, CSV, Parquet) into one table of typed columns.

Hand-written YAML goes through the pydantic models event by event, so each mistake is located
exactly. CSV and Parquet logs can hold millions of rows: they are validated column by column
(vectorized), never one Python object per row. Either way every event read ends up in the table
or in ``set_aside`` with the reason and its place: nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import threading
import warnings
from array import array
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from compliance import vocabulary as v
from compliance.loading import codes as coding
from compliance.loading.problems import Problem, Problems, did_you_mean
from compliance.loading.validate import validate
from compliance.loading.yamlpos import Located, YamlError, load_file
from compliance.models.events import EVENT_ID_PATTERN, Event

LOCAL_TZ = "Asia/Damascus"

CSV_REQUIRED = ("id", "date", "action", "lat", "lon")
CSV_COLUMNS = (
    "id", "date", "date_end", "actor", "action", "weapons", "target_type", "target_party", "location",
    "lat", "lon", "admin1", "admin2", "killed", "civilians_killed", "attribution", "sources", "notes",
    "precision_km", "target_name", "involved", "attribution_note",
)
TEXT_COLUMNS = tuple(c for c in CSV_COLUMNS if c not in ("lat", "lon", "precision_km", "killed", "civilians_killed"))

# Every table the loader returns has these columns, in this order.
COLUMNS = (*CSV_COLUMNS, "alternatives", "origin", "start", "end")

# A generous box around Syria: an event outside it cannot lie in any zone, and is most often a
# latitude/longitude swap.
SYRIA_BOX = (31.0, 38.5, 34.5, 43.5)  # lat_min, lat_max, lon_min, lon_max
YEAR_RANGE = (1990, 2100)


@dataclass(frozen=True)
class SetAside:
    """An event that could not be evaluated, with the place and the reason."""

    event_id: str
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass
class EventTable:
    """The event log as typed columns, with the accounting of every event read."""

    frame: pd.DataFrame
    read: int = 0
    set_aside: list[SetAside] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    files: list[Path] = field(default_factory=list)
    codes: dict[str, coding.Coded] | None = field(default=None, repr=False, compare=False)
    """The codes of the categorical columns of ``frame``, where the loader made them (one CSV or Parquet file
    none of whose rows was let go after its chunks were coded, as repeated ids are; see ``loading.codes``), for
    the engine to use instead of hashing the columns again."""
    # the problems of single events (each set aside with its reason): a run may go on without those events
    row_problems: set[Problem] = field(default_factory=set, repr=False, compare=False)

    @property
    def ids(self) -> pd.Series:
        return self.frame["id"]


def empty_frame() -> pd.DataFrame:
    global _EMPTY
    if _EMPTY is None:  # made once: its dates and numbers take pandas tens of milliseconds, even with no rows
        _EMPTY = _finish(pd.DataFrame({c: pd.Series(dtype="object") for c in CSV_COLUMNS}))
    return _EMPTY.copy()


_EMPTY: pd.DataFrame | None = None


# -- YAML ----------------------------------------------------------------------------------------------


def _source_text(sources: list[Any]) -> str:
    parts = []
    for s in sources:
        bits = [s.name]
        if s.date:
            bits.append(f"({s.date})")
        if s.url:
            bits.append(s.url)
        elif s.ref:
            bits.append(s.ref)
        parts.append(" ".join(str(b) for b in bits))
    return "; ".join(parts)


def event_row(e: Event, origin: str) -> dict[str, Any]:
    """One validated event as a row of the table (text columns as text, numbers as numbers)."""
    return {
        "id": e.id,
        "date": e.date.isoformat(),
        "date_end": e.date_end.isoformat() if e.date_end else "",
        "actor": e.actor or "",
        "action": e.action,
        "weapons": ";".join(e.weapons),
        "target_type": e.target.type or "",
        "target_party": e.target.party or "",
        "location": e.location.name or "",
        "lat": e.location.lat,
        "lon": e.location.lon,
        "admin1": e.location.admin1 or "",
        "admin2": e.location.admin2 or "",
        "killed": e.casualties.killed,
        "civilians_killed": e.casualties.civilians_killed,
        "attribution": e.attribution,
        "sources": _source_text(e.sources),
        "notes": e.notes or "",
        "precision_km": e.location.precision_km,
        "target_name": e.target.name or "",
        "involved": ";".join(e.involved),
        "attribution_note": e.attribution_note or "",
        "alternatives": json.dumps([a.model_dump(mode="json", exclude_none=True) for a in e.alternatives],
                                   ensure_ascii=False, sort_keys=True) if e.alternatives else "",
        "origin": origin,
    }


def events_frame(events: list[Event], origin: str = "") -> pd.DataFrame:
    """A table from event models (rule tests, property tests and the YAML loader use this one path)."""
    rows = [event_row(e, origin or f"event {e.id}") for e in events]
    frame = pd.DataFrame(rows, columns=[*CSV_COLUMNS, "alternatives", "origin"]) if rows else None
    if frame is None:
        return empty_frame()
    return _finish(frame)


def _load_yaml(path: Path, shown: str, table: EventTable) -> pd.DataFrame | None:
    try:
        located = load_file(path, shown)
    except YamlError as exc:
        _add(table, exc.problem.path, exc.problem.line, exc.problem.col, exc.problem.message)
        return None
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        _add(table, shown, *located.where(()), "an event file holds a mapping with an 'events:' list")
        return None
    extra = [k for k in data if k != "events"]
    for k in extra:
        _add(table, shown, *located.where((k,), key=True), f"unknown key '{_short(k, 80)}' (did you mean 'events'?)"
             if did_you_mean(k, ["events"]) else f"unknown key '{_short(k, 80)}'; an event file holds 'events:'")
    rows = []
    for raw, sub in zip(data["events"], _each_event(located), strict=True):
        table.read += 1
        line, col = sub.where(())
        origin = f"{shown}:{line}:{col}"
        event, problems = validate(Event, sub)
        if event is not None:
            problems = _event_checks(event, sub)
        if problems:
            ident = _short(str(raw.get("id", "")), 80) if isinstance(raw, dict) else ""
            messages = [_event_message(p.message) for p in problems]
            for p, message in zip(problems, messages, strict=True):
                _add(table, p.path, p.line, p.col, message, row=True)
            table.set_aside.append(SetAside(ident, f"{shown}:{problems[0].line}:{problems[0].col}",
                                            "; ".join(messages)))
            continue
        rows.append(event_row(event, origin))
    if not rows:
        return None
    return _finish(pd.DataFrame(rows, columns=[*CSV_COLUMNS, "alternatives", "origin"]))


def _each_event(located: Located):
    """The part of the document under each ``events[i]``, with its positions: one pass over the positions
    (``Located.sub`` per event would scan all of them for every event)."""
    values: dict[int, dict] = {}
    keys: dict[int, dict] = {}
    for source, target in ((located.values, values), (located.keys, keys)):
        for loc, pos in source.items():
            if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
                target.setdefault(loc[1], {})[loc[2:]] = pos
    for i, raw in enumerate(located.data["events"]):
        yield Located(located.path, raw, values.get(i, {}), keys.get(i, {}))


def _event_checks(e: Event, sub: Located) -> list[Problem]:
    """What the model does not check but the CSV route does: years the tool reads, and a place in Syria."""
    out: list[Problem] = []
    low, high = YEAR_RANGE
    for name in ("date", "date_end"):
        value = getattr(e, name)
        if value is None:
            continue
        year = value.astimezone(dt.UTC).year if isinstance(value, dt.datetime) else value.year
        if not low <= year <= high:
            label = "the date" if name == "date" else name
            out.append(Problem(sub.path, *sub.where((name,)), f"{label} {value.isoformat()} is outside the years "
                               f"{low}..{high} this tool reads; check the year"))
    lat, lon = e.location.lat, e.location.lon
    if not _in_syria(np.array([lat]), np.array([lon]))[0]:
        swapped = _in_syria(np.array([lon]), np.array([lat]))[0]
        out.append(Problem(sub.path, *sub.where(("location", "lat")), f"the place ({lat}, {lon}) lies outside Syria"
                           + ("; latitude and longitude look swapped" if swapped else "")))
    return out


def _event_message(message: str) -> str:
    message = _short(_prefix_field(message), 1000)
    not_finite = re.match(r"^(location\.(?:lat|lon|precision_km)) is (nan|-?inf): ", message)
    if not_finite:  # pydantic reports NaN and infinity as out of range
        return f"{not_finite.group(1)} should be a finite number, got {not_finite.group(2)}"
    if message.startswith("the file should be"):  # the whole event, not the whole file
        message = "an event" + message.removeprefix("the file")
        for python, plain in (("NoneType", "empty (null)"), ("int", "a number"), ("float", "a number"),
                              ("bool", "true or false")):
            message = re.sub(rf"but it is {python}$", f"but it is {plain}", message)
    return message


def _prefix_field(message: str) -> str:
    return re.sub(r"\bevents\.\d+\.", "", message)


# -- CSV and Parquet -------------------------------------------------------------------------------------

# A log of several hundred MB is read, checked and reduced to typed columns one chunk at a time, so the raw
# text of the whole file is never held at once: a chunk is about CHUNK_BYTES of text, and at most CHUNK_ROWS rows.
CHUNK_BYTES = 32 * 1024 * 1024
CHUNK_ROWS = 200_000
_SCAN_BYTES = 1 << 20
_BAD_LINE = re.compile(r"Skipping line (\d+): expected (\d+) fields?, saw (\d+)")


class _Unreadable(Exception):
    """The file as a whole cannot be read: one located problem, and none of its rows count as read."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _load_table(path: Path, shown: str, table: EventTable) -> pd.DataFrame | None:
    """A CSV or Parquet log, streamed in chunks; the file counts only once it has been read to its end."""
    local = EventTable(empty_frame())
    try:
        if path.suffix.lower() == ".parquet":
            frames = _read_parquet(path, shown, local)
        else:
            plain = _read_plain_csv(path, shown, local)
            if plain is not None:
                frames = plain
            else:  # anything unusual about the file: the exact (slower) reading decides, from scratch
                local = EventTable(empty_frame())
                try:
                    frames = _read_csv(path, shown, local)
                except _Recount as recount:
                    local = EventTable(empty_frame())
                    frames = _read_csv(path, shown, local, recount.line_map)
    except _Unreadable as exc:
        _add(table, shown, exc.line, exc.col, exc.message)
        return None
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # a reader's own failure on a hostile file: say so, located, never a traceback
        _add(table, shown, 1, 1, f"the file cannot be read as an event table ({type(exc).__name__}: "
             f"{_short(str(exc).strip())}); check that it is a CSV or Parquet event log")
        return None
    table.read += local.read
    table.set_aside.extend(local.set_aside)
    for p in local.problems.items:
        _add(table, p.path, p.line, p.col, p.message, row=p in local.row_problems)
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    table.codes = local.codes  # for the rows of the frame returned, in order
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _scan_bytes(path: Path) -> tuple[int, bool]:
    """Refuse binary and non-UTF-8 files before parsing, naming the line and column of the first bad byte.

    The CSV parser would otherwise turn a NUL into a space, and stop at a decoding error with a position
    inside its own buffer. Streamed in blocks: a large log is never read whole.
    """
    line, col = 1, 1  # where the next character is
    pending = b""  # an incomplete UTF-8 sequence at the end of a block, completed by the next one
    newlines, last = 0, b""
    with path.open("rb") as fh:
        block = fh.read(_SCAN_BYTES)
        if block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8):]
        while True:
            data = pending + block
            nul = data.find(b"\x00")
            upto = data if nul < 0 else data[:nul]
            pending = b""
            try:
                text = upto.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = upto[: exc.start].decode("utf-8")
                at_end = exc.reason == "unexpected end of data" and exc.end == len(upto)
                if at_end and block and nul < 0:
                    pending = upto[exc.start:]
                elif not (at_end and nul >= 0):
                    line, col = _advance(line, col, text)
                    if line == col == 1 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                        raise _Unreadable(1, 1, "the file is UTF-16 text, not UTF-8; save it as UTF-8 "
                                          "(a spreadsheet's 'CSV UTF-8' export)") from None
                    raise _Unreadable(line, col, f"the file is not UTF-8 text (byte 0x{upto[exc.start]:02x} here); "
                                      "save it as UTF-8 (a spreadsheet's 'CSV UTF-8' export)") from None
            line, col = _advance(line, col, text)
            if nul >= 0:
                raise _Unreadable(line, col, "the file contains a NUL byte: it is binary (or UTF-16), not CSV text; "
                                  "save it as UTF-8 CSV")
            if not block:
                return newlines, last == b"\n"
            newlines += block.count(b"\n")
            last = block[-1:]
            block = fh.read(_SCAN_BYTES)


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    """The line and column after reading ``text`` from ``line``, ``col``."""
    newlines = text.count("\n")
    if not newlines:
        return line, col + len(text)
    return line + newlines, len(text) - text.rfind("\n")


def _read_csv(path: Path, shown: str, table: EventTable, line_map: np.ndarray | None = None) -> list[pd.DataFrame]:
    newlines, ends_with_newline = _scan_bytes(path)
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False,
                             on_bad_lines="warn", engine="c", chunksize=_chunk_rows(path), skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise _Unreadable(1, 1, "the file is empty; a CSV event log starts with the header line: "
                          + ",".join(CSV_COLUMNS[:18])) from None
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise _unreadable_csv(exc) from None
    state = _CsvState(shown, table, line_map)
    frames: list[pd.DataFrame] = []
    with reader, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        while True:
            try:
                chunk = next(reader)
            except StopIteration:
                break
            except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
                raise _unreadable_csv(exc) from None
            state.warned(caught)
            frame = state.chunk(chunk)
            if frame is not None:
                frames.append(frame)
        state.warned(caught)
        state.place_skipped(None, None)
    records = 1 + state.rows + len(state.skipped)
    if line_map is None and newlines not in (records + state.newlines - (not ends_with_newline),
                                             records + state.newlines - 1):
        # Lines the counting above could not see (inside a skipped row, or lone carriage returns):
        # count every record's line exactly, then read again.
        raise _Recount(_record_lines(path))
    return frames


class _Recount(Exception):
    """A signal: read the file again with the exact line of every record."""

    def __init__(self, line_map: np.ndarray):
        super().__init__("recount")
        self.line_map = line_map


def _record_lines(path: Path) -> np.ndarray:
    """The line each record starts on (the header is record 1), counted by Python's csv reader."""
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    starts = array("q")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            last = 0
            for _ in reader:
                starts.append(last + 1)
                last = reader.line_num
    except (csv.Error, UnicodeDecodeError, OSError):
        pass  # the lines found so far; later records keep the counted lines
    finally:
        csv.field_size_limit(limit)
    return np.frombuffer(starts, dtype=np.int64) if starts else np.ones(1, dtype=np.int64)


class _CsvState:
    """What carries from one chunk to the next: rows seen, newlines inside quoted cells, skipped records.

    The parser numbers records (header = 1), counting a blank line as a record but not the newlines inside
    a quoted cell; a row's line in the file is its record number plus the newlines in the cells before it.
    """

    def __init__(self, shown: str, table: EventTable, line_map: np.ndarray | None = None):
        self.shown, self.table, self.line_map = shown, table, line_map
        self.rows = 0  # rows the parser returned so far
        self.newlines = 0  # newlines inside quoted cells (and the header) so far
        self.skipped: list[int] = []  # records the parser skipped (more fields than the header), sorted
        self.pending: list[tuple[int, str, str]] = []  # skipped records not yet given a line
        self.header_ok: bool | None = None
        self.col_of: dict[str, int] = {}
        self.seen = _SeenIds()

    def warned(self, caught: list) -> None:
        for w in caught:
            if not issubclass(w.category, pd.errors.ParserWarning):
                continue
            found = _BAD_LINE.findall(str(w.message))
            if not found:
                _add(self.table, self.shown, 1, 1, f"the CSV parser skipped what it could not read: "
                     f"{_short(str(w.message))}")
            for record, expected, saw in found:
                self.skipped.append(int(record))
                self.pending.append((int(record), expected, saw))
        caught.clear()
        self.skipped.sort()
        self.pending.sort()

    def place_skipped(self, records: np.ndarray | None, newlines_before: np.ndarray | None) -> None:
        """Set aside the skipped records that lie before the end of this chunk (all of them at the end)."""
        keep = []
        for record, expected, saw in self.pending:
            if records is not None and (not len(records) or record > records[-1]):
                keep.append((record, expected, saw))
                continue
            extra = self.newlines
            if records is not None:
                k = int(np.searchsorted(records, record))
                extra += int(newlines_before[k - 1]) if k else 0
            line = int(self._mapped(np.array([record]), np.array([record + extra]))[0])
            reason = (f"the row has {saw} fields but the header has {expected}; a cell holding a ',' must be "
                      "put in double quotes")
            self.table.read += 1
            self.table.set_aside.append(SetAside("", f"{self.shown}:{line}:1", reason))
            _add(self.table, self.shown, line, 1, f"row skipped: {reason}", row=True)
        self.pending = keep

    def _mapped(self, records: np.ndarray, counted: np.ndarray) -> np.ndarray:
        """Lines from the exact count when there is one (records beyond it keep the counted lines)."""
        if self.line_map is None:
            return counted
        known = records <= len(self.line_map)
        return np.where(known, self.line_map[np.minimum(records, len(self.line_map)) - 1], counted)

    def chunk(self, raw: pd.DataFrame) -> pd.DataFrame | None:
        """One chunk of rows: lines, blank rows dropped, the header checked once, the rows checked."""
        shown, table = self.shown, self.table
        n = len(raw)
        columns = [str(c).strip() for c in raw.columns]
        if self.header_ok is None:
            self.header_ok = _header_problems(columns, shown, table, 1)
            self.col_of = {c: i + 1 for i, c in enumerate(columns)}
            self.newlines += sum(str(c).count("\n") for c in raw.columns)
        raw.columns = columns
        index = np.arange(self.rows, self.rows + n, dtype=np.int64)
        self.rows += n
        record = index + 2
        if self.skipped:
            marks = np.asarray(self.skipped, dtype=np.int64) - 2 - np.arange(len(self.skipped), dtype=np.int64)
            record = record + np.searchsorted(marks, index, side="right")
        inner = np.zeros(n, dtype=np.int64)
        empty = np.ones(n, dtype=bool)
        for c in raw.columns:
            col = raw[c].astype("string").fillna("")
            empty &= (col == "").to_numpy()
            has_newline = col.str.contains("\n", regex=False).fillna(False).to_numpy()
            if has_newline.any():
                inner[has_newline] += col[has_newline].str.count("\n").to_numpy(dtype=np.int64)
        through = np.cumsum(inner)  # newlines in the cells of this chunk up to and including each row
        lines = self._mapped(record, record + self.newlines + through - inner)
        self.place_skipped(record, through)
        self.newlines += int(through[-1]) if n else 0
        keep = ~empty  # a row with every cell empty (a blank line, a spreadsheet's empty row) holds no event
        if not keep.all():
            raw, lines = raw.loc[keep], lines[keep]
        if not len(raw):
            return None
        table.read += len(raw)
        if not self.header_ok:
            table.set_aside.extend(SetAside("", f"{shown}:{line}", "the file's header is invalid")
                                   for line in lines.tolist())
            return None
        for c in CSV_COLUMNS:
            if c not in raw.columns:
                raw[c] = ""
        raw = raw.reset_index(drop=True)
        raw["origin"] = _origins(shown, lines)
        raw["alternatives"] = ""
        return _check_rows(raw, shown, table, self.col_of, lines, self.seen)


def _chunk_rows(path: Path) -> int:
    """Rows per chunk: about CHUNK_BYTES of text, judged by the length of the lines at the head of the file."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    per_row = max(1, len(head) // max(1, head.count(b"\n")))
    return int(min(CHUNK_ROWS, max(10, CHUNK_BYTES // per_row)))


# -- the plain CSV: read by Arrow ---------------------------------------------------------------------------
#
# Most logs are plain: UTF-8, one record a line, every row with the header's fields, no blank lines. Such a file
# gives the same cells whichever parser reads it, and the line of a row is its number plus one; Arrow's CSV reader
# reads it several times faster than pandas can give it as text. Any other file (and any file Arrow will not read)
# goes to ``_read_csv``, which keeps every line exact through quoted newlines, blank and skipped rows.

# Bytes Arrow parses at a time: a row longer than this sends the file to ``_read_csv``. Arrow reads some 40 blocks
# ahead, so a block is at most a 32nd of a chunk (and at least 64 KiB).
_ARROW_BLOCK = 1 << 20


def _read_plain_csv(path: Path, shown: str, table: EventTable) -> list[pd.DataFrame] | None:
    """The frames of a plain CSV log, in the same chunks as ``_read_csv``; None for any other file (``table``
    then holds partial counts and is discarded)."""
    import pyarrow.csv as pacsv

    lines_in_file = _plain_lines(path)
    if lines_in_file is None or lines_in_file < 2 or not _encodable(shown) or _ends_in_open_quote(path):
        return None
    read = pacsv.ReadOptions(block_size=int(min(_ARROW_BLOCK, max(1 << 16, CHUNK_BYTES // 32))))
    parse = pacsv.ParseOptions(newlines_in_values=True)  # quote-aware splitting, so the cells are always right
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse) as peek:
            names = peek.schema.names
    except (pa.ArrowException, ValueError, OSError):
        return None
    columns = [str(c).strip() for c in names]
    if (len(set(columns)) != len(columns) or any(c not in CSV_COLUMNS for c in columns)
            or any(c not in columns for c in CSV_REQUIRED)):
        return None  # the header's problems are for ``_read_csv`` to report
    convert = pacsv.ConvertOptions(column_types={c: pa.large_string() for c in names}, strings_can_be_null=False,
                                   check_utf8=False)  # ``_plain_lines`` has checked the UTF-8
    chunk_rows, checks = _chunk_rows(path), _FileChecks(shown, table, {c: i + 1 for i, c in enumerate(columns)})
    done = 0  # data rows so far
    batches: list[pa.RecordBatch] = []
    buffered = 0
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowException, ValueError, OSError):
        return None
    with reader:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            except (pa.ArrowException, ValueError, OSError):  # a row with too few or too many fields, ...
                return None
            if batch is not None:
                batches.append(batch)
                buffered += batch.num_rows
            # the same chunks as pandas' reader: rows [k * chunk_rows, (k + 1) * chunk_rows)
            while buffered >= chunk_rows or (batch is None and buffered):
                data = pa.Table.from_batches(batches, schema=reader.schema)
                take = min(chunk_rows, buffered)
                rest = data.slice(take)
                batches, buffered = rest.to_batches(), rest.num_rows
                if done + take + 1 > lines_in_file:
                    return None
                _plain_chunk(data.slice(0, take), columns, done + 2, shown, table, checks)
                done += take
            if batch is None:
                break
    if done + 1 != lines_in_file:
        return None  # blank lines, or records over several lines: their lines need ``_read_csv``
    return checks.frames()


def _plain_chunk(data: pa.Table, columns: list[str], first_line: int, shown: str, table: EventTable,
                 checks: _FileChecks) -> None:
    """What ``_CsvState.chunk`` does with a chunk, for a plain file: row ``i`` is on line ``first_line + i``."""
    data = data.combine_chunks()
    n = data.num_rows
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    empty = _bools(pc.equal(data.column(0), ""))
    if empty.any():
        for column in data.columns[1:]:
            empty &= _bools(pc.equal(column, ""))
    if empty.any():  # a row with every cell empty (a spreadsheet's empty row) holds no event
        data, lines = data.filter(pa.array(~empty)), lines[~empty]
    if not len(lines):
        return
    table.read += len(lines)
    raw = pd.DataFrame({c: _string_series(data.column(i)) for i, c in enumerate(columns)})
    _check_chunk(checks, raw, shown, lines)


def _plain_lines(path: Path) -> int | None:
    """The number of lines of a UTF-8 file without NUL bytes or lone carriage returns (the same counting as
    ``_scan_bytes``: a UTF-8 BOM skipped); None for any other file, which ``_scan_bytes`` then describes.

    A few fast passes over the bytes; the exact line and column of a bad byte are left to ``_scan_bytes``."""
    newlines, last, pending, cr_pending = 0, b"", b"", False
    with path.open("rb") as fh:
        block = fh.read(_SCAN_BYTES)
        if block.startswith(codecs.BOM_UTF8):
            block = block[len(codecs.BOM_UTF8):]
        while block:
            if block.find(b"\x00") >= 0:
                return None
            data = pending + block
            pending = b""
            if not data.isascii():
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    if exc.reason != "unexpected end of data" or exc.end != len(data):
                        return None
                    pending = data[exc.start:]  # a character cut by the end of the block
            octets = np.frombuffer(block, dtype=np.uint8)
            if cr_pending and octets[0] != 0x0A:
                return None
            if block.find(b"\r") >= 0:
                cr = octets == 0x0D
                if (cr[:-1] & (octets[1:] != 0x0A)).any():
                    return None
            cr_pending = bool(octets[-1] == 0x0D)
            newlines += int(np.count_nonzero(octets == 0x0A))
            last = block[-1:]
            block = fh.read(_SCAN_BYTES)
    if pending or cr_pending:
        return None
    return newlines + (last not in (b"", b"\n"))


def _ends_in_open_quote(path: Path) -> bool:
    """Whether the last line opens a quoted cell it never closes: Arrow would read it to the end of the file, where
    pandas refuses the file (``_read_csv`` then says so). Only the last line can: every other line of a plain file
    is a whole record."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        tail, start, step = b"", size, 1 << 16
        while start > 0:
            start, step = max(0, start - step), step * 2
            fh.seek(start)
            tail = fh.read(size - start)
            if tail.rfind(b"\n", 0, len(tail) - 1) >= 0:
                break
    line = tail[tail.rfind(b"\n", 0, len(tail) - 1) + 1:]
    if b'"' not in line:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.read_csv(io.BytesIO(line), header=None, dtype=str, keep_default_na=False, engine="c",
                        skip_blank_lines=False, on_bad_lines="warn")
    except Exception:  # whatever pandas makes of it, the exact reading decides
        return True
    return False


def _encodable(text: str) -> bool:
    """Whether ``text`` (a path as shown) is valid Unicode that Arrow can hold (not so for every file name)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_chunk(checks: _FileChecks, raw: pd.DataFrame, shown: str, lines) -> None:
    """A chunk of rows from a table file, completed to every CSV column (absent ones empty), to the checks."""
    for c in CSV_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    raw["origin"] = _origins(shown, lines)
    raw["alternatives"] = ""
    checks.add(raw, lines)


def _origins(shown: str, lines: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``path:line`` for each row as a string array, made by Arrow: a Python string per row costs seconds on
    millions of rows."""
    if not _encodable(shown):
        return pd.array([f"{shown}:{line}" for line in lines.tolist()], dtype="string")
    numbers = pc.cast(pa.array(np.asarray(lines, dtype=np.int64)), pa.large_string())
    return pd.arrays.ArrowStringArray(pc.binary_join_element_wise(pa.scalar(shown, pa.large_string()), numbers,
                                                                  pa.scalar(":", pa.large_string())))


def _string_series(values: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """Arrow text as a pandas ``string`` column, without copying."""
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index, copy=False)


def _bools(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean result (without nulls) as a NumPy mask."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def _unreadable_csv(exc: Exception) -> _Unreadable:
    text = str(exc).strip()
    row = re.search(r"EOF inside string starting at row (\d+)", text)
    if row:
        return _Unreadable(int(row.group(1)) + 1, 1, "a quoted cell opened on this line is never closed (a '\"' "
                           "is missing), so the rest of the file would be read as one cell; close the quote")
    return _Unreadable(_line_of(text), 1, f"the table cannot be read: {_short(text)}; "
                       "check the quoting and the number of fields on that line")


def _header_problems(columns: list[str], shown: str, table: EventTable, header_line: int) -> bool:
    ok = True
    for i, c in enumerate(columns):
        if c in CSV_COLUMNS:
            continue
        ok = False
        base = re.sub(r"\.\d+$", "", c)
        if c.startswith("Unnamed: ") or c == "":
            message = f"column {i + 1} has no name in the header; name it or remove it"
        elif base != c and base in columns[:i]:
            message = f"the column '{base}' appears twice in the header; keep one"
        else:
            message = f"unknown column '{_short(c)}'{did_you_mean(c, CSV_COLUMNS)}; the columns are: " \
                      f"{', '.join(CSV_COLUMNS)}"
        _add(table, shown, header_line or 1, i + 1, message)
    for c in CSV_REQUIRED:
        if c not in columns:
            ok = False
            _add(table, shown, header_line or 1, 1, f"the required column '{c}' is missing; the header "
                 f"needs at least: {', '.join(CSV_REQUIRED)}")
    return ok


def _read_parquet(path: Path, shown: str, table: EventTable) -> list[pd.DataFrame]:
    """A Parquet log, streamed by record batches; a row's place is its row number (1 = the first row)."""
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Unreadable(1, 1, f"the file is not a readable Parquet table ({_short(str(exc).strip())}); "
                          "check that it is a Parquet event log") from None
    columns = [str(c).strip() for c in source.schema_arrow.names]
    col_of = {c: i + 1 for i, c in enumerate(columns)}
    header_ok = _header_problems(columns, shown, table, 0)
    checks = _FileChecks(shown, table, col_of)
    done = 0
    try:
        for batch in source.iter_batches(batch_size=CHUNK_ROWS):
            raw = batch.to_pandas()
            raw.columns = columns
            n = len(raw)
            lines = np.arange(done + 1, done + n + 1, dtype=np.int64)
            done += n
            table.read += n
            if not header_ok:
                table.set_aside.extend(SetAside("", f"{shown}:{line}", "the file's header is invalid")
                                       for line in lines)
                continue
            # text already (nearly always): taken as it is by the checks, which hold it as "string" anyway
            raw = raw.astype({c: "string" for c in raw.columns
                              if c in TEXT_COLUMNS and not isinstance(raw[c].dtype, pd.StringDtype)})
            _check_chunk(checks, raw, shown, lines)
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise _Unreadable(1, 1, f"the Parquet table cannot be read to its end ({_short(str(exc).strip())})") \
            from None
    return checks.frames()


def _line_of(message: str) -> int:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else 1


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _short(text: str, limit: int = 200) -> str:
    """A cell quoted in a message: control characters and line breaks escaped, so that a problem stays on its
    one line, and cut short, so that a hostile file cannot flood the terminal."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _add(table: EventTable, path: str, line: int, col: int, message: str, *, row: bool = False) -> None:
    """Add a problem; ``row``: the problem of a single event, which is set aside with its reason."""
    table.problems.add(str(path), int(line), int(col), message)
    if row:
        table.row_problems.add(Problem(str(path), int(line), int(col), message))

class _SeenIds:
    """Where each id of a file was first read, across the chunks already checked (Arrow arrays: a log of
    millions of rows is looked up in bulk, never id by id)."""

    def __init__(self) -> None:
        self.ids: list[pa.Array] = []
        self.origins: list[pa.Array] = []

    def lookup(self, ids: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array | None]:
        """Which of ``ids`` were seen in earlier chunks, and (for those) where each was first read."""
        n = len(ids)
        if not self.ids:
            return np.zeros(n, dtype=bool), None
        earlier = pa.chunked_array(self.ids, type=pa.large_string())
        # hash the chunk and probe the ids before it: cheaper than hashing all of those, and mostly there is no hit
        if not pc.any(pc.is_in(earlier, value_set=ids)).as_py():
            return np.zeros(n, dtype=bool), None
        where = pc.index_in(ids, value_set=earlier.combine_chunks())
        firsts = pa.chunked_array(self.origins, type=pa.large_string()).combine_chunks().take(where)
        return _bools(where.is_valid()), firsts

    def add(self, ids: pa.ChunkedArray, origins: pa.ChunkedArray) -> None:
        self.ids.extend(ids.chunks)
        self.origins.extend(origins.chunks)


@dataclass
class _Checked:
    """A chunk after the checks each row answers alone: the reasons of its bad rows, not yet set aside (the check
    for repeated ids needs the rows before it)."""

    raw: pd.DataFrame  # the typed rows, less those found bad once ``drop_bad`` is called
    lines: np.ndarray
    col_of: dict[str, int]
    ids: pa.ChunkedArray  # every row's id, stripped
    named: np.ndarray  # ids not empty
    first_col: np.ndarray
    # only the bad rows: a list for every row is seconds of garbage on millions of rows
    reasons: dict[int, list[str]] = field(default_factory=dict)
    coded: dict[str, coding.Coded] | None = None
    """The codes of the categorical columns of the rows in ``raw`` (see ``loading.codes``)."""

    def __post_init__(self) -> None:
        self.id_cells = _string_series(self.ids)  # for messages
        self.origins = _arrow_strings(self.raw["origin"])
        self.rows = np.arange(len(self.raw))  # the rows of the chunk still in ``raw``

    def flag(self, mask: np.ndarray, column: str, message) -> None:
        """Give each row of ``mask`` the reason ``message`` (text, or made from the row), found in ``column``."""
        for i in np.flatnonzero(mask):
            self.reasons.setdefault(int(i), []).append(message(i) if callable(message) else message)
            if not self.first_col[i]:
                self.first_col[i] = self.col_of.get(column, 1)

    def flag_duplicates(self, dup: np.ndarray, first_at) -> None:
        ids = self.id_cells
        self.flag(dup, "id", lambda i: f"duplicate event id '{_short(ids.iat[i], 80)}': first at {first_at(i)}")

    def bad(self) -> np.ndarray:
        """The rows with a reason to be set aside, as a mask."""
        out = np.zeros(len(self.lines), dtype=bool)
        out[list(self.reasons)] = True
        return out

    def drop_bad(self) -> None:
        """Let go of the rows found bad so far (a log of long bad rows is not held whole meanwhile)."""
        if self.reasons:
            keep = ~self.bad()[self.rows]
            self.raw, self.rows = self.raw.loc[keep], self.rows[keep]
            if self.coded is not None:  # numbered again: a value may have appeared first in a row let go
                self.coded = coding.of_frame(self.raw)

    def set_aside(self, shown: str, table: EventTable) -> pd.DataFrame:
        """Set the bad rows aside with every reason, at the line and column of the first; the rest of the rows."""
        if not self.reasons:
            return self.raw
        ids = self.id_cells
        bad = self.bad()
        for i in np.flatnonzero(bad):
            line, col, reason = int(self.lines[i]), int(self.first_col[i]), "; ".join(self.reasons[int(i)])
            table.set_aside.append(SetAside(str(ids.iat[i]), f"{shown}:{line}:{col}", reason))
            _add(table, shown, line, col, f"event '{_short(str(ids.iat[i]), 80)}': {reason}", row=True)
        return self.raw.loc[~bad[self.rows]]


def _check_rows(raw: pd.DataFrame, shown: str, table: EventTable, col_of: dict[str, int],
                lines: np.ndarray, seen: _SeenIds | None = None) -> pd.DataFrame:
    """Vectorized row checks: each bad row is set aside with every reason, at its line and column."""
    checked = _row_checks(raw, col_of, lines)
    if checked is None:
        return raw
    n, ids, named = len(raw), raw["id"], checked.named
    # duplicates within the file (this chunk and those before): keep the first, set aside the rest naming it
    earlier, firsts = seen.lookup(checked.ids) if seen is not None else (np.zeros(n, dtype=bool), None)
    earlier &= named
    dup = (_duplicated(checked.ids) & named) | earlier
    if dup.any():
        first_index = pd.Series(np.arange(n), index=ids).groupby(level=0).first()
        checked.flag_duplicates(dup, lambda i: firsts[i].as_py() if earlier[i]
                                else raw["origin"].iat[int(first_index[ids.iat[i]])])
    if seen is not None:
        keep = pa.array(named & ~dup)
        seen.add(checked.ids.filter(keep), _arrow_strings(raw["origin"]).filter(keep))
    return checked.set_aside(shown, table)


_CHECKING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="check")
"""Where the chunks of a file are checked, while the next ones are read."""


class _FileChecks:
    """The checks of a file whose bad rows can wait for its end (nothing else is set aside meanwhile): the ids
    repeated anywhere in it are then found in one Arrow pass, where looking each chunk up in the chunks before it
    costs several. The same reasons, in the same order, as ``_check_rows`` chunk by chunk."""

    def __init__(self, shown: str, table: EventTable, col_of: dict[str, int]):
        self.shown, self.table, self.col_of = shown, table, col_of
        self.chunks: list[_Checked] = []
        self.pending: list[Future[_Checked | None]] = []
        self.known = _KnownMoments()

    def add(self, raw: pd.DataFrame, lines: np.ndarray) -> None:
        """Check a chunk's rows (``raw``, on ``lines``), keeping only what the end of the file needs.

        The checks run on a second thread while the next chunk is read: they answer for each row alone,
        and the end of the file takes their results in the order of the chunks.
        """
        self.pending.append(_CHECKING.submit(self._check, raw, lines))

    def _check(self, raw: pd.DataFrame, lines: np.ndarray) -> _Checked | None:
        checked = _row_checks(raw, self.col_of, lines, self.known)
        if checked is not None:
            checked.drop_bad()
        return checked

    def frames(self) -> list[pd.DataFrame]:
        """At the end of the file: set aside the repeated ids (and every bad row); the good rows, chunk by chunk."""
        self.chunks = [checked for future in self.pending if (checked := future.result()) is not None]
        self.pending = []
        if not self.chunks:
            return []
        ids = pa.chunked_array([c for checked in self.chunks for c in checked.ids.chunks], type=pa.large_string())
        repeats = not (len(ids) < 2 or pc.all(pc.greater(ids[1:], ids[:-1])).as_py())  # ids in order: none twice
        if repeats:
            codes = pc.dictionary_encode(ids.combine_chunks()).indices.to_numpy(zero_copy_only=False)
            repeated = _repeats(codes)
            dup = repeated & np.concatenate([checked.named for checked in self.chunks])
            repeats = bool(dup.any())
            if repeats:
                firsts = np.flatnonzero(~repeated)  # the row where each distinct id is first read, in order of its code
                origins = pa.chunked_array([c for checked in self.chunks for c in checked.origins.chunks],
                                           type=pa.large_string())
                start = 0
                for checked in self.chunks:
                    n = len(checked.lines)
                    here = dup[start:start + n]
                    if here.any():
                        checked.flag_duplicates(here, lambda i, s=start: origins[int(firsts[codes[s + i]])].as_py())
                    start += n
        frames = [checked.set_aside(self.shown, self.table) for checked in self.chunks]
        # the codes hold for the rows kept, unless repeated ids were let go after they were made
        if not repeats and all(checked.coded is not None for checked in self.chunks):
            self.table.codes = coding.joined([checked.coded for checked in self.chunks])  # type: ignore[misc]
        return frames


def _row_checks(raw: pd.DataFrame, col_of: dict[str, int], lines: np.ndarray,
                known: _KnownMoments | None = None) -> _Checked | None:
    """The checks each row answers alone, and the typed columns (in ``raw``). On Arrow arrays, with a fast test
    for the plain values almost every row holds; where a column holds anything else, the general (pandas) route
    decides for that column, so the result never depends on the route."""
    n = len(raw)
    if not n:
        return None
    for c in raw.columns[raw.columns.duplicated()]:
        raw[c].str  # noqa: B018 - a name given twice: pandas gives a frame for it, and fails as it always has
    text = {c: _stripped(raw[c]) for c in TEXT_COLUMNS}
    for c in TEXT_COLUMNS:
        raw[c] = _string_series(text[c], raw.index)
    ids = raw["id"]
    named = ~_bools(pc.equal(text["id"], ""))
    checked = _Checked(raw, lines, col_of, text["id"], named, np.zeros(n, dtype=np.int64))
    flag = checked.flag
    flag(~named, "id", "the id is empty")
    bad_id = ~_valid_ids(text["id"]) & named
    flag(bad_id, "id", lambda i: f"the id '{_short(ids.iat[i], 80)}' may hold only letters, digits and . _ : -")
    # the categorical columns are checked once per distinct value, and their codes kept (see ``loading.codes``)
    encoded = {c: coding.dictionary(text[c]) for c in ("action", "target_type", "attribution")}
    action = raw["action"]
    bad = ~coding.per_value(encoded["action"], lambda d: pc.is_in(d, value_set=_ACTIONS))
    flag(bad, "action", lambda i: f"unknown action '{_short(action.iat[i], 80)}'{_hint(action.iat[i], v.ACTIONS)}")
    ttype = raw["target_type"]
    bad = ~coding.per_value(encoded["target_type"],
                            lambda d: pc.or_(pc.equal(d, ""), pc.is_in(d, value_set=_TARGETS)))
    flag(bad, "target_type", lambda i: f"unknown target type '{_short(ttype.iat[i], 80)}'"
         f"{_hint(ttype.iat[i], v.TARGET_TYPES)}")
    attribution_text = pc.if_else(pc.equal(text["attribution"], ""), "unknown", text["attribution"])
    attribution = _string_series(attribution_text, raw.index)
    raw["attribution"] = attribution
    attribution_words = ["unknown" if w == "" else w for w in encoded["attribution"].dictionary.to_pylist()]
    bad = ~coding.per_value(encoded["attribution"],
                            lambda d: pc.is_in(pc.if_else(pc.equal(d, ""), "unknown", d), value_set=_ATTRIBUTIONS))
    flag(bad, "attribution", lambda i: f"unknown attribution '{_short(attribution.iat[i], 80)}'; use one of: "
         f"{', '.join(v.ATTRIBUTION)}")
    weapons = raw["weapons"]
    # only lists that are not plainly made of known weapons are split (the split is slow on millions of rows)
    listed, spaced, encoded["weapons"] = _weapon_lists(text["weapons"])
    has_weapons = ~_bools(pc.equal(text["weapons"], "")) & ~listed
    if has_weapons.any():
        exploded = weapons[has_weapons].str.split(";").explode().str.strip()
        unknown = exploded[~exploded.isin(v.WEAPONS) & (exploded != "")]
        if len(unknown):
            bad_rows = np.zeros(n, dtype=bool)
            pos = raw.index.get_indexer(unknown.index.unique())
            bad_rows[pos] = True
            first_bad = unknown.groupby(level=0).first()
            flag(bad_rows, "weapons", lambda i: f"unknown weapon '{_short(first_bad.loc[raw.index[i]], 80)}'"
                 f"{_hint(first_bad.loc[raw.index[i]], v.WEAPONS)}")
    if spaced.any():
        weapons = weapons.copy()
        weapons[spaced] = weapons[spaced].str.replace(r"\s*;\s*", ";", regex=True)
        encoded["weapons"] = coding.dictionary(_arrow_strings(weapons))  # the lists as they now read
    raw["weapons"] = weapons
    checked.coded = {"action": coding.coded(encoded["action"]), "target_type": coding.coded(encoded["target_type"]),
                     "attribution": coding.coded(encoded["attribution"], attribution_words),
                     "weapons": coding.coded(encoded["weapons"]),
                     **{c: coding.coded(coding.dictionary(text[c])) for c in ("actor", "target_party")}}
    for column, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        arr = _plain_numbers(raw[column], _DECIMAL_SIGNED)
        if arr is None:  # empty cells, words, exponents, ...: what pandas makes of them, and why they are bad
            given_text = _text(raw[column])
            values = pd.to_numeric(given_text, errors="coerce").astype("float64")
            arr = values.to_numpy()
            flag(~np.isfinite(arr), column, lambda i, c=column, t=given_text: f"{c} is empty; write a number"
                 if t.iat[i] == "" else f"{c} '{_short(t.iat[i], 80)}' is not a finite number")
        raw[column] = arr
        flag(np.isfinite(arr) & ((arr < low) | (arr > high)), column,
             lambda i, c=column, lo=low, hi=high: f"{c} {arr_of(raw, c)[i]} is outside {lo}..{hi}")
    lat, lon = raw["lat"].to_numpy(), raw["lon"].to_numpy()
    valid_pos = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    outside = valid_pos & ~_in_syria(lat, lon)
    flag(outside, "lat", lambda i: f"the place ({lat[i]}, {lon[i]}) lies outside Syria"
         + ("; latitude and longitude look swapped" if _in_syria(lon[i:i + 1], lat[i:i + 1])[0] else ""))
    arr = _plain_numbers(raw["precision_km"], _DECIMAL, empty=0.0)
    if arr is None:
        precision = _text(raw["precision_km"])
        num = pd.to_numeric(precision.mask(precision == "", "0"), errors="coerce").astype("float64")
        arr = num.to_numpy()
        flag(~np.isfinite(arr) | (arr < 0), "precision_km",
             lambda i: f"precision_km '{_short(precision.iat[i], 80)}' is not a number of kilometres >= 0")
    raw["precision_km"] = arr
    for column in ("killed", "civilians_killed"):
        arr = _plain_numbers(raw[column], _COUNT, empty=np.nan)
        bad = np.zeros(n, dtype=bool)
        if arr is None:
            given_text = _text(raw[column])
            num = pd.to_numeric(given_text.mask(given_text == "", None), errors="coerce").astype("float64")
            given = (given_text != "").to_numpy()
            arr = num.to_numpy()
            bad = given & (~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr)))
            flag(bad, column, lambda i, c=column, t=given_text: f"{c} '{_short(t.iat[i], 80)}' is not a whole "
                 "number >= 0")
        raw[column] = pd.array(np.where(np.isfinite(arr) & ~bad, arr, np.nan), dtype="Float64").astype("Int64")
    start, end, date_problems = _times(raw["date"], raw["date_end"], known)
    for message, mask, column in date_problems:
        flag(mask, column, message)
    raw["start"], raw["end"] = start, end
    return checked


def _repeats(codes: np.ndarray) -> np.ndarray:
    """Which rows repeat a value of a row before them, given the values' Arrow dictionary codes: Arrow numbers the
    distinct values in the order they first appear, so a row repeats one when its code is not above every code
    before it."""
    out = np.zeros(len(codes), dtype=bool)
    if len(codes) > 1:
        out[1:] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    return out


_ACTIONS = pa.array(v.ACTIONS, type=pa.large_string())
_TARGETS = pa.array(v.TARGET_TYPES, type=pa.large_string())
_ATTRIBUTIONS = pa.array(v.ATTRIBUTION, type=pa.large_string())
_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
_ID_SPELT = EVENT_ID_PATTERN == r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"  # what ``_valid_ids`` spells out
# Cells the fast route reads as numbers: made of these characters only, at most 15 of them (so at most 15 digits,
# which pandas and Arrow both read to the nearest double), and read by Arrow as a number.
_DECIMAL_SIGNED = "0123456789.-"
_DECIMAL = "0123456789."
_COUNT = "0123456789"
_PLAIN_CHARS = 15
_EXACT_INTS = 2**53  # every integer below this is a double, and back


def _arrow_strings(column: pd.Series) -> pa.ChunkedArray:
    """A column as Arrow text, missing cells as nulls: what ``.astype("string")`` holds (without copying when it is
    already Arrow text)."""
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        column = column.astype("string")
    values = column.array.__arrow_array__()
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def _stripped(column: pd.Series) -> pa.ChunkedArray:
    """What ``column.astype("string").fillna("").str.strip()`` holds, as Arrow text (pandas strips with the same
    kernel). Most columns have nothing to strip, which a look at the ends of the cells shows faster."""
    values = _arrow_strings(column)
    if values.null_count:
        values = pc.fill_null(values, "")
    if all(_visible_ends(chunk) for chunk in values.chunks):
        return values
    return pc.utf8_trim_whitespace(values)


def _visible_ends(values: pa.Array) -> bool:
    """Whether every cell is empty or starts and ends with a visible ASCII character (never whitespace)."""
    edges = _edge_bytes(values)
    if edges is None:
        return False
    first, last, empty = edges
    visible = ((first - np.uint8(0x21)) <= np.uint8(0x7E - 0x21)) & ((last - np.uint8(0x21)) <= np.uint8(0x7E - 0x21))
    return bool(visible.all() or (visible | empty).all())


def _edge_bytes(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The first and the last byte of each cell (anything for an empty cell), and which cells are empty. None for
    an array with nulls, or not of text."""
    buffers = _text_buffers(values)
    if buffers is None:
        return None
    offsets, data = buffers
    empty = offsets[1:] == offsets[:-1]
    if not len(data):
        zeros = np.zeros(len(values), dtype=np.uint8)
        return zeros, zeros, empty
    return data.take(offsets[:-1], mode="clip"), data.take(offsets[1:] - 1, mode="clip"), empty


def _text_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """The offsets (one more than the cells) and the bytes of Arrow text without nulls, as NumPy views: what a test
    of every cell's bytes needs, without a Python string per cell. None for an array with nulls, or not of text."""
    if values.type not in (pa.string(), pa.large_string()) or values.null_count:
        return None
    _, offsets_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if values.type == pa.large_string() else np.int32)
    offsets = offsets[values.offset:values.offset + len(values) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def _valid_ids(ids: pa.ChunkedArray) -> np.ndarray:
    """Which ids ``re.fullmatch(EVENT_ID_PATTERN, id)`` accepts: every character one of ``_ID_CHARS``, and the first
    a letter or a digit (two Arrow passes, several times faster than the regular expression)."""
    if not _ID_SPELT:  # the pattern has changed: pandas' own route
        return np.asarray(_string_series(ids).str.fullmatch(EVENT_ID_PATTERN).to_numpy(), dtype=bool)
    ok = _bools(pc.equal(pc.utf8_trim(ids, characters=_ID_CHARS), ""))
    firsts = [_edge_bytes(chunk) for chunk in ids.chunks]
    if any(edges is None for edges in firsts):
        for mark in "._:-":
            ok &= ~_bools(pc.starts_with(ids, mark))
        return ok & ~_bools(pc.equal(ids, ""))
    first = np.concatenate([edges[0] for edges in firsts]) if firsts else np.zeros(0, dtype=np.uint8)
    empty = np.concatenate([edges[2] for edges in firsts]) if firsts else np.zeros(0, dtype=bool)
    return ok & ~empty & ~np.isin(first, np.frombuffer(b"._:-", dtype=np.uint8))


def _plain_numbers(column: pd.Series, chars: str, *, empty: float | None = None) -> np.ndarray | None:
    """A numeric column as doubles when every cell is plain (made of ``chars``; an empty cell as ``empty`` when that
    is given): then exactly what ``pd.to_numeric`` of its text gives, without a Python string per cell. None when any
    cell is not plain: the caller takes the pandas route, which also says what is wrong."""
    dtype = column.dtype
    if dtype.kind in "iu":  # Parquet integers (pandas' nullable ones too): their text is plain, a missing one empty
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        given = values[~missing]
        if (missing.any() and empty is None) or (len(given) and (
                np.abs(given).max() >= _EXACT_INTS or ("-" not in chars and given.min() < 0))):
            return None
        values[missing] = np.nan if empty is None else empty
        return values
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        return _plain_doubles(column.to_numpy(), chars, empty=empty)
    if not isinstance(dtype, pd.StringDtype):
        return None
    values = _arrow_strings(column)  # not stripped: a plain cell has no spaces to strip
    return _plain_text_numbers(pc.fill_null(values, "") if values.null_count else values, chars, empty=empty)


def _plain_text_numbers(values: pa.ChunkedArray, chars: str, *, empty: float | None) -> np.ndarray | None:
    """``_plain_numbers`` for text: every byte one of ``chars``, at most 15 of them, and a number to Arrow."""
    allowed = np.zeros(256, dtype=bool)
    allowed[np.frombuffer(chars.encode("ascii"), dtype=np.uint8)] = True
    lengths = []
    for chunk in values.chunks:
        buffers = _text_buffers(chunk)
        if buffers is None:
            return None
        offsets, data = buffers
        if not allowed[data[offsets[0]:offsets[-1]]].all():  # every byte of every cell one of ``chars``
            return None
        lengths.append(np.diff(offsets))
    is_empty = np.concatenate(lengths) == 0 if lengths else np.zeros(0, dtype=bool)
    if (is_empty.any() and empty is None) or any(len(part) and part.max() > _PLAIN_CHARS for part in lengths):
        return None
    out = np.full(len(values), np.nan if empty is None else empty, dtype=np.float64)
    given = values.filter(pa.array(~is_empty)) if is_empty.any() else values
    try:
        numbers = pc.cast(given, pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # "-", "1.2.3", "4-5", ...
        return None
    # "-0": pandas reads it as 0 or -0 depending on the other cells of the column
    zero = numbers == 0
    if "-" in chars and zero.any() and _bools(pc.starts_with(given, "-"))[zero].any():
        return None
    out[~is_empty] = numbers
    return out


def _plain_doubles(values: np.ndarray, chars: str, *, empty: float | None) -> np.ndarray | None:
    """``_plain_numbers`` for a column of doubles. pandas reads each back from its text, Python's repr. A double that
    is the nearest one to a decimal of at most 15 digits has a repr of at most 15 digits, which comes back unchanged:
    that is tested without writing any text, decimal place by decimal place."""
    missing = np.isnan(values)  # its text is empty
    if missing.any() and empty is None:
        return None
    given = values[~missing]
    if (not np.isfinite(given).all() or ((given == 0) & np.signbit(given)).any()
            or ("-" not in chars and (given < 0).any())):
        return None
    most = _PLAIN_CHARS - 4 if "." in chars else 0  # decimal places
    plain = _decimal_at(given, most)  # every place at once, for all but the largest numbers
    for places in range(most):
        rest = np.flatnonzero(~plain)
        if not len(rest):
            break
        plain[rest] = _decimal_at(given[rest], places)
    if not plain.all():
        return None
    out = np.array(values, dtype=np.float64)
    out[missing] = empty
    return out


def _decimal_at(values: np.ndarray, places: int) -> np.ndarray:
    """Which doubles are the nearest ones to a decimal of at most 15 digits with at most ``places`` decimal places.
    The decimal's digits are ``values * 10**places`` rounded: exactly so, as a double is within 2**-53 of it."""
    scale = 10.0 ** places
    digits = np.round(values * scale)
    return (np.abs(digits) < 1e15) & (digits / scale == values)


def _weapon_lists(weapons: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, pa.DictionaryArray]:
    """For each cell: whether ``re.fullmatch(_KNOWN_WEAPONS, cell)``, and whether ``re.search(r"\\s", cell)`` (the
    regexes pandas runs in Python for these patterns), and the cells as a dictionary. A log holds few distinct
    weapon lists: each is tried once."""
    encoded = coding.dictionary(weapons)
    distinct = encoded.dictionary.to_pylist()
    known = np.array([_KNOWN_WEAPONS_RE.fullmatch(cell) is not None for cell in distinct], dtype=bool)
    spaced = np.array([_SPACE.search(cell) is not None for cell in distinct], dtype=bool)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return known[codes], spaced[codes], encoded


def _duplicated(values: pa.ChunkedArray) -> np.ndarray:
    """``Series.duplicated(keep="first")``, in one Arrow pass."""
    return _repeats(pc.dictionary_encode(values.combine_chunks()).indices.to_numpy(zero_copy_only=False))


def _hint(word: str, choices) -> str:
    """``did_you_mean`` for a cell, skipped for a cell too long to be a misspelt word."""
    return did_you_mean(word, choices) if len(word) <= 80 else ""


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("").str.strip()


def arr_of(raw: pd.DataFrame, column: str) -> np.ndarray:
    return raw[column].to_numpy()


def _in_syria(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_min, lat_max, lon_min, lon_max = SYRIA_BOX
    return (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEAPON = "(?:" + "|".join(re.escape(w) for w in v.WEAPONS) + ")"
_KNOWN_WEAPONS = rf"{_WEAPON}(?:\s*;\s*{_WEAPON})*"
_KNOWN_WEAPONS_RE = re.compile(_KNOWN_WEAPONS)
_SPACE = re.compile(r"\s")
_YEAR = re.compile(r"^(\d{4})-")


def _times(date: pd.Series, date_end: pd.Series, known: _KnownMoments | None = None):
    """Event spans as UTC epoch seconds [start, end): a date alone is the whole local day in Syria."""
    problems: list[tuple[Any, np.ndarray, str]] = []
    start_open, start_close, bad_start, far_start = _moments(date, known)
    _, end_close, bad_end, far_end = _moments(date_end, known)
    low, high = YEAR_RANGE
    empty = (date == "").to_numpy()
    problems.append(("the date is empty; write YYYY-MM-DD", empty, "date"))
    problems.append((lambda i: _bad_moment(date.iat[i]), bad_start & ~far_start & ~empty, "date"))
    problems.append((lambda i: f"the date {_short(date.iat[i], 80)} is outside the years {low}..{high} this tool "
                     "reads; check the year", far_start & ~empty, "date"))
    has_end = (date_end != "").to_numpy()
    problems.append((lambda i: f"date_end '{_short(date_end.iat[i], 80)}' is not a real date; write YYYY-MM-DD",
                     bad_end & ~far_end & has_end, "date_end"))
    problems.append((lambda i: f"date_end {_short(date_end.iat[i], 80)} is outside the years {low}..{high} this "
                     "tool reads; check the year", far_end & has_end, "date_end"))
    start = start_open
    end = np.where(has_end & ~bad_end, end_close, start_close)
    backwards = has_end & ~bad_end & ~bad_start & (end <= start)
    problems.append((lambda i: f"date_end {date_end.iat[i]} is before date {date.iat[i]}", backwards, "date_end"))
    return start, end, problems


def _bad_moment(text: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        return f"'{text}' has a time but no UTC offset; add it, e.g. {text}+03:00"
    return (f"'{_short(text, 80)}' is not a real date; write YYYY-MM-DD (or with a time and its UTC offset, "
            "e.g. 2020-03-06T00:01+03:00)")


_Moments = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _moments(values: pd.Series, known: _KnownMoments | None = None) -> _Moments:
    """Opening and closing epoch seconds of each value (a local day, or an instant); which are bad, and which
    of those are bad because their year lies outside YEAR_RANGE.

    Each value's answer depends on that value alone, and a log of millions of events holds a few thousand
    distinct dates: each distinct date is worked out once (once a file, given what is ``known``)."""
    dtype = values.dtype
    if len(values) > 1000 and isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" \
            and not values.hasnans:
        encoded = pc.dictionary_encode(_arrow_strings(values).combine_chunks())
        distinct = encoded.dictionary.cast(pa.large_string())
        parts = (_KnownMoments() if known is None else known).of(distinct, dtype)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        return tuple(part[codes] for part in parts)  # type: ignore[return-value]
    return _each_moment(values)


class _KnownMoments:
    """The moments of the distinct dates met so far in a file: its chunks hold mostly the same dates."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values = pa.array([], type=pa.large_string())
        self.parts: _Moments = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool),
                                np.zeros(0, dtype=bool))

    def of(self, distinct: pa.Array, dtype: pd.StringDtype) -> _Moments:
        """The moments of each of ``distinct`` (distinct values), working out only those not met before."""
        with self.lock:  # chunks are checked on two threads
            return self._of(distinct, dtype)

    def _of(self, distinct: pa.Array, dtype: pd.StringDtype) -> _Moments:
        where = pc.index_in(distinct, value_set=self.values)
        met = _bools(where.is_valid())
        new = np.flatnonzero(~met)
        if len(new):
            fresh = distinct.take(pa.array(new))
            parts = _each_moment(pd.Series(pd.arrays.ArrowStringArray(fresh, dtype=dtype)))
            first = len(self.values)
            self.values = pa.concat_arrays([self.values, fresh])
            grown = (np.concatenate([old, part]) for old, part in zip(self.parts, parts, strict=True))
            self.parts = tuple(grown)  # type: ignore[assignment]
            at = where.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            at[new] = np.arange(first, first + len(new))
        else:
            at = where.to_numpy(zero_copy_only=False).astype(np.int64)
        return tuple(part[at] for part in self.parts)  # type: ignore[return-value]


def _each_moment(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``_moments``, value by value (vectorized)."""
    n = len(values)
    opening = np.zeros(n, dtype=np.int64)
    closing = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    far = np.zeros(n, dtype=bool)
    if n == 0:
        return opening, closing, bad, far
    low, high = YEAR_RANGE
    is_date = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy()
    if is_date.any():
        day = pd.to_datetime(values[is_date], format="%Y-%m-%d", errors="coerce")
        years = day.dt.year.to_numpy(dtype="float64", na_value=np.nan)
        ok = day.notna().to_numpy() & (years >= low) & (years <= high)
        local = day.where(pd.Series(ok, index=day.index))
        o = _local_midnight_seconds(local)
        c = _local_midnight_seconds(local + pd.Timedelta(days=1))
        idx = np.flatnonzero(is_date)
        opening[idx], closing[idx] = o, c
        bad[idx[~ok]] = True
        far[idx[day.notna().to_numpy() & ~ok]] = True
    rest = ~is_date & (values != "").to_numpy()
    if rest.any():
        sub = values[rest]
        has_offset = sub.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy()
        moment = pd.to_datetime(sub.where(has_offset), format="ISO8601", utc=True, errors="coerce")
        years = moment.dt.year.to_numpy(dtype="float64", na_value=np.nan)
        ok = moment.notna().to_numpy() & (years >= low) & (years <= high)
        secs = _to_seconds(moment, ok)
        idx = np.flatnonzero(rest)
        opening[idx], closing[idx] = secs, secs + 1
        bad[idx[~ok]] = True
        far[idx[moment.notna().to_numpy() & ~ok]] = True
    for i in np.flatnonzero(bad & ~far):  # bad because of its year, though the parser may not have read it
        year = _YEAR.match(str(values.iat[i]))
        far[i] = bool(year) and not low <= int(year.group(1)) <= high
    return opening, closing, bad, far


def _to_seconds(moment: pd.Series, ok: np.ndarray) -> np.ndarray:
    out = np.zeros(len(moment), dtype=np.int64)
    if ok.any():
        valid = moment[ok]
        out[ok] = valid.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[s]").astype("int64").to_numpy()
    return out


def _local_midnight_seconds(day: pd.Series) -> np.ndarray:
    """Epoch seconds of local midnight in Syria (DST-aware; a skipped midnight moves to the next valid time)."""
    out = np.zeros(len(day), dtype=np.int64)
    ok = day.notna().to_numpy()
    if ok.any():
        local = day[ok].dt.tz_localize(LOCAL_TZ, nonexistent="shift_forward", ambiguous=False)
        out[ok] = local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[s]").astype("int64").to_numpy()
    return out


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns and spans for a table built from validated events."""
    for c in TEXT_COLUMNS:
        frame[c] = frame[c].astype("string").fillna("")
    for c in ("alternatives", "origin"):
        if c not in frame:
            frame[c] = ""
    for c in ("lat", "lon", "precision_km"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    frame["precision_km"] = frame["precision_km"].fillna(0.0)
    for c in ("killed", "civilians_killed"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Int64")
    frame["attribution"] = frame["attribution"].replace("", "unknown")
    if "start" not in frame or "end" not in frame:
        start, end, _ = _times(frame["date"], frame["date_end"])
        frame["start"], frame["end"] = start, end
    else:  # tables joined from several files: spans missing for some rows are computed for those rows
        missing = (frame["start"].isna() | frame["end"].isna()).to_numpy()
        if missing.any():
            start, end, _ = _times(frame["date"][missing], frame["date_end"][missing])
            frame.loc[missing, "start"], frame.loc[missing, "end"] = start, end
        frame["start"] = frame["start"].astype("int64")
        frame["end"] = frame["end"].astype("int64")
    return frame[list(COLUMNS)].reset_index(drop=True)


# -- the log as a whole -------------------------------------------------------------------------------------


def event_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted((p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in
                               (".yaml", ".yml", ".csv", ".parquet")), key=lambda p: p.as_posix()))
        else:
            out.append(path)
    return out


def load_events(paths: list[Path], base: Path | None = None) -> EventTable:
    """Load every event file under ``paths`` into one table; ids must be unique across files."""
    table = EventTable(empty_frame())
    frames = []
    unique = False  # whether the ids of the one frame are known to be unique
    codes = None  # the codes of the categorical columns of the one frame, if its loading made them
    for path in event_files(paths):
        shown = _shown(path, base)
        table.files.append(path)
        if not path.exists():
            _add(table, shown, 0, 0, "no such file or folder")
            continue
        table.codes = None
        if path.suffix.lower() in (".csv", ".parquet"):
            frame = _load_table(path, shown, table)
        else:
            frame = _load_yaml(path, shown, table)
        if frame is not None and len(frame):
            frames.append(frame)
            codes = table.codes
            # a CSV or Parquet file's repeated ids are already set aside (``_check_rows``); a YAML file's are not
            unique = len(frames) == 1 and path.suffix.lower() in (".csv", ".parquet")
    if frames:
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame = _finish(frame)
        if not unique:  # hashing a million ids to find none repeated costs half a second
            frame = _drop_cross_file_duplicates(frame, table)
        table.frame = frame
    # ``_finish`` keeps the rows and their order; several files are joined without codes (a rare case at scale)
    table.codes = codes if len(frames) == 1 and unique else None
    return table


def _drop_cross_file_duplicates(frame: pd.DataFrame, table: EventTable) -> pd.DataFrame:
    """Ids repeated across files (or across chunks of one large file): keep the first, set aside the rest."""
    if pc.count_distinct(_arrow_strings(frame["id"]), mode="all").as_py() == len(frame):
        return frame  # the common case, settled by one Arrow pass
    dup = frame["id"].duplicated(keep="first")
    if not dup.any():
        return frame
    first = frame.loc[~dup].set_index("id")["origin"]
    for i in np.flatnonzero(dup.to_numpy()):
        ident = frame["id"].iat[i]
        origin = frame["origin"].iat[i]
        reason = f"duplicate event id '{_short(ident, 80)}': first at {first[ident]}"
        table.set_aside.append(SetAside(ident, origin, reason))
        place = _ORIGIN.match(origin)
        path, line, col = (place.group(1), int(place.group(2)), int(place.group(3) or 1)) if place else (origin, 1, 1)
        _add(table, path, line, col, reason, row=True)
    return frame.loc[~dup].reset_index(drop=True)


# An origin is ``path:line`` (a CSV or Parquet row) or ``path:line:col`` (a YAML event).
_ORIGIN = re.compile(r"^(.*?):(\d+)(?::(\d+))?$")


def _shown(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            pass
    return str(path)


__all__ = ["COLUMNS", "CSV_COLUMNS", "EventTable", "Problem", "SetAside", "event_row", "events_frame", "load_events"]
