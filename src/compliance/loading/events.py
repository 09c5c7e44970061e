"""Loading event logs (YAML, CSV, Parquet) into one table of typed columns.

Hand-written YAML goes through the pydantic models event by event, so each mistake is located
exactly. CSV and Parquet logs can hold millions of rows: they are validated column by column
(vectorized), never one Python object per row. Either way every event read ends up in the table
or in ``set_aside`` with the reason and its place: nothing is dropped silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from compliance import vocabulary as v
from compliance.loading.problems import Problem, Problems, did_you_mean
from compliance.loading.validate import validate
from compliance.loading.yamlpos import YamlError, load_file
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
        table.problems.add(exc.problem.path, exc.problem.line, exc.problem.col, exc.problem.message)
        return None
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        table.problems.add(shown, *located.where(()), "an event file holds a mapping with an 'events:' list")
        return None
    extra = [k for k in data if k != "events"]
    for k in extra:
        table.problems.add(shown, *located.where((k,), key=True), f"unknown key '{k}' (did you mean 'events'?)"
                           if did_you_mean(k, ["events"]) else f"unknown key '{k}'; an event file holds 'events:'")
    rows = []
    for i, raw in enumerate(data["events"]):
        table.read += 1
        sub = located.sub(("events", i))
        line, col = sub.where(())
        origin = f"{shown}:{line}:{col}"
        event, problems = validate(Event, sub)
        if event is None:
            ident = str(raw.get("id", "")) if isinstance(raw, dict) else ""
            for p in problems:
                table.problems.add(p.path, p.line, p.col, _prefix_field(p.message))
            reason = "; ".join(_prefix_field(p.message) for p in problems)
            table.set_aside.append(SetAside(ident, f"{shown}:{problems[0].line}:{problems[0].col}", reason))
            continue
        rows.append(event_row(event, origin))
    if not rows:
        return None
    return pd.DataFrame(rows, columns=[*CSV_COLUMNS, "alternatives", "origin"])


def _prefix_field(message: str) -> str:
    return re.sub(r"\bevents\.\d+\.", "", message)


# -- CSV and Parquet -------------------------------------------------------------------------------------


def _load_table(path: Path, shown: str, table: EventTable) -> pd.DataFrame | None:
    try:
        if path.suffix.lower() == ".parquet":
            raw = pd.read_parquet(path)
            raw = raw.astype({c: "string" for c in raw.columns if c in TEXT_COLUMNS})
            header_line = 0
        else:
            with path.open("rb") as fh:
                head = fh.read(1 << 16)
            if b"\x00" in head:
                table.problems.add(shown, 1, 1, "the file contains NUL bytes; it is binary, not CSV text")
                return None
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                              skipinitialspace=False, on_bad_lines="error", engine="c")
            header_line = 1
    except UnicodeDecodeError as exc:
        table.problems.add(shown, 1, 1, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                           "save it as UTF-8")
        return None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        line = _line_of(str(exc))
        table.problems.add(shown, line, 1, f"the table cannot be read: {str(exc).strip()}; "
                           "check the quoting and the number of fields on that line")
        return None
    columns = [str(c).strip() for c in raw.columns]
    raw.columns = columns
    ok = True
    for i, c in enumerate(columns):
        if c not in CSV_COLUMNS:
            table.problems.add(shown, header_line or 1, i + 1, f"unknown column '{c}'{did_you_mean(c, CSV_COLUMNS)};"
                               f" the columns are: {', '.join(CSV_COLUMNS)}")
            ok = False
    for c in CSV_REQUIRED:
        if c not in columns:
            table.problems.add(shown, header_line or 1, 1, f"the required column '{c}' is missing; the header "
                               f"needs at least: {', '.join(CSV_REQUIRED)}")
            ok = False
    if not ok:
        table.read += len(raw)
        table.set_aside.extend(SetAside("", f"{shown}:{header_line + 1 + i}", "the file's header is invalid")
                               for i in range(len(raw)))
        return None
    for c in CSV_COLUMNS:
        if c not in raw.columns:
            raw[c] = ""
    table.read += len(raw)
    first_row_line = header_line + 1
    raw["origin"] = [f"{shown}:{first_row_line + i}" for i in range(len(raw))] if len(raw) < 2_000_000 else shown
    raw["alternatives"] = ""
    return _check_rows(raw, shown, table, {c: i + 1 for i, c in enumerate(columns)})


def _line_of(message: str) -> int:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else 1


def _check_rows(raw: pd.DataFrame, shown: str, table: EventTable, col_of: dict[str, int]) -> pd.DataFrame:
    """Vectorized row checks: each bad row is set aside with every reason, at its line and column."""
    n = len(raw)
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
    flag(bad_id, "id", lambda i: f"the id '{ids.iat[i]}' may hold only letters, digits and . _ : -")
    action = text["action"]
    bad = (~action.isin(v.ACTIONS)).to_numpy()
    flag(bad, "action", lambda i: f"unknown action '{action.iat[i]}'{did_you_mean(action.iat[i], v.ACTIONS)}")
    ttype = text["target_type"]
    bad = ((ttype != "") & ~ttype.isin(v.TARGET_TYPES)).to_numpy()
    flag(bad, "target_type", lambda i: f"unknown target type '{ttype.iat[i]}'"
         f"{did_you_mean(ttype.iat[i], v.TARGET_TYPES)}")
    attribution = text["attribution"].replace("", "unknown")
    raw["attribution"] = attribution
    bad = (~attribution.isin(v.ATTRIBUTION)).to_numpy()
    flag(bad, "attribution", lambda i: f"unknown attribution '{attribution.iat[i]}'; use one of: "
         f"{', '.join(v.ATTRIBUTION)}")
    weapons = text["weapons"]
    has_weapons = (weapons != "").to_numpy()
    if has_weapons.any():
        exploded = weapons[has_weapons].str.split(";").explode().str.strip()
        unknown = exploded[~exploded.isin(v.WEAPONS) & (exploded != "")]
        if len(unknown):
            bad_rows = np.zeros(n, dtype=bool)
            pos = raw.index.get_indexer(unknown.index.unique())
            bad_rows[pos] = True
            first_bad = unknown.groupby(level=0).first()
            flag(bad_rows, "weapons", lambda i: f"unknown weapon '{first_bad.loc[raw.index[i]]}'"
                 f"{did_you_mean(first_bad.loc[raw.index[i]], v.WEAPONS)}")
        raw["weapons"] = weapons.str.replace(r"\s*;\s*", ";", regex=True)
    for column, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        values = pd.to_numeric(raw[column], errors="coerce").astype("float64")
        raw[column] = values
        arr = values.to_numpy()
        flag(~np.isfinite(arr), column, lambda i, c=column: f"{c} '{_raw(raw, c, i)}' is not a finite number")
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
         lambda i: f"precision_km '{precision.iat[i]}' is not a number of kilometres >= 0")
    raw["precision_km"] = num
    for column in ("killed", "civilians_killed"):
        given_text = _text(raw[column])
        num = pd.to_numeric(given_text.mask(given_text == "", None), errors="coerce").astype("float64")
        given = (given_text != "").to_numpy()
        arr = num.to_numpy()
        bad = given & (~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr)))
        flag(bad, column, lambda i, c=column, t=given_text: f"{c} '{t.iat[i]}' is not a whole number >= 0")
        raw[column] = pd.array(np.where(np.isfinite(arr) & ~bad, arr, np.nan), dtype="Float64").astype("Int64")
    start, end, date_problems = _times(text["date"], text["date_end"])
    for message, mask, column in date_problems:
        flag(mask, column, message)
    raw["start"], raw["end"] = start, end
    # duplicates within the file: keep the first, set aside the rest naming the first place
    dup = ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    if dup.any():
        first_index = pd.Series(np.arange(n), index=ids).groupby(level=0).first()
        flag(dup, "id", lambda i: f"duplicate event id '{ids.iat[i]}': first at "
             f"{raw['origin'].iat[int(first_index[ids.iat[i]])]}")
    bad_rows = np.array([bool(r) for r in reasons])
    if bad_rows.any():
        origins = raw["origin"].to_numpy()
        for i in np.flatnonzero(bad_rows):
            origin = origins[i] if isinstance(origins[i], str) and origins[i] != shown else f"{shown}:{i + 2}"
            table.set_aside.append(SetAside(str(ids.iat[i]), f"{origin}:{first_col[i]}", "; ".join(reasons[i])))
            table.problems.add(shown, int(origin.rsplit(":", 1)[1]) if ":" in origin else i + 2, int(first_col[i]),
                               f"event '{ids.iat[i]}': " + "; ".join(reasons[i]))
    return raw.loc[~bad_rows]


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string").fillna("").str.strip()


def arr_of(raw: pd.DataFrame, column: str) -> np.ndarray:
    return raw[column].to_numpy()


def _raw(raw: pd.DataFrame, column: str, i: int) -> str:
    return str(raw[column].iat[i])


def _in_syria(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_min, lat_max, lon_min, lon_max = SYRIA_BOX
    return (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _times(date: pd.Series, date_end: pd.Series):
    """Event spans as UTC epoch seconds [start, end): a date alone is the whole local day in Syria."""
    problems: list[tuple[Any, np.ndarray, str]] = []
    start_open, start_close, bad_start = _moments(date)
    end_open, end_close, bad_end = _moments(date_end)
    empty = (date == "").to_numpy()
    problems.append(("the date is empty; write YYYY-MM-DD", empty, "date"))
    problems.append((lambda i: f"'{date.iat[i]}' is not a real date; write YYYY-MM-DD (or with a time and its UTC "
                     "offset, e.g. 2020-03-06T00:01+03:00)", bad_start & ~empty, "date"))
    has_end = (date_end != "").to_numpy()
    problems.append((lambda i: f"date_end '{date_end.iat[i]}' is not a real date; write YYYY-MM-DD",
                     bad_end & has_end, "date_end"))
    start = start_open
    end = np.where(has_end & ~bad_end, end_close, start_close)
    backwards = has_end & ~bad_end & ~bad_start & (end <= start)
    problems.append((lambda i: f"date_end {date_end.iat[i]} is before date {date.iat[i]}", backwards, "date_end"))
    return start, end, problems


def _moments(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Opening and closing epoch seconds of each value (a local day, or an instant), and which are bad."""
    n = len(values)
    opening = np.zeros(n, dtype=np.int64)
    closing = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    if n == 0:
        return opening, closing, bad
    is_date = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy()
    low, high = YEAR_RANGE
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
    return opening, closing, bad


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
    if "start" not in frame:
        start, end, _ = _times(frame["date"], frame["date_end"])
        frame["start"], frame["end"] = start, end
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
            table.problems.add(shown, 0, 0, "no such file or folder")
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
    dup = frame["id"].duplicated(keep="first")
    if not dup.any():
        return frame
    first = frame.loc[~dup].set_index("id")["origin"]
    for i in np.flatnonzero(dup.to_numpy()):
        ident = frame["id"].iat[i]
        origin = frame["origin"].iat[i]
        reason = f"duplicate event id '{ident}': first at {first[ident]}"
        table.set_aside.append(SetAside(ident, origin, reason))
        path, line = (origin.rsplit(":", 2)[0], origin.rsplit(":", 2)[1]) if origin.count(":") >= 2 else (origin, 1)
        table.problems.add(path, int(line) if str(line).isdigit() else 1, 1, reason)
    return frame.loc[~dup].reset_index(drop=True)


def _shown(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            pass
    return str(path)


__all__ = ["COLUMNS", "CSV_COLUMNS", "EventTable", "Problem", "SetAside", "event_row", "events_frame", "load_events"]
