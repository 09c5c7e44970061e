"""The loader's fast routes give exactly what its general routes give.

A plain CSV log is read by Arrow (``_read_plain_csv``), any other by pandas with exact line counting
(``_read_csv``); plain numbers are read by Arrow, any other column by ``pd.to_numeric``; ids, weapon lists and
spaces are tested without the regular expressions pandas would run. Each fast route is checked here against the
general one on hostile cells: the same table, the same events set aside with the same reasons, the same problems
in the same order. (Which route is faster is not tested here: see ``benchmarks/``.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.engine.context import distinct
from compliance.loading import events as loader
from compliance.loading.codes import CODED_COLUMNS
from compliance.models.events import EVENT_ID_PATTERN

HEADER = ",".join(loader.CSV_COLUMNS[:18])

CELLS = {
    "id": ["ev-1", "ev-2", "ev-1", "", " ev-3 ", "bad id", "é1", "-x", ".x", "_x", ":x", "a\tb", "１", "A.b:c_d-1"],
    "date": ["2019-05-01", "2020-02-29", "2019-02-29", "1989-12-31", "2101-01-01", "", "2019-5-1", "yesterday",
             "2019-05-01T10:00+03:00", "2019-05-01T10:00", "2019-05-01 10:00:00Z", "٢٠١٩-٠٥-٠١", "2019-03-29"],
    "date_end": ["", "2019-05-03", "2019-04-01", "bad", "2019-05-01T12:00Z", "2200-01-01"],
    "action": ["air-strike", "shelling", "Air-Strike", "bombardment", "", " patrol "],
    "weapons": ["", "mortar", "mortar;artillery", "mortar; artillery", "laser", "mortar;;artillery",
                "mortar\u00a0;tank", "ied\u3000", "mortar\x0b;tank", "mortar\x1c;tank", ";mortar"],
    "target_type": ["", "civilians", "Schools", " hospital"],
    "lat": ["35.93", "36.2", "35", "-35.2", "-0", "-0.0", "0", "", " 35.1", "nan", "inf", "1e5", "+35.1", ".5", "5.",
            "-", "1.2.3", "35,1", "١٢", "95", "35.1234567890123456789", "00035.10", "1-2"],
    "lon": ["36.63", "37.1", "40", "200", "-181", "", "36.", "3.6e1"],
    "killed": ["", "0", "3", "007", "3.0", "3.5", "-1", "-0", "1e2", "x", " 4", "123456789012345",
               "1234567890123456789012", "+3"],
    "civilians_killed": ["", "1", "2.5", "nan"],
    "attribution": ["", "confirmed", "sure", " alleged"],
    "notes": ["", "a note", " spaced ", "\u00a0nbsp\u00a0", "=cmd()", "quote\"inside", "a,b"],
}


def _quote(cell: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in ',"') else cell


def _csv(rows: list[dict[str, str]], newline: str = "\n") -> str:
    lines = [HEADER]
    for row in rows:
        lines.append(",".join(_quote(row.get(c, "")) for c in loader.CSV_COLUMNS[:18]))
    return newline.join(lines) + newline


def _result(table: loader.EventTable):
    frame = table.frame
    floats = {c: frame[c].to_numpy().view(np.int64).tolist() for c in frame.columns if frame[c].dtype == np.float64}
    return (frame, [str(d) for d in frame.dtypes], floats, table.read,
            [(s.event_id, s.origin, s.reason) for s in table.set_aside], list(table.problems.items),
            sorted(table.row_problems))


def _same(a, b) -> None:
    assert a[0].equals(b[0])
    assert a[1:] == b[1:]


def _exact_csv(monkeypatch, path):
    with monkeypatch.context() as m:
        m.setattr(loader, "_read_plain_csv", lambda *args: None)
        return _result(loader.load_events([path]))


def _pandas_numbers(monkeypatch, path):
    with monkeypatch.context() as m:
        m.setattr(loader, "_plain_numbers", lambda *args, **kwargs: None)
        return _result(loader.load_events([path]))


def _plain_taken(path) -> bool:
    table = loader.EventTable(loader.empty_frame())
    return loader._read_plain_csv(path, str(path), table) is not None


def test_a_plain_log_is_read_by_arrow(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(_csv([{"id": "ev-1", "date": "2019-05-01", "action": "air-strike", "lat": "35.9", "lon": "36.6"}]),
                    encoding="utf-8")
    assert _plain_taken(path)


@pytest.mark.parametrize("text", [
    HEADER + '\nev-1,2019-05-01,,,air-strike,,,,"Idlib\nnorth",35.9,36.6,,,,,,,\n',  # a quoted newline
    HEADER + "\nev-1,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,\n\n",  # a blank line
    HEADER + "\rev-1,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,\r",  # lone carriage returns
    HEADER + '\nev-1,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,"open\n',  # a quote never closed
    HEADER + "\nev-1,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,,extra\n",  # a field too many
    HEADER + "\nev-1,2019-05-01,,,air-strike,,,,,35.9,36.6\n",  # fields too few
    HEADER.replace("notes", "note") + "\nev-1,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,\n",  # a bad header
    HEADER + "\n",  # no rows
])
def test_other_logs_are_read_by_pandas_and_give_the_same(tmp_path, monkeypatch, text):
    path = tmp_path / "other.csv"
    path.write_bytes(text.encode("utf-8"))
    assert not _plain_taken(path)
    _same(_result(loader.load_events([path])), _exact_csv(monkeypatch, path))


def _rows(draw_cells: list[list[int]]) -> list[dict[str, str]]:
    columns = list(CELLS)
    return [{c: CELLS[c][k % len(CELLS[c])] for c, k in zip(columns, picks, strict=False)} for picks in draw_cells]


ROWS = st.lists(st.lists(st.integers(0, 50), min_size=len(CELLS), max_size=len(CELLS)), min_size=1, max_size=40)
ROUTES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@ROUTES
@given(ROWS, st.sampled_from(["\n", "\r\n"]), st.sampled_from([32 * 1024 * 1024, 1]))
def test_arrow_and_pandas_read_a_plain_log_alike(tmp_path, monkeypatch, picks, newline, chunk_bytes):
    path = tmp_path / "cells.csv"
    path.write_bytes(_csv(_rows(picks), newline).encode("utf-8"))
    monkeypatch.setattr(loader, "CHUNK_BYTES", chunk_bytes)  # 1: chunks of ten rows, ids repeated across them
    assert _plain_taken(path)
    table = loader.load_events([path])
    fast = _result(table)
    _same(fast, _exact_csv(monkeypatch, path))
    _same(fast, _pandas_numbers(monkeypatch, path))
    _codes_hold(table)


def _codes_hold(table: loader.EventTable) -> None:
    """The codes the loader hands over, where it does, are what the engine would make of the columns."""
    if table.codes is None:
        return
    for c in CODED_COLUMNS:
        codes, words = table.codes[c]
        want_codes, want_words = distinct(table.frame[c])
        assert codes.tolist() == want_codes.tolist() and words == want_words, c


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_loader_codes_the_categorical_columns_as_the_engine_would(tmp_path, monkeypatch, suffix):
    """Chunks of ten rows; bad rows let go (a value may first appear in one); spaced weapon lists rewritten;
    empty attributions read as "unknown" (two values become one); ids out of order."""
    rng = np.random.default_rng(3)
    pools = {"action": ["air-strike", "shelling", "bombardment", "patrol"],
             "weapons": ["", "mortar", "mortar; artillery", "mortar;artillery", "laser", "tank"],
             "target_type": ["", "civilians", "Schools", "hospital"],
             "attribution": ["", "confirmed", "unknown", "sure", "alleged"],
             "actor": ["gov", "", " rebels ", "rebels", "Nobody"], "target_party": ["", "gov", "jihadis"]}
    rows = [{"id": f"ev-{k}", "date": "2019-05-01", "lat": "35.9", "lon": "36.6",
             **{c: pool[int(rng.integers(len(pool)))] for c, pool in pools.items()}}
            for k in rng.permutation(120)]
    rows[0].update(action="bombardment", actor="Only Here")  # the first row is bad: its actor appears nowhere else
    path = tmp_path / f"log{suffix}"
    if suffix == ".csv":
        path.write_text(_csv(rows), encoding="utf-8")
        monkeypatch.setattr(loader, "CHUNK_BYTES", 1)
    else:
        pq.write_table(pa.table({c: pa.array([r.get(c, "") for r in rows]) for c in loader.CSV_COLUMNS[:18]}), path)
        monkeypatch.setattr(loader, "CHUNK_ROWS", 10)
    table = loader.load_events([path])
    assert table.codes is not None and len(table.set_aside) > 10
    assert "Only Here" not in table.codes["actor"][1]
    _codes_hold(table)


def test_no_codes_where_rows_were_let_go_after_coding(tmp_path):
    """Ids repeated in a file are let go at its end, after the chunks were coded: no codes then (the engine
    hashes the columns itself), and none for a log joined from several files."""
    path = tmp_path / "twice.csv"
    path.write_text(_csv([{"id": "ev-1", "date": "2019-05-01", "action": "air-strike", "lat": "35.9", "lon": "36.6"},
                          {"id": "ev-1", "date": "2019-05-02", "action": "shelling", "lat": "35.9", "lon": "36.6"}]),
                    encoding="utf-8")
    assert loader.load_events([path]).codes is None
    other = tmp_path / "other.csv"
    other.write_text(_csv([{"id": "ev-2", "date": "2019-05-01", "action": "air-strike", "lat": "35.9", "lon": "36.6"}]),
                     encoding="utf-8")
    alone = loader.load_events([other])
    assert alone.codes is not None and alone.codes["action"][1] == ["air-strike"]
    assert loader.load_events([other, tmp_path / "twice.csv"]).codes is None


def _parquet(path, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pick = lambda pool: [pool[k] for k in rng.integers(0, len(pool), n)]  # noqa: E731
    doubles = [35.93, 36.2, 0.1 + 0.2, 1e-5, 95.0, -12.5, float("nan"), float("inf"), -0.0, 1e20, 12345678.5]
    columns = {
        "id": pa.array([f"p-{i}" for i in range(n - 1)] + ["p-0"]),
        "date": pa.array(pick(CELLS["date"])),
        "action": pa.array(pick(CELLS["action"])),
        "weapons": pa.array(pick([*CELLS["weapons"], None])),
        "lat": pa.array(pick(doubles), pa.float64()),
        "lon": pa.array(pick([36, 37, -5, 200]), pa.int64()),
        "killed": pa.array(pick([0, 3, None, -1, 2**60]), pa.int64()),
        "civilians_killed": pa.array(pick([0.0, 3.0, 3.5, float("nan")]), pa.float64()),
        "precision_km": pa.array(pick([*doubles, None]), pa.float64()),
        "notes": pa.array(pick(CELLS["notes"]), pa.large_string()),
    }
    table = pa.table(columns)
    if seed % 2:  # as pandas writes it: integers with gaps come back as Int64
        table = pa.Table.from_pandas(table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get),
                                     preserve_index=False)
    pq.write_table(table, path)


@pytest.mark.parametrize("seed", range(6))
def test_parquet_numbers_alike_by_both_routes(tmp_path, monkeypatch, seed):
    path = tmp_path / "cells.parquet"
    _parquet(path, 60, seed)
    _same(_result(loader.load_events([path])), _pandas_numbers(monkeypatch, path))


IDS = [*CELLS["id"], "a", "A9", "9a", "a..b", "a-", "ab\n", "\nab", "a\u0301", "ｱ", "a b", "a/b", "a:b:c", "-"]


def test_ids_as_the_pattern_says():
    got = loader._valid_ids(pa.chunked_array([pa.array(IDS, pa.large_string())]))
    assert got.tolist() == [re.fullmatch(EVENT_ID_PATTERN, i) is not None for i in IDS]


def test_weapon_lists_and_spaces_as_python_says():
    cells = CELLS["weapons"] + ["tank\u2028", "drone ;  mlrs", "barrel-bomb;cluster-munition", "ROCKET"]
    listed, spaced, encoded = loader._weapon_lists(pa.chunked_array([pa.array(cells, pa.large_string())]))
    assert encoded.dictionary.take(encoded.indices).to_pylist() == cells
    assert listed.tolist() == [loader._KNOWN_WEAPONS_RE.fullmatch(c) is not None for c in cells]
    assert spaced.tolist() == [re.search(r"\s", c) is not None for c in cells]


def test_stripping_as_pandas_strips():
    cells = [*CELLS["notes"], "\t", "x\n", "\u2003y", "z\u3000", "", "a b", "\x1cq", None]
    column = pd.Series(cells, dtype="str")
    assert loader._stripped(column).to_pylist() == column.astype("string").fillna("").str.strip().tolist()


def test_moments_of_distinct_dates_as_of_each():
    values = pd.Series([*CELLS["date"], *CELLS["date_end"]] * 100, dtype="string")
    known = loader._KnownMoments()
    for _ in range(2):  # worked out, then known
        for got, want in zip(loader._moments(values, known), loader._each_moment(values), strict=True):
            assert np.array_equal(got, want)
