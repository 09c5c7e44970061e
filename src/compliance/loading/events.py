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
import json
import re
import warnings
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compliance import vocabulary as v
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
    # the problems of single events (each set aside with its reason): a run may go on without those events
    row_problems: set[Problem] = field(default_factory=set, repr=False, compare=False)

    @property
    def ids(self) -> pd.Series:
        return self.frame["id"]


def empty_frame() -> pd.DataFrame:
    return _finish(pd.DataFrame({c: pd.Series(dtype="object") for c in CSV_COLUMNS}))


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
        raw["origin"] = pd.array([f"{shown}:{line}" for line in lines.tolist()], dtype="string")
        raw["alternatives"] = ""
        return _check_rows(raw, shown, table, self.col_of, lines, self.seen)


def _chunk_rows(path: Path) -> int:
    """Rows per chunk: about CHUNK_BYTES of text, judged by the length of the lines at the head of the file."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    per_row = max(1, len(head) // max(1, head.count(b"\n")))
    return int(min(CHUNK_ROWS, max(10, CHUNK_BYTES // per_row)))


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
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _Unreadable(1, 1, f"the file is not a readable Parquet table ({_short(str(exc).strip())}); "
                          "check that it is a Parquet event log") from None
    columns = [str(c).strip() for c in source.schema_arrow.names]
    col_of = {c: i + 1 for i, c in enumerate(columns)}
    header_ok = _header_problems(columns, shown, table, 0)
    frames: list[pd.DataFrame] = []
    seen = _SeenIds()
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
            raw = raw.astype({c: "string" for c in raw.columns if c in TEXT_COLUMNS})
            for c in CSV_COLUMNS:
                if c not in raw.columns:
                    raw[c] = ""
            raw["origin"] = pd.array([f"{shown}:{line}" for line in lines.tolist()], dtype="string")
            raw["alternatives"] = ""
            frames.append(_check_rows(raw, shown, table, col_of, lines, seen))
    except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
        raise _Unreadable(1, 1, f"the Parquet table cannot be read to its end ({_short(str(exc).strip())})") \
            from None
    return frames


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
        import pyarrow as pa

        self.pa = pa
        self.ids = pa.array([], type=pa.string())
        self.origins = pa.array([], type=pa.string())

    def lookup(self, ids: pd.Series) -> tuple[np.ndarray, list[str | None]]:
        """Which of ``ids`` were seen in earlier chunks, and where each was first read."""
        import pyarrow.compute as pc

        if not len(self.ids):
            return np.zeros(len(ids), dtype=bool), [None] * len(ids)
        where = pc.index_in(self._arrow(ids), value_set=self.ids)
        seen = where.is_valid().to_numpy(zero_copy_only=False)
        firsts = self.origins.take(where).to_pylist() if seen.any() else [None] * len(ids)
        return seen, firsts

    def add(self, ids: pd.Series, origins: pd.Series) -> None:
        self.ids = self.pa.concat_arrays([self.ids, self._arrow(ids)])
        self.origins = self.pa.concat_arrays([self.origins, self._arrow(origins)])

    def _arrow(self, values: pd.Series):
        return self.pa.array(values.astype("string").to_numpy(dtype=object, na_value=""), type=self.pa.string())


def _check_rows(raw: pd.DataFrame, shown: str, table: EventTable, col_of: dict[str, int],
                lines: np.ndarray, seen: _SeenIds | None = None) -> pd.DataFrame:
    """Vectorized row checks: each bad row is set aside with every reason, at its line and column."""
    n = len(raw)
    if not n:
        return raw
    reasons: list[list[str]] = [[] for _ in range(n)]
    first_col = np.zeros(n, dtype=np.int64)

    def flag(mask: np.ndarray, column: str, message) -> None:
        for i in np.flatnonzero(mask):
            reasons[i].append(message(i) if callable(message) else message)
            if not first_col[i]:
                first_col[i] = col_of.get(column, 1)

    text = {c: raw[c].astype("string").fillna("").str.strip() for c in TEXT_COLUMNS}
    for c in TEXT_COLUMNS:
        raw[c] = text[c]
    ids = text["id"]
    flag((ids == "").to_numpy(), "id", "the id is empty")
    bad_id = (~ids.str.fullmatch(EVENT_ID_PATTERN)).to_numpy() & (ids != "").to_numpy()
    flag(bad_id, "id", lambda i: f"the id '{_short(ids.iat[i], 80)}' may hold only letters, digits and . _ : -")
    action = text["action"]
    bad = (~action.isin(v.ACTIONS)).to_numpy()
    flag(bad, "action", lambda i: f"unknown action '{_short(action.iat[i], 80)}'{_hint(action.iat[i], v.ACTIONS)}")
    ttype = text["target_type"]
    bad = ((ttype != "") & ~ttype.isin(v.TARGET_TYPES)).to_numpy()
    flag(bad, "target_type", lambda i: f"unknown target type '{_short(ttype.iat[i], 80)}'"
         f"{_hint(ttype.iat[i], v.TARGET_TYPES)}")
    attribution = text["attribution"].replace("", "unknown")
    raw["attribution"] = attribution
    bad = (~attribution.isin(v.ATTRIBUTION)).to_numpy()
    flag(bad, "attribution", lambda i: f"unknown attribution '{_short(attribution.iat[i], 80)}'; use one of: "
         f"{', '.join(v.ATTRIBUTION)}")
    weapons = text["weapons"]
    # only lists that are not plainly made of known weapons are split (the split is slow on millions of rows)
    has_weapons = (weapons != "").to_numpy() & ~weapons.str.fullmatch(_KNOWN_WEAPONS).fillna(False).to_numpy()
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
    spaced = weapons.str.contains(r"\s", regex=True).fillna(False).to_numpy()
    if spaced.any():
        weapons = weapons.copy()
        weapons[spaced] = weapons[spaced].str.replace(r"\s*;\s*", ";", regex=True)
    raw["weapons"] = weapons
    for column, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        given_text = _text(raw[column])
        values = pd.to_numeric(given_text, errors="coerce").astype("float64")
        raw[column] = values
        arr = values.to_numpy()
        flag(~np.isfinite(arr), column, lambda i, c=column, t=given_text: f"{c} is empty; write a number"
             if t.iat[i] == "" else f"{c} '{_short(t.iat[i], 80)}' is not a finite number")
        flag(np.isfinite(arr) & ((arr < low) | (arr > high)), column,
             lambda i, c=column, lo=low, hi=high: f"{c} {arr_of(raw, c)[i]} is outside {lo}..{hi}")
    lat, lon = raw["lat"].to_numpy(), raw["lon"].to_numpy()
    valid_pos = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    outside = valid_pos & ~_in_syria(lat, lon)
    flag(outside, "lat", lambda i: f"the place ({lat[i]}, {lon[i]}) lies outside Syria"
         + ("; latitude and longitude look swapped" if _in_syria(lon[i:i + 1], lat[i:i + 1])[0] else ""))
    precision = _text(raw["precision_km"])
    num = pd.to_numeric(precision.mask(precision == "", "0"), errors="coerce").astype("float64")
    arr = num.to_numpy()
    flag(~np.isfinite(arr) | (arr < 0), "precision_km",
         lambda i: f"precision_km '{_short(precision.iat[i], 80)}' is not a number of kilometres >= 0")
    raw["precision_km"] = num
    for column in ("killed", "civilians_killed"):
        given_text = _text(raw[column])
        num = pd.to_numeric(given_text.mask(given_text == "", None), errors="coerce").astype("float64")
        given = (given_text != "").to_numpy()
        arr = num.to_numpy()
        bad = given & (~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr)))
        flag(bad, column, lambda i, c=column, t=given_text: f"{c} '{_short(t.iat[i], 80)}' is not a whole number >= 0")
        raw[column] = pd.array(np.where(np.isfinite(arr) & ~bad, arr, np.nan), dtype="Float64").astype("Int64")
    start, end, date_problems = _times(text["date"], text["date_end"])
    for message, mask, column in date_problems:
        flag(mask, column, message)
    raw["start"], raw["end"] = start, end
    # duplicates within the file (this chunk and those before): keep the first, set aside the rest naming it
    named = (ids != "").to_numpy()
    earlier, firsts = seen.lookup(ids) if seen is not None else (np.zeros(n, dtype=bool), None)
    earlier &= named
    dup = (ids.duplicated(keep="first").to_numpy() & named) | earlier
    if dup.any():
        first_index = pd.Series(np.arange(n), index=ids).groupby(level=0).first()
        flag(dup, "id", lambda i: f"duplicate event id '{_short(ids.iat[i], 80)}': first at "
             + (firsts[i] if earlier[i] else raw["origin"].iat[int(first_index[ids.iat[i]])]))
    if seen is not None:
        seen.add(ids[named & ~dup], raw["origin"][named & ~dup])
    bad_rows = np.fromiter((bool(r) for r in reasons), dtype=bool, count=n)
    for i in np.flatnonzero(bad_rows):
        line, col, reason = int(lines[i]), int(first_col[i]), "; ".join(reasons[i])
        table.set_aside.append(SetAside(str(ids.iat[i]), f"{shown}:{line}:{col}", reason))
        _add(table, shown, line, col, f"event '{_short(str(ids.iat[i]), 80)}': {reason}", row=True)
    return raw.loc[~bad_rows]


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
_YEAR = re.compile(r"^(\d{4})-")


def _times(date: pd.Series, date_end: pd.Series):
    """Event spans as UTC epoch seconds [start, end): a date alone is the whole local day in Syria."""
    problems: list[tuple[Any, np.ndarray, str]] = []
    start_open, start_close, bad_start, far_start = _moments(date)
    _, end_close, bad_end, far_end = _moments(date_end)
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


def _moments(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Opening and closing epoch seconds of each value (a local day, or an instant); which are bad, and which
    of those are bad because their year lies outside YEAR_RANGE."""
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
    for path in event_files(paths):
        shown = _shown(path, base)
        table.files.append(path)
        if not path.exists():
            _add(table, shown, 0, 0, "no such file or folder")
            continue
        if path.suffix.lower() in (".csv", ".parquet"):
            frame = _load_table(path, shown, table)
        else:
            frame = _load_yaml(path, shown, table)
        if frame is not None and len(frame):
            frames.append(frame)
    if frames:
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        frame = _finish(frame)
        frame = _drop_cross_file_duplicates(frame, table)
        table.frame = frame
    return table


def _drop_cross_file_duplicates(frame: pd.DataFrame, table: EventTable) -> pd.DataFrame:
    """Ids repeated across files (or across chunks of one large file): keep the first, set aside the rest."""
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
