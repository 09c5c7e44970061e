"""The importers on the real ACLED and UCDP files in ../shared/data (skipped when absent).

These files are not in the repository (ACLED's terms forbid redistribution); the tests read them in
place and check accounting and a few facts any user of the data would check first.
"""

from __future__ import annotations

import collections
import time
from pathlib import Path

import pandas as pd
import pytest

from compliance.importers import ImportResult, import_acled, import_ucdp

# The shared folder sits beside the repository root: <root>/../shared/data.
REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ACLED = SHARED_DATA / "acled" / "acled_syria_2020-04-27_2020-05-09.csv"
UCDP = SHARED_DATA / "ucdp" / "ged_syria_2016-2019.csv"


@pytest.fixture(scope="module")
def acled_path() -> Path:
    if not ACLED.is_file():
        pytest.skip(f"real ACLED file not available: {ACLED} (not redistributable; it lives in "
                    "../shared/data beside the repository)")
    return ACLED


@pytest.fixture(scope="module")
def ucdp_path() -> Path:
    if not UCDP.is_file():
        pytest.skip(f"real UCDP GED file not available: {UCDP} (it lives in ../shared/data beside "
                    "the repository)")
    return UCDP


@pytest.fixture(scope="module")
def acled(acled_path: Path) -> ImportResult:
    return import_acled(acled_path)


@pytest.fixture(scope="module")
def ucdp(ucdp_path: Path) -> ImportResult:
    return import_ucdp(ucdp_path)


def test_acled_every_row_accounted_for(acled: ImportResult) -> None:
    result = acled
    assert result.rows_read == 313
    assert len(result.events) + len(result.set_aside) == 313
    assert all(s.reason for s in result.set_aside)
    assert result.events["id"].is_unique


def test_acled_has_government_shelling_in_idleb_after_the_moscow_protocol(acled: ImportResult) -> None:
    events = acled.events
    hits = events[(events["actor"] == "syria-gov") & (events["action"] == "shelling")
                  & (events["admin1"] == "Idleb") & (events["date"] > "2020-03-06")]
    assert len(hits) > 0
    assert set(hits["attribution"]) == {"probable"}


def test_acled_two_armed_actors_never_get_an_actor_by_column_order(acled: ImportResult,
                                                                  acled_path: Path) -> None:
    events = acled.events
    raw = pd.read_csv(acled_path, dtype=str, keep_default_na=False)
    raw["id"] = "acled-" + raw["event_id_cnty"]
    both = raw[(raw["event_type"] == "Battles") & (raw["actor2"] != "")]
    merged = events.merge(both[["id"]], on="id")
    # An actor is only named when both sides are one party ("both named actors are ...").
    named = merged[merged["actor"] != ""]
    assert all(note.startswith("both named actors are") for note in named["attribution_note"])
    assert (merged.loc[merged["actor"] == "", "attribution"] == "unknown").all()


def test_acled_unmapped_strings_are_reported_with_counts(acled: ImportResult, acled_path: Path) -> None:
    result = acled
    assert result.unmapped, "the real file has actor strings outside the mapping"
    raw = pd.read_csv(acled_path, dtype=str, keep_default_na=False)
    occurrences: collections.Counter[str] = collections.Counter()
    for column in ("actor1", "actor2"):
        occurrences.update(v for v in raw[column] if v)
    for column in ("assoc_actor_1", "assoc_actor_2"):
        occurrences.update(p.strip() for v in raw[column] for p in v.split(";") if p.strip())
    for text, count in result.unmapped.items():
        if text.startswith("event type: "):
            kind, _, sub = text.removeprefix("event type: ").partition(" / ")
            assert count == int(((raw["event_type"] == kind) & (raw["sub_event_type"] == sub)).sum())
        else:
            assert count == occurrences[text] > 0, text


def test_ucdp_every_row_accounted_for_quickly(ucdp: ImportResult, ucdp_path: Path) -> None:
    # `ucdp` is the warm-up: module imports are not the importer's cost.
    assert ucdp.rows_read == len(ucdp.events) + len(ucdp.set_aside) == 16566
    cpu, wall = [], []
    for _ in range(3):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = import_ucdp(ucdp_path)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        assert result.rows_read == 16566
        assert len(result.events) + len(result.set_aside) == 16566
    # CPU time of this process, best of three: other jobs on a shared machine stretch wall time
    # without the importer doing more work.
    assert min(cpu) < 2.0, f"UCDP import took {min(cpu):.2f} s CPU ({min(wall):.2f} s wall)"


def test_ucdp_government_events_carry_the_russia_caveat(ucdp: ImportResult, ucdp_path: Path) -> None:
    events = ucdp.events
    raw = pd.read_csv(ucdp_path, dtype=str, keep_default_na=False, usecols=["id", "side_a", "side_b"])
    named = raw[(raw["side_a"] == "Government of Syria") | (raw["side_b"] == "Government of Syria")]
    gov = events[events["id"].isin("ucdp-" + named["id"])]
    assert len(gov) == len(named) > 10000
    assert gov["attribution_note"].str.contains("UCDP codes Russian strikes as Government of Syria").all()
    assert set(events.loc[events["actor"] == "syria-gov", "attribution"]) == {"alleged"}
    assert "russia" not in set(events["actor"])
    assert set(events["weapons"]) == {""}
