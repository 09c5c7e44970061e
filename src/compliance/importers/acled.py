"""Import an ACLED export into the canonical event log.

ACLED's terms forbid redistributing its data: this module reads a file the user downloaded and writes
events derived from it; nothing of ACLED's ships with the tool.

What the importer reads (shared/data/SOURCES.md):

* three column sets: pre-2023 lower case, post-2023 (without ``data_id``, ``event_id_no_cnty``,
  ``iso3``; with ``disorder_type``, ``civilian_targeting``, ``tags``) and the old upper-case names,
  which are lower-cased (``ALLY_ACTOR_1`` of the oldest files is read as ``assoc_actor_1``);
* dates as ``2020-05-09``, ``9 May 2020``, ``09 May 2020`` or Excel's ``9-May-20``, tried in that
  order with explicit formats; a date in none of them sets the row aside naming the value;
* ``inter1``/``inter2`` as numbers or as text: both are understood, and used only to recognise
  civilians among actor strings the mapping does not know.

How a row becomes an event is in ``mappings/acled.yaml``; the decision on who did what is
:func:`compliance.importers.common.decide`. ACLED's actor order carries no meaning except in Violence
against civilians, so with two named actors the importer only names an actor when the event type
makes it clear, and otherwise lists both in ``involved`` with attribution ``unknown``.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .common import (
    EMPTY,
    EventMapping,
    ImportResult,
    Outcome,
    ProgressFn,
    Reasons,
    Resolved,
    clean_text,
    coordinate_checks,
    count_into,
    decide,
    drive,
    duplicate_reasons,
    ensure_columns,
    iso,
    load_mapping,
    map_unique,
    norm_key,
    outcomes_for,
    outside_syria,
    parse_dates,
    read_table,
    require_columns,
    resolve_actor,
    row_warnings,
    source_list,
    split_result,
    to_int,
    truncate,
)

# Tried in this order. `%d` accepts one or two digits, so "9 May 2020" and "09 May 2020" are one form.
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%b-%y", "%d-%b-%Y")
DATE_FORMS_TEXT = "2020-05-09, 9 May 2020, 09 May 2020, 9-May-20"

# Column names of the oldest exports that differ from today's beyond case.
ALIASES: dict[str, str] = {
    "ally_actor_1": "assoc_actor_1",
    "ally_actor_2": "assoc_actor_2",
}
REQUIRED = ("event_id_cnty", "event_date", "event_type", "actor1", "latitude", "longitude")
OPTIONAL = ("sub_event_type", "time_precision", "assoc_actor_1", "actor2", "assoc_actor_2", "inter1",
            "inter2", "admin1", "admin2", "location", "geo_precision", "source", "notes", "fatalities",
            "year")


def import_acled(path: str | os.PathLike[str], mapping_paths: Iterable[str | os.PathLike[str]] = (),
                 progress: ProgressFn | None = None) -> ImportResult:
    """Read an ACLED CSV export and return its events, the rows set aside and what did not map.

    ``mapping_paths`` are extra mapping files read after the shipped ``mappings/acled.yaml``.
    ``progress(rows_done, rows_total)`` is called as chunks of rows are done.
    """
    mapping = load_mapping("acled", mapping_paths)
    table = read_table(path, ALIASES, wanted=(*REQUIRED, *OPTIONAL))
    frame = table.frame
    require_columns(table, REQUIRED, path, "ACLED")
    ensure_columns(frame, OPTIONAL)
    frame["_row"] = table.rows
    warnings = list(table.warnings)
    unmapped: collections.Counter[str] = collections.Counter()

    frame["_dup"] = duplicate_reasons(frame["event_id_cnty"], table.rows, "event_id_cnty")

    # Inter codes: numeric (old) or text (new) -> a civilian marker, or "".
    for side in ("1", "2"):
        frame[f"_inter{side}"] = map_unique(frame[f"inter{side}"],
                                            lambda v: mapping.inter.get(norm_key(v), ""))

    resolve_cache: dict[tuple[str, str], Resolved] = {}

    def resolve(text: str, inter: str = "") -> Resolved:
        key = (text, inter)
        if key not in resolve_cache:
            resolve_cache[key] = resolve_actor(mapping, text, inter)
        return resolve_cache[key]

    def resolve_list(text: str) -> list[Resolved]:
        return [resolve(p.strip()) for p in text.split(";") if p.strip()]

    # Unmapped strings, counted per row in which they occur (over all rows read).
    for actor, inter in (("actor1", "_inter1"), ("actor2", "_inter2")):
        pairs = frame[actor] + "\x1f" + frame[inter]
        count_into(unmapped, pairs, lambda v: resolve(*v.split("\x1f")).unmapped)
    for assoc in ("assoc_actor_1", "assoc_actor_2"):
        count_into(unmapped, frame[assoc], lambda v: [u for r in resolve_list(v) for u in r.unmapped])
    types = frame["event_type"] + "\x1f" + frame["sub_event_type"]
    count_into(unmapped, types, lambda v: _unmapped_type(mapping, *v.split("\x1f")))

    cache: dict[tuple[str, ...], Outcome] = {}

    def compute(key: tuple[str, ...]) -> Outcome:
        kind, sub, a1, a2, as1, as2, i1, i2 = key
        entry = mapping.event_type(kind, sub)
        label = f"{kind} / {sub}" if sub else kind
        if entry is None:
            return Outcome(set_aside=f"ACLED event type '{label}' is not in the mapping")
        if entry.action is None:
            return Outcome(set_aside=entry.reason)
        return decide(mapping, entry, resolve(a1, i1) if a1 else EMPTY, resolve(a2, i2) if a2 else EMPTY,
                      resolve_list(as1), resolve_list(as2))

    days = mapping.precision.get("time_days", {})
    km = mapping.precision.get("geo_km", {})
    odd_time: collections.Counter[str] = collections.Counter()
    odd_geo: collections.Counter[str] = collections.Counter()

    def transform(c: pd.DataFrame) -> pd.DataFrame:
        reasons = Reasons(c.index)
        eid = c["event_id_cnty"]
        ids = "acled-" + eid
        reasons.add(eid.eq(""), "no event_id_cnty")
        reasons.add(c["_dup"].ne(""), c["_dup"])

        raw_date = c["event_date"]
        mid = parse_dates(raw_date, DATE_FORMATS)
        reasons.add(raw_date.eq(""), "no event_date")
        reasons.add(raw_date.ne("") & mid.isna(),
                    "event_date '", raw_date, f"' is in none of the forms {DATE_FORMS_TEXT}")
        year = pd.to_numeric(c["year"], errors="coerce")
        wrong_year = mid.notna() & year.notna() & (mid.dt.year != year)
        warnings.extend(row_warnings(wrong_year, c["_row"], ids, "event_date '", raw_date,
                                     "' is not in the year column's ", c["year"], "; the date is used"))

        half = c["time_precision"].map(days)
        odd_time.update(c.loc[half.isna(), "time_precision"].replace("", "(empty)"))
        half = pd.to_timedelta(half.fillna(0).astype("int64"), unit="D")
        start, end = mid - half, mid + half
        date = iso(start)
        date_end = iso(end).where(half > pd.Timedelta(0), "")

        lat, lon = coordinate_checks(c["latitude"], c["longitude"], reasons)
        far = outside_syria(lat, lon)
        warnings.extend(row_warnings(far, c["_row"], ids, "coordinates ", c["latitude"], ", ",
                                     c["longitude"], " lie outside Syria; kept"))
        precision = c["geo_precision"].map(km).astype("float64")
        odd_geo.update(c.loc[c["geo_precision"].ne("") & precision.isna(), "geo_precision"])

        keys = c[["event_type", "sub_event_type", "actor1", "actor2", "assoc_actor_1", "assoc_actor_2",
                  "_inter1", "_inter2"]]
        out = outcomes_for(keys, cache, compute)
        reasons.add(out["set_aside"].ne(""), out["set_aside"])

        killed = to_int(c["fatalities"])
        civ = killed.where(out["civilian_target"].astype(bool).to_numpy(), pd.NA).astype("Int64")
        sources = source_list(c["source"])
        return pd.DataFrame({
            "id": ids,
            "date": date,
            "date_end": date_end,
            "actor": out["actor"],
            "action": out["action"],
            "weapons": out["weapons"],
            "target_type": out["target_type"],
            "target_party": out["target_party"],
            "location": c["location"],
            "lat": lat,
            "lon": lon,
            "admin1": c["admin1"],
            "admin2": c["admin2"],
            "killed": killed,
            "civilians_killed": civ,
            "attribution": out["attribution"],
            "sources": ("ACLED " + eid + np.where(sources.ne(""), "; " + sources, "")),
            "notes": truncate(clean_text(c["notes"])),
            "precision_km": precision,
            "target_name": "",
            "involved": out["involved"],
            "attribution_note": out["attribution_note"],
            "_reason": reasons.text,
            "_row": c["_row"],
            "_source_id": eid,
        })

    out = drive(frame, transform, progress)
    if odd_time:
        warnings.append("time_precision not 1, 2 or 3 in "
                        + ", ".join(f"{n} row(s) ('{v}')" for v, n in odd_time.items())
                        + "; those dates are taken as exact days")
    if odd_geo:
        warnings.append("geo_precision not 1, 2 or 3 in "
                        + ", ".join(f"{n} row(s) ('{v}')" for v, n in odd_geo.items())
                        + "; precision_km left empty")
    return split_result(out, len(frame), unmapped, warnings)


def _unmapped_type(mapping: EventMapping, kind: str, sub: str) -> list[str]:
    """The event-type string to count as unmapped: unknown, or mapped to no action on purpose."""
    entry = mapping.event_type(kind, sub)
    if entry is None or entry.action is None:
        return [f"event type: {kind} / {sub}" if sub else f"event type: {kind}"]
    return []
