"""Shared importer machinery: the event CSV writer, mapping loading and lookups."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from compliance.importers import EVENT_COLUMNS, import_acled, import_ucdp, load_mapping, write_event_csv
from compliance.importers.common import ACTIONS, PARTY_IDS, TARGET_TYPES, WEAPONS, parse_dates, weaker

HEADER = ("id,date,date_end,actor,action,weapons,target_type,target_party,location,lat,lon,admin1,admin2,"
          "killed,civilians_killed,attribution,sources,notes,precision_km,target_name,involved,attribution_note")


def test_header_is_the_contract_header_plus_optional_columns() -> None:
    assert ",".join(EVENT_COLUMNS) == HEADER


def test_write_event_csv_round_trips_atomically(fixtures: Path, tmp_path: Path) -> None:
    events = import_acled(fixtures / "acled_pre2023.csv").events
    target = tmp_path / "events" / "acled.csv"
    target.parent.mkdir()
    target.write_text("old content\n", encoding="utf-8")
    write_event_csv(events, target)
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind
    back = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert list(back["id"]) == list(events["id"])
    assert back.loc[back["id"] == "acled-TST0003", "involved"].item() == "syria-gov;hts;iran-backed-militias"
    assert back.loc[back["id"] == "acled-TST0001", "civilians_killed"].item() == ""
    assert back.loc[back["id"] == "acled-TST0002", "civilians_killed"].item() == "2"


def test_write_event_csv_refuses_a_frame_without_the_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing column"):
        write_event_csv(pd.DataFrame({"id": ["x"]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("source", ["acled", "ucdp"])
def test_shipped_mappings_use_only_the_vocabulary(source: str) -> None:
    mapping = load_mapping(source)
    for entry in [*mapping.exact.values(), *mapping.prefixes.values()]:
        for party in ([entry.party] if entry.party else list(entry.one_of)):
            assert party in PARTY_IDS
    for entry in mapping.event_types.values():
        assert entry.action is None or entry.action in ACTIONS
        assert set(entry.weapons) <= WEAPONS
        assert not entry.target_type or entry.target_type in TARGET_TYPES


def test_actor_lookup_exact_beats_pattern_and_longest_pattern_wins() -> None:
    mapping = load_mapping("acled")
    assert mapping.actor("  military forces of SYRIA (2000-)  4th Armored Division").party == "syria-gov"
    assert mapping.actor("Unidentified Armed Group (Syria)").note == "ACLED: unidentified armed group"
    assert mapping.actor("Unidentified Military Forces").note.startswith("ACLED: unidentified military forces")
    assert mapping.actor("Unidentified Tribal Militia (Syria)").note == "ACLED: unidentified actor"
    assert mapping.actor("Nobody Known") is None


def test_dates_parse_with_explicit_formats_only() -> None:
    values = pd.Series(["9-May-20", "09 May 2020", "2020-05-09", "05/09/2020", ""], dtype=str)
    parsed = parse_dates(values, ("%Y-%m-%d", "%d %B %Y", "%d-%b-%y"))
    assert [d.date().isoformat() if pd.notna(d) else None for d in parsed] == [
        "2020-05-09", "2020-05-09", "2020-05-09", None, None]


def test_attribution_cap() -> None:
    assert weaker("probable", "alleged") == "alleged"
    assert weaker("disputed", "alleged") == "disputed"
    assert weaker("probable", "") == "probable"


def test_header_only_file_gives_no_events(fixtures: Path, tmp_path: Path) -> None:
    header = (fixtures / "acled_pre2023.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "empty.csv"
    path.write_text(header + "\n", encoding="utf-8")
    result = import_acled(path)
    assert (result.rows_read, len(result.events), result.set_aside) == (0, 0, [])
    assert list(result.events.columns) == list(EVENT_COLUMNS)


def test_line_numbers_survive_crlf_blank_lines_and_multiline_fields(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "ucdp_ged.csv").read_text(encoding="utf-8")
    # A blank line before each 900003 row, Windows line ends; 900002's headline already spans two lines.
    path = tmp_path / "crlf.csv"
    path.write_bytes(text.replace("\n900003", "\n\n900003").replace("\n", "\r\n").encode("utf-8"))
    result = import_ucdp(path)
    assert [(s.row, s.source_id) for s in result.set_aside] == [(9, "900006"), (10, "900007"), (12, "900003")]
    assert result.set_aside[-1].reason == "duplicate id 900003: the row at line 6 is kept"


def test_new_event_file_gets_the_usual_permissions(fixtures: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    write_event_csv(import_acled(fixtures / "acled_upper.csv").events, target)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
