"""Import a UCDP Georeferenced Event Dataset (GED) CSV into the canonical event log.

GED (CC BY 4.0; cite Sundberg & Melander 2013) records per event two sides, a type of violence, a date
span, a place with a precision code and deaths. It does not record weapons or target types, and for
state-based (1) and non-state (2) violence it does not say which side attacked. The importer keeps to
that: ``action`` follows the type of violence (armed-clash for 1 and 2, attack on civilians for 3),
``weapons`` stay empty, and only one-sided violence (3) names an actor (side_a).

UCDP has no Russia actor: Russian air strikes are coded as ``Government of Syria``. The shipped
mapping therefore caps every Government of Syria attribution at ``alleged`` and attaches a note saying
that this source cannot tell the Syrian government and Russia apart.

Sides may be coalitions (``Ahrar al-Sham, HTS, Southern Front``); see
:func:`compliance.importers.common.resolve_coalition`.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .common import (
    EMPTY,
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
    outcomes_for,
    outside_syria,
    parse_dates,
    read_table,
    require_columns,
    resolve_coalition,
    row_warnings,
    source_list,
    split_result,
    to_int,
    truncate,
)

# GED CSVs write plain dates; some releases (and files round-tripped through a database) add a time.
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
DATE_FORMS_TEXT = "2016-01-01, 2016-01-01 00:00:00.000"

REQUIRED = ("id", "type_of_violence", "side_a", "side_b", "latitude", "longitude", "date_start")
OPTIONAL = ("date_end", "where_prec", "where_coordinates", "adm_1", "adm_2", "best", "deaths_civ",
            "source_office", "source_headline", "dyad_name", "date_prec")

NO_WEAPON_NOTE = "GED gives no weapon or target type"


def import_ucdp(path: str | os.PathLike[str], mapping_paths: Iterable[str | os.PathLike[str]] = (),
                progress: ProgressFn | None = None) -> ImportResult:
    """Read a UCDP GED CSV and return its events, the rows set aside and what did not map.

    ``mapping_paths`` are extra mapping files read after the shipped ``mappings/ucdp.yaml``.
    ``progress(rows_done, rows_total)`` is called as chunks of rows are done.
    """
    mapping = load_mapping("ucdp", mapping_paths)
    table = read_table(path, wanted=(*REQUIRED, *OPTIONAL))
    frame = table.frame
    require_columns(table, REQUIRED, path, "UCDP GED")
    ensure_columns(frame, OPTIONAL)
    frame["_row"] = table.rows
    warnings = list(table.warnings)
    unmapped: collections.Counter[str] = collections.Counter()

    frame["_dup"] = duplicate_reasons(frame["id"], table.rows, "id")

    resolve_cache: dict[str, Resolved] = {}

    def resolve(text: str) -> Resolved:
        if text not in resolve_cache:
            resolve_cache[text] = resolve_coalition(mapping, text) if text else EMPTY
        return resolve_cache[text]

    for side in ("side_a", "side_b"):
        count_into(unmapped, frame[side], lambda v: resolve(v).unmapped)
    count_into(unmapped, frame["type_of_violence"],
               lambda v: [] if mapping.event_type(v) else [f"type_of_violence: {v}"])

    cache: dict[tuple[str, ...], Outcome] = {}

    def compute(key: tuple[str, ...]) -> Outcome:
        kind, side_a, side_b = key
        entry = mapping.event_type(kind)
        if entry is None:
            return Outcome(set_aside=f"type_of_violence '{kind}' is not in the mapping")
        if entry.action is None:
            return Outcome(set_aside=entry.reason)
        return decide(mapping, entry, resolve(side_a), resolve(side_b))

    km = mapping.precision.get("where_km", {})
    odd_where: collections.Counter[str] = collections.Counter()

    def transform(c: pd.DataFrame) -> pd.DataFrame:
        reasons = Reasons(c.index)
        gid = c["id"]
        ids = "ucdp-" + gid
        reasons.add(gid.eq(""), "no id")
        reasons.add(c["_dup"].ne(""), c["_dup"])

        start = parse_dates(c["date_start"], DATE_FORMATS)
        end_text = c["date_end"].where(c["date_end"].ne(""), c["date_start"])
        end = parse_dates(end_text, DATE_FORMATS)
        reasons.add(c["date_start"].eq(""), "no date_start")
        reasons.add(c["date_start"].ne("") & start.isna(),
                    "date_start '", c["date_start"], f"' is in none of the forms {DATE_FORMS_TEXT}")
        reasons.add(c["date_end"].ne("") & end.isna(),
                    "date_end '", c["date_end"], f"' is in none of the forms {DATE_FORMS_TEXT}")
        reasons.add(start.notna() & end.notna() & (end < start),
                    "date_end '", c["date_end"], "' is before date_start '", c["date_start"], "'")
        date_end = iso(end).where(end.notna() & start.notna() & (end > start), "")

        lat, lon = coordinate_checks(c["latitude"], c["longitude"], reasons)
        warnings.extend(row_warnings(outside_syria(lat, lon), c["_row"], ids, "coordinates ",
                                     c["latitude"], ", ", c["longitude"], " lie outside Syria; kept"))
        precision = c["where_prec"].map(km).astype("float64")
        odd_where.update(c.loc[precision.isna(), "where_prec"].replace("", "(empty)"))

        out = outcomes_for(c[["type_of_violence", "side_a", "side_b"]], cache, compute)
        reasons.add(out["set_aside"].ne(""), out["set_aside"])

        sources = source_list(c["source_office"])
        dyad = c["dyad_name"].where(c["dyad_name"].ne(""), c["side_a"] + " - " + c["side_b"])
        headline = clean_text(c["source_headline"])
        notes = headline + np.where(headline.ne(""), " ", "") + "(UCDP GED: " + dyad + "; " + NO_WEAPON_NOTE + ")"
        return pd.DataFrame({
            "id": ids,
            "date": iso(start),
            "date_end": date_end,
            "actor": out["actor"],
            "action": out["action"],
            "weapons": out["weapons"],
            "target_type": out["target_type"],
            "target_party": out["target_party"],
            "location": c["where_coordinates"],
            "lat": lat,
            "lon": lon,
            "admin1": c["adm_1"],
            "admin2": c["adm_2"],
            "killed": to_int(c["best"]),
            "civilians_killed": to_int(c["deaths_civ"]),
            "attribution": out["attribution"],
            "sources": "UCDP GED " + gid + np.where(sources.ne(""), "; " + sources, ""),
            "notes": truncate(notes),
            "precision_km": precision,
            "target_name": "",
            "involved": out["involved"],
            "attribution_note": out["attribution_note"],
            "_reason": reasons.text,
            "_row": c["_row"],
            "_source_id": gid,
        })

    out = drive(frame, transform, progress)
    if odd_where:
        warnings.append("where_prec not in the mapping in "
                        + ", ".join(f"{n} row(s) ('{v}')" for v, n in odd_where.items())
                        + "; precision_km left empty")
    return split_result(out, len(frame), unmapped, warnings)
