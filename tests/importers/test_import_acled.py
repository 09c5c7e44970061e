"""ACLED importer on hand-made fixtures: every column set, date form and actor situation."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from compliance.importers import EVENT_COLUMNS, ImportFormatError, ImportResult, MappingError, import_acled
from compliance.importers.common import SetAside

ACLED_FIXTURES = ["acled_pre2023.csv", "acled_post2023.csv", "acled_upper.csv", "acled_old_upper.csv"]


def accounted(result: ImportResult) -> None:
    assert result.rows_read == len(result.events) + len(result.set_aside)


def event(result: ImportResult, event_id: str) -> dict:
    """One event as a plain dict, with NA/NaN turned into None so it compares with ==."""
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


def aside(result: ImportResult, source_id: str) -> list[SetAside]:
    return [s for s in result.set_aside if s.source_id == source_id]


@pytest.fixture(scope="module")
def pre() -> ImportResult:
    return import_acled(Path(__file__).parent / "fixtures" / "acled_pre2023.csv")


@pytest.mark.parametrize("name", ACLED_FIXTURES)
def test_every_row_is_accounted_for(fixtures: Path, name: str) -> None:
    result = import_acled(fixtures / name)
    accounted(result)
    assert list(result.events.columns) == list(EVENT_COLUMNS)


def test_single_named_actor_is_the_actor(pre: ImportResult) -> None:
    assert event(pre, "acled-TST0001") == {
        "id": "acled-TST0001",
        "date": "2020-05-09",  # Excel's 9-May-20
        "date_end": "",
        "actor": "syria-gov",
        "action": "shelling",
        "weapons": "artillery",
        "target_type": "",
        "target_party": "",
        "location": "Testville",
        "lat": 35.9,
        "lon": 36.6,
        "admin1": "Idleb",
        "admin2": "Test District",
        "killed": 0,
        "civilians_killed": None,
        "attribution": "probable",
        "sources": "ACLED TST0001; Test Monitor; Other Monitor",
        "notes": "Synthetic fixture row TST0001: shelling, with a comma, near Testville.",
        "precision_km": 2.0,
        "target_name": "",
        "involved": "",
        "attribution_note": "",
    }


def test_violence_against_civilians_with_unit_suffix_and_week_precision(pre: ImportResult) -> None:
    e = event(pre, "acled-TST0002")
    # "Military Forces of Syria (2000-) 99th Test Division" matches the prefix pattern.
    assert (e["actor"], e["action"], e["target_type"], e["attribution"]) == (
        "syria-gov", "attack", "civilians", "probable")
    # time_precision 2: a week around the coded midpoint 30 April.
    assert (e["date"], e["date_end"]) == ("2020-04-27", "2020-05-03")
    assert (e["killed"], e["civilians_killed"], e["precision_km"]) == (2, 2, 10.0)


def test_two_armed_actors_name_no_actor(pre: ImportResult) -> None:
    e = event(pre, "acled-TST0003")
    assert e["actor"] == ""
    assert e["attribution"] == "unknown"
    assert e["involved"] == "syria-gov;hts;iran-backed-militias"  # assoc_actor_1 joins
    assert e["attribution_note"] == "ACLED does not say which of the two named actors attacked"
    assert e["target_party"] == "" and e["target_type"] == ""


def test_bad_date_is_set_aside_naming_the_value(pre: ImportResult) -> None:
    assert aside(pre, "TST0004") == [SetAside(
        5, "TST0004",
        "event_date '31-Foo-20' is in none of the forms 2020-05-09, 9 May 2020, 09 May 2020, 9-May-20")]


def test_bad_coordinates_are_set_aside(pre: ImportResult) -> None:
    assert aside(pre, "TST0005") == [SetAside(6, "TST0005", "latitude 'abc' is not a number")]
    assert aside(pre, "TST0010") == [SetAside(12, "TST0010", "latitude 95.0 is outside [-90, 90]")]


def test_duplicate_id_keeps_the_first(pre: ImportResult) -> None:
    assert aside(pre, "TST0001") == [
        SetAside(7, "TST0001", "duplicate event_id_cnty TST0001: the row at line 2 is kept")]
    assert event(pre, "acled-TST0001")["action"] == "shelling"  # the first row, not the air strike


def test_event_type_without_counterpart_is_set_aside_and_counted(pre: ImportResult) -> None:
    [row] = aside(pre, "TST0006")
    assert row.row == 8
    assert row.reason.startswith("ACLED Change to group/activity mixes troop movements")
    assert pre.unmapped["event type: Strategic developments / Change to group/activity"] == 1


def test_one_of_actor_goes_to_involved(pre: ImportResult) -> None:
    e = event(pre, "acled-TST0007")
    assert (e["actor"], e["involved"], e["attribution"]) == ("", "syria-gov;russia", "unknown")
    assert e["attribution_note"] == "ACLED: attacker unclear between Syrian and Russian forces"
    assert (e["action"], e["weapons"], e["precision_km"]) == ("air-strike", "aircraft", 25.0)


def test_unmapped_actor_against_civilians_by_numeric_inter(pre: ImportResult) -> None:
    # "Shepherds (Syria)" is in no mapping; inter2 = 7 marks it as civilians. "Test Brigade (Syria)"
    # is unmapped: it did the shelling (civilians do not shell) but is no known party.
    e = event(pre, "acled-TST0008")
    assert (e["actor"], e["target_type"], e["attribution"]) == ("", "civilians", "unknown")
    assert e["attribution_note"] == "ACLED actor 'Test Brigade (Syria)' is not in the mapping"
    assert e["civilians_killed"] == 1
    assert pre.unmapped["Test Brigade (Syria)"] == 1
    assert "Shepherds (Syria)" not in pre.unmapped


def test_far_outside_syria_is_kept_with_a_warning(pre: ImportResult) -> None:
    e = event(pre, "acled-TST0009")
    assert (e["lat"], e["lon"]) == (48.8566, 2.3522)
    assert pre.warnings == ["line 11 (acled-TST0009): coordinates 48.8566, 2.3522 lie outside Syria; kept"]


def test_month_precision_and_unidentified_attacker(pre: ImportResult) -> None:
    e = event(pre, "acled-TST0011")
    assert (e["date"], e["date_end"]) == ("2020-03-31", "2020-04-30")  # 15 April +- 15 days
    assert (e["actor"], e["target_type"], e["attribution"]) == ("", "civilians", "unknown")
    assert e["attribution_note"] == "ACLED: unidentified armed group"


def test_pre2023_totals(pre: ImportResult) -> None:
    assert (pre.rows_read, len(pre.events), len(pre.set_aside)) == (12, 7, 5)
    assert dict(pre.unmapped) == {
        "Test Brigade (Syria)": 1,
        "event type: Strategic developments / Change to group/activity": 1,
    }


def test_post2023_columns_date_forms_and_text_inter(fixtures: Path) -> None:
    result = import_acled(fixtures / "acled_post2023.csv")
    assert (result.rows_read, len(result.events), result.set_aside) == (5, 5, [])
    # "9 May 2020", "09 May 2020" and "2020-05-09" are one day.
    assert [event(result, f"acled-TST010{i}")["date"] for i in (1, 2, 3)] == ["2020-05-09"] * 3

    strike = event(result, "acled-TST0101")
    assert (strike["actor"], strike["target_type"], strike["civilians_killed"]) == ("russia", "civilians", 3)

    # Government regains territory: the state party did it, whichever column ACLED put it in.
    regain = event(result, "acled-TST0102")
    assert (regain["actor"], regain["action"], regain["target_party"], regain["attribution"]) == (
        "syria-gov", "territory-captured", "hts", "probable")

    # inter2 "Civilians" (text) marks the unmapped victim as civilians.
    attack = event(result, "acled-TST0103")
    assert (attack["actor"], attack["target_type"], attack["civilians_killed"]) == ("isis", "civilians", 1)
    assert result.unmapped == {}

    protest = event(result, "acled-TST0104")
    assert (protest["actor"], protest["action"], protest["attribution"]) == ("", "protest", "unknown")
    assert protest["attribution_note"] == "ACLED names 'Protesters (Syria)', not an armed party"

    # Two factions of one party: that party, whichever attacked.
    clash = event(result, "acled-TST0105")
    assert (clash["actor"], clash["attribution"], clash["attribution_note"]) == (
        "armed-opposition", "probable", "both named actors are armed-opposition")


def test_upper_case_names_bom_and_padding(fixtures: Path) -> None:
    result = import_acled(fixtures / "acled_upper.csv")
    accounted(result)
    shelling = event(result, "acled-TST0201")
    assert (shelling["actor"], shelling["target_type"], shelling["civilians_killed"], shelling["sources"]) == (
        "turkey", "civilians", 1, "ACLED TST0201; Test Monitor")
    arrest = event(result, "acled-TST0202")
    assert (arrest["actor"], arrest["action"], arrest["date"]) == ("syria-gov", "arrest", "2020-05-09")


def test_old_upper_case_file_without_sub_event_type(fixtures: Path) -> None:
    result = import_acled(fixtures / "acled_old_upper.csv")
    accounted(result)
    regain = event(result, "acled-TST0301")
    assert (regain["actor"], regain["target_party"], regain["date"]) == (
        "syria-gov", "armed-opposition", "2018-09-12")
    assert aside(result, "TST0302") == [SetAside(
        3, "TST0302",
        "old ACLED Remote violence does not say whether it was shelling, an air strike or an explosive device")]
    vac = event(result, "acled-TST0303")
    assert (vac["actor"], vac["target_type"], vac["civilians_killed"]) == ("isis", "civilians", 4)
    # ALLY_ACTOR_1 is read as assoc_actor_1: an unidentified associate adds no party.
    assert vac["involved"] == ""
    assert dict(result.unmapped) == {"event type: Remote violence": 1}


def test_events_have_canonical_dtypes(pre: ImportResult) -> None:
    frame = pre.events
    for name in ("lat", "lon", "precision_km"):
        assert frame[name].dtype == "float64"
    for name in ("killed", "civilians_killed"):
        assert str(frame[name].dtype) == "Int64"
    for name in set(EVENT_COLUMNS) - {"lat", "lon", "precision_km", "killed", "civilians_killed"}:
        assert pd.api.types.is_string_dtype(frame[name]), name
        assert not frame[name].isna().any(), name


def test_progress_reports_to_the_end(fixtures: Path) -> None:
    calls: list[tuple[int, int]] = []
    import_acled(fixtures / "acled_pre2023.csv", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)


def test_missing_required_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_date\nTST1,2020-05-09\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="missing column"):
        import_acled(bad)


def test_year_column_disagreeing_with_the_date_warns(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "acled_post2023.csv").read_text(encoding="utf-8")
    changed = tmp_path / "year.csv"
    changed.write_text(text.replace("TST0104,10 May 2020,2020", "TST0104,10 May 2020,2019"), encoding="utf-8")
    result = import_acled(changed)
    assert result.warnings == [
        "line 5 (acled-TST0104): event_date '10 May 2020' is not in the year column's 2019; the date is used"]
    accounted(result)


def test_windows_1252_file_is_read_with_a_warning(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "acled_upper.csv").read_text(encoding="utf-8-sig").replace("Testville", "Tésville")
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes(text.encode("cp1252"))
    result = import_acled(legacy)
    assert set(result.events["location"]) == {"Tésville"}
    assert result.warnings == [f"{legacy}: not UTF-8; read as Windows-1252"]


def test_extra_mapping_overrides_and_extends(fixtures: Path, tmp_path: Path) -> None:
    extra = tmp_path / "local.yaml"
    extra.write_text('actors:\n  "Test Brigade*": armed-opposition\n', encoding="utf-8")
    result = import_acled(fixtures / "acled_pre2023.csv", mapping_paths=[extra])
    e = event(result, "acled-TST0008")
    assert (e["actor"], e["target_type"], e["attribution"]) == ("armed-opposition", "civilians", "probable")
    assert "Test Brigade (Syria)" not in result.unmapped


def test_mapping_with_an_unknown_action_is_refused(fixtures: Path, tmp_path: Path) -> None:
    extra = tmp_path / "typo.yaml"
    extra.write_text("event_types:\n  Battles:\n    Armed clash: {action: bombing}\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"typo\.yaml: event_types: Battles / Armed clash: action 'bombing'"):
        import_acled(fixtures / "acled_pre2023.csv", mapping_paths=[extra])


def test_mapping_with_an_unknown_party_is_refused(fixtures: Path, tmp_path: Path) -> None:
    extra = tmp_path / "party.yaml"
    extra.write_text('actors:\n  "Test Brigade*": test-party\n', encoding="utf-8")
    with pytest.raises(MappingError, match="'test-party' is not a party id"):
        import_acled(fixtures / "acled_pre2023.csv", mapping_paths=[extra])
