"""UCDP GED importer on a hand-made fixture."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from compliance.importers import EVENT_COLUMNS, ImportResult, import_ucdp
from compliance.importers.common import SetAside

GOS_NOTE = ("UCDP codes Russian strikes as Government of Syria: attribution between the Syrian government "
            "and Russia is not possible from this source")


def event(result: ImportResult, event_id: str) -> dict:
    rows = result.events[result.events["id"] == event_id]
    assert len(rows) == 1, f"{event_id}: {len(rows)} events"
    out = {}
    for key, value in rows.iloc[0].items():
        if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            value = None
        elif hasattr(value, "item"):
            value = value.item()
        out[key] = value
    return out


@pytest.fixture(scope="module")
def ged() -> ImportResult:
    return import_ucdp(Path(__file__).parent / "fixtures" / "ucdp_ged.csv")


def test_every_row_is_accounted_for(ged: ImportResult) -> None:
    assert (ged.rows_read, len(ged.events), len(ged.set_aside)) == (9, 6, 3)
    assert ged.rows_read == len(ged.events) + len(ged.set_aside)
    assert list(ged.events.columns) == list(EVENT_COLUMNS)


def test_state_based_event_names_no_actor(ged: ImportResult) -> None:
    assert event(ged, "ucdp-900001") == {
        "id": "ucdp-900001",
        "date": "2016-01-01",
        "date_end": "",
        "actor": "",
        "action": "armed-clash",
        "weapons": "",
        "target_type": "",
        "target_party": "",
        "location": "Testville village",
        "lat": 35.9,
        "lon": 36.6,
        "admin1": "Test Governorate",
        "admin2": "Test district",
        "killed": 2,
        "civilians_killed": 0,
        "attribution": "unknown",
        "sources": "UCDP GED 900001; Test Monitor; Air Test",  # SOHR;SOHR-style repeats collapse
        "notes": ("Synthetic headline 900001 (UCDP GED: Government of Syria - Syrian insurgents; "
                  "GED gives no weapon or target type)"),
        "precision_km": 2.0,
        "target_name": "",
        "involved": "syria-gov;armed-opposition",
        "attribution_note": ("UCDP state-based violence: GED does not say which side attacked; " + GOS_NOTE
                             + "; UCDP: 'Syrian insurgents' groups many rebel factions and does not name "
                             "the one that acted"),
    }


def test_one_sided_government_event_is_alleged_with_the_russia_note(ged: ImportResult) -> None:
    e = event(ged, "ucdp-900002")
    assert (e["actor"], e["action"], e["target_type"], e["attribution"]) == (
        "syria-gov", "attack", "civilians", "alleged")
    assert e["attribution_note"] == GOS_NOTE
    assert (e["date"], e["date_end"]) == ("2016-01-02", "")  # "2016-01-02 00:00:00.000"
    assert (e["killed"], e["civilians_killed"]) == (4, 4)
    # The headline's line break is folded into a space.
    assert e["notes"].startswith("Synthetic headline spanning two lines (UCDP GED:")


def test_one_sided_non_state_event(ged: ImportResult) -> None:
    e = event(ged, "ucdp-900003")
    assert (e["actor"], e["attribution"], e["attribution_note"], e["precision_km"]) == (
        "isis", "probable", "", 25.0)


def test_coalition_spanning_parties_names_no_actor(ged: ImportResult) -> None:
    e = event(ged, "ucdp-900004")
    assert (e["actor"], e["involved"], e["precision_km"]) == ("", "armed-opposition;hts;isis", 50.0)
    assert e["attribution_note"] == (
        "UCDP non-state violence: GED does not say which side attacked; UCDP: 'Ahrar al-Sham, HTS' is a "
        "coalition (armed-opposition, hts) and the source does not say which member acted")


def test_date_span_and_country_level_place(ged: ImportResult) -> None:
    e = event(ged, "ucdp-900005")
    assert (e["date"], e["date_end"], e["precision_km"]) == ("2016-01-01", "2016-12-31", 500.0)


def test_coalition_of_one_party_against_an_unmapped_group(ged: ImportResult) -> None:
    e = event(ged, "ucdp-900008")
    assert (e["actor"], e["involved"], e["attribution"]) == ("", "armed-opposition", "unknown")
    assert e["attribution_note"] == ("UCDP non-state violence: GED does not say which side attacked; "
                                     "UCDP actor 'Test Front' is not in the mapping")
    assert dict(ged.unmapped) == {"Test Front": 2}


def test_set_aside_rows_with_reasons_and_file_lines(ged: ImportResult) -> None:
    # The headline of 900002 spans two lines, so the records after it start one line later.
    assert ged.set_aside == [
        SetAside(8, "900006",
                 "date_start '2016-13-45' is in none of the forms 2016-01-01, 2016-01-01 00:00:00.000; "
                 "date_end '2016-13-45' is in none of the forms 2016-01-01, 2016-01-01 00:00:00.000"),
        SetAside(9, "900007", "no latitude"),
        SetAside(10, "900003", "duplicate id 900003: the row at line 5 is kept"),
    ]


def test_no_weapons_and_no_russia_actor(ged: ImportResult) -> None:
    assert set(ged.events["weapons"]) == {""}
    assert "russia" not in set(ged.events["actor"])
