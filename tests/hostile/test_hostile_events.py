"""Hostile event logs: scraped spreadsheets and strangers' CSVs, and hand-edited YAML logs.

For every fixture, ``compliance validate`` must name every problem at its line and column and exit 1
(or exit 0 for a clean file), and ``compliance report`` must either refuse the file with a located
problem (exit 1: the file as a whole cannot be read) or evaluate the rest and set the bad events aside,
each with its place and reason, accounted for in the JSON report (read = evaluated + set aside).
"""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pandas as pd
import pytest
from tests.hostile.support import AGREEMENTS, EVENTS, HEADER, accounting, expect, invoke, run

# file -> the problems `validate` prints: (line, col, words in the message)
VALIDATE: dict[str, list[tuple[int, int, str]]] = {
    "good.csv": [],
    "good.yaml": [],
    "header-only.csv": [],
    "dup-across-a.csv": [],
    "dup-across-b.yaml": [],
    "nan-inf.csv": [
        (2, 10, "event 'nan-lat': lat 'nan' is not a finite number"),
        (3, 11, "event 'inf-lon': lon 'inf' is not a finite number"),
        (4, 10, "event 'minus-infinity': lat '-Infinity' is not a finite number"),
        (5, 10, "event 'empty-lat': lat is empty; write a number"),
        (6, 10, "event 'huge-lat': lat '1e999' is not a finite number"),
    ],
    "nan-inf.yaml": [
        (2, 73, "location.lat should be a finite number, got nan"),
        (3, 85, "location.lon should be a finite number, got inf"),
        (4, 79, "location.lat should be a finite number, got -inf"),
    ],
    "swapped.csv": [
        (2, 10, "event 'deir-ez-zor-swapped': the place (40.14, 35.33) lies outside Syria; latitude and longitude "
                "look swapped"),
        (3, 10, "event 'paris': the place (48.8566, 2.3522) lies outside Syria"),
    ],
    "swapped.yaml": [(5, 40, "the place (40.14, 35.33) lies outside Syria; latitude and longitude look swapped")],
    "dates.csv": [
        (2, 2, "event 'year-one': the date 0001-01-01 is outside the years 1990..2100"),
        (3, 2, "event 'before-1990': the date 1899-12-31 is outside the years 1990..2100"),
        (4, 2, "event 'after-2100': the date 2101-01-01 is outside the years 1990..2100"),
        (5, 2, "event 'year-9999': the date 9999-12-31 is outside the years 1990..2100"),
        (6, 2, "event 'feb-30': '2019-02-30' is not a real date; write YYYY-MM-DD"),
        (7, 2, "event 'no-offset': '2020-03-06T00:30' has a time but no UTC offset; add it"),
        (8, 2, "event 'far-moment': the date 2300-01-01T00:00+03:00 is outside the years 1990..2100"),
        (9, 2, "event 'compact': '20190501' is not a real date; write YYYY-MM-DD"),
        (10, 3, "event 'end-far': date_end 9999-01-01 is outside the years 1990..2100"),
        (11, 3, "event 'backwards': date_end 2019-05-01 is before date 2019-05-02"),
    ],
    "dates.yaml": [
        (2, 26, "the date 0001-01-01 is outside the years 1990..2100"),
        (3, 29, "the date 1899-12-31 is outside the years 1990..2100"),
        (4, 27, "the date 9999-12-31 is outside the years 1990..2100"),
        (5, 24, "'2019-02-30' is not a real date (day is out of range for month)"),
        (6, 27, "'2020-03-06T00:30' has a time but no UTC offset"),
        (7, 28, "the date 2300-01-01T00:00:00+03:00 is outside the years 1990..2100"),
        (8, 47, "date_end 2999-01-01 is outside the years 1990..2100"),
    ],
    "duplicate-ids.csv": [
        (3, 1, "event 'twice': duplicate event id 'twice': first at"),
        (5, 1, "event 'thrice': duplicate event id 'thrice': first at"),
        (6, 1, "event 'thrice': duplicate event id 'thrice': first at"),
    ],
    "duplicate-ids.yaml": [(3, 5, "duplicate event id 'twice': first at")],
    "missing-column.csv": [(1, 1, "the required column 'lon' is missing; the header needs at least: id, date, action, "
                                  "lat, lon")],
    "extra-column.csv": [(1, 7, "unknown column 'casualties'; the columns are: id, date")],
    "extra-field.csv": [(3, 1, "row skipped: the row has 19 fields but the header has 18; a cell holding a ',' must "
                               "be put in double quotes")],
    "formulas.csv": [
        (4, 1, "event '=1+1': the id '=1+1' may hold only letters, digits and . _ : -"),
        (5, 5, "event 'formula-action': unknown action '=A1'"),
        (6, 10, "event 'formula-lat': lat '=35.93' is not a finite number"),
    ],
    "multiline-blank.csv": [(7, 2, "event 'ml-bad': '2019-13-01' is not a real date")],
    "unterminated-quote.csv": [(3, 1, "a quoted cell opened on this line is never closed")],
    "empty.csv": [(1, 1, "the file is empty; a CSV event log starts with the header line: id,date,")],
    "not-a-list.yaml": [(1, 1, "an event file holds a mapping with an 'events:' list")],
    "not-mappings.yaml": [
        (2, 5, "an event should be a mapping of keys and values, but it is text"),
        (3, 5, "an event should be a mapping of keys and values, but it is a number"),
        (4, 5, "an event should be a mapping of keys and values, but it is empty (null)"),
        (5, 5, "an event should be a mapping of keys and values, but it is a list"),
    ],
}

# Files whose problems concern the file as a whole: `report` refuses them (exit 1) instead of setting rows aside.
WHOLE_FILE = {"missing-column.csv", "extra-column.csv", "unterminated-quote.csv", "empty.csv", "not-a-list.yaml"}


def test_every_event_fixture_has_a_case():
    assert {p.name for p in EVENTS.iterdir()} == set(VALIDATE)


@pytest.mark.parametrize("name", sorted(VALIDATE))
def test_validate_names_every_problem(name, tmp_path):
    problems = VALIDATE[name]
    expect(invoke("validate", EVENTS / name, cwd=tmp_path), 1 if problems else 0,
           *[(name, line, col, words) for line, col, words in problems])


@pytest.mark.parametrize("name", sorted(VALIDATE))
def test_report_sets_aside_or_refuses(name, tmp_path):
    result = invoke("report", "--agreements", AGREEMENTS, "--events", EVENTS / name, "--format", "json", cwd=tmp_path)
    problems = VALIDATE[name]
    if name in WHOLE_FILE:
        expect(result, 1, *[(name, line, col, words) for line, col, words in problems])
        return
    assert result.code == 0, result.stderr
    _, _, aside = accounting(result.json())
    set_aside = result.json()["events"]["set_aside"]
    assert aside == len(problems)
    for (line, col, words), entry in zip(sorted(problems), sorted(set_aside, key=lambda s: _place(s["origin"])),
                                         strict=True):
        assert _place(entry["origin"]) == (name, line, col), entry
        assert words.split(": ", 1)[-1] in entry["reason"], entry
    # the set-aside events are listed on stderr too, never silently dropped
    assert result.stderr.count("set aside: ") == min(aside, 21)


def _place(origin: str) -> tuple[str, int, int]:
    path, line, col = origin.rsplit(":", 2)
    return Path(path).name, int(line), int(col)


def test_duplicate_ids_across_files(tmp_path):
    """The first file read keeps the id; the later one is set aside naming where the first is."""
    a, b = EVENTS / "dup-across-a.csv", EVENTS / "dup-across-b.yaml"
    expect(invoke("validate", a, b, cwd=tmp_path), 1,
           ("dup-across-b.yaml", 2, 5, "duplicate event id 'across': first at"))
    result = invoke("report", "--agreements", AGREEMENTS, "--events", a, "--events", b, "--format", "json",
                    cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert accounting(result.json()) == (2, 1, 1)
    (entry,) = result.json()["events"]["set_aside"]
    assert entry["event_id"] == "across" and entry["reason"].endswith("dup-across-a.csv:2")


def test_set_aside_event_is_explained(tmp_path):
    result = invoke("explain", "deir-ez-zor-swapped", "--agreements", AGREEMENTS, "--events", EVENTS / "swapped.csv",
                    cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "was set aside and not evaluated" in result.stdout
    assert "swapped.csv:2:10: the place (40.14, 35.33) lies outside Syria; latitude and longitude look swapped" \
        in result.stdout


def test_formula_cells_are_text_and_neutralised_in_csv_reports(tmp_path):
    """Cells a spreadsheet would run are read as plain text, and written back so that no spreadsheet runs them."""
    out = tmp_path / "report.csv"
    result = invoke("report", "--agreements", AGREEMENTS, "--events", EVENTS / "formulas.csv", "--format", "csv",
                    "--output", out, cwd=tmp_path)
    assert result.code == 0, result.stderr
    cells = [c for row in pd.read_csv(out, dtype=str, keep_default_na=False).itertuples(index=False) for c in row]
    assert any("HYPERLINK" in c for c in cells)  # the text is kept ...
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and not _number(c)]  # ... but never as a formula


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- bytes and encodings, made at test time -------------------------------------------------------------------

GOOD_CSV = (EVENTS / "good.csv").read_bytes()


def _variant(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name,data", [
    ("bom.csv", codecs.BOM_UTF8 + GOOD_CSV),
    ("crlf.csv", GOOD_CSV.replace(b"\n", b"\r\n")),
    ("cr.csv", GOOD_CSV.replace(b"\n", b"\r")),
    ("no-final-newline.csv", GOOD_CSV.rstrip(b"\n")),
    ("trailing-blank-lines.csv", GOOD_CSV + b"\n\n,,,,,,,,,,,,,,,,,\n\n"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_accepted_csv_variants(name, data, tmp_path):
    result = invoke("validate", _variant(tmp_path, name, data), cwd=tmp_path)
    expect(result, 0)
    assert "3 events; 0 problems" in result.stdout


LATE = GOOD_CSV + b"".join(b"late-%d,2019-05-01,,syria-gov,air-strike,,,,Idlib,35.93,36.63,,,,,,,\n" % i
                           for i in range(30_000))


def _where(data: bytes, bad: bytes) -> tuple[int, int]:
    """Line and column (in characters) of the first occurrence of ``bad`` in ``data``: the oracle for the loader."""
    before = data[: data.index(bad)].decode("utf-8")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


REFUSED = {  # name: (bytes, the first bad byte(s), words)
    "latin1.csv": (GOOD_CSV.replace(b"Kafranbel", "Kafranbél".encode("latin-1")), b"\xe9",
                   "the file is not UTF-8 text (byte 0xe9 here); save it as UTF-8"),
    "cp1252.csv": (GOOD_CSV.replace(b"a plain row", "a \u201cquoted\u201d row".encode("cp1252")), b"\x93",
                   "the file is not UTF-8 text (byte 0x93 here)"),
    "nul.csv": (GOOD_CSV.replace(b"csv-good-2", b"csv-good\x002"), b"\x00", "the file contains a NUL byte"),
    "nul-late.csv": (LATE + b"after,2019-05-01,,syria-gov,air-strike,,,,Id\x00lib,35.93,36.63,,,,,,,\n", b"\x00",
                     "the file contains a NUL byte"),
    "latin1-late.csv": (LATE + "after,2019-05-01,,syria-gov,air-strike,,,,Alep\xe9,35.93,36.63,,,,,,,\n"
                        .encode("latin-1"), b"\xe9", "not UTF-8 text (byte 0xe9 here)"),
    "truncated-utf8.csv": (GOOD_CSV + b"x,2019-05-01,,,,,,,Idlib " + "\u1e24".encode()[:2], "\u1e24".encode()[:2],
                           "not UTF-8 text (byte 0xe1 here)"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_csv_bytes(name, tmp_path):
    """Binary or mis-encoded logs are refused as a whole, at the first bad byte: none of their rows is guessed."""
    data, bad, words = REFUSED[name]
    path = _variant(tmp_path, name, data)
    where = _where(data, bad)
    expect(invoke("validate", path, cwd=tmp_path), 1, (name, *where, words))
    result = invoke("report", "--agreements", AGREEMENTS, "--events", path, "--format", "json", cwd=tmp_path)
    expect(result, 1, (name, *where, words))


def test_utf16_csv(tmp_path):
    path = _variant(tmp_path, "utf16.csv", GOOD_CSV.decode().encode("utf-16"))
    expect(invoke("validate", path, cwd=tmp_path), 1, ("utf16.csv", 1, 1, "the file is UTF-16 text, not UTF-8"))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_binary_garbage_log(seed, suffix, tmp_path):
    rng = random.Random(seed)
    data = rng.randbytes(8192) if seed % 2 else b"PAR1" + rng.randbytes(8192) + b"PAR1"
    path = _variant(tmp_path, f"garbage-{seed}{suffix}", data)
    result = invoke("validate", path, cwd=tmp_path)
    assert result.code == 1 and len(result.problems) >= 1, result.stderr
    assert all(p.path.endswith(path.name) for p in result.problems)


def test_hostile_parquet_is_checked_like_csv(tmp_path):
    """A well-formed Parquet file with hostile values: each bad row set aside at its row number."""
    frame = pd.DataFrame({
        "id": ["pq-ok", "pq-nan", "pq-swapped", "pq-date", None],
        "date": ["2019-05-01", "2019-05-01", "2019-05-01", "9999-01-01", "2019-05-01"],
        "action": ["air-strike"] * 5,
        "lat": [35.93, float("nan"), 40.14, 35.93, 35.93],
        "lon": [36.63, 36.63, 35.33, 36.63, float("inf")],
        "killed": [1, -3, None, None, None],
    })
    path = tmp_path / "hostile.parquet"
    frame.to_parquet(path)
    expect(invoke("validate", path, cwd=tmp_path), 1,
           ("hostile.parquet", 2, 4, "lat is empty; write a number"),
           ("hostile.parquet", 3, 4, "lies outside Syria; latitude and longitude look swapped"),
           ("hostile.parquet", 4, 2, "the date 9999-01-01 is outside the years 1990..2100"),
           ("hostile.parquet", 5, 1, "the id is empty"))


def test_parquet_with_unknown_columns(tmp_path):
    path = tmp_path / "columns.parquet"
    pd.DataFrame({"id": ["a"], "date": ["2019-05-01"], "action": ["air-strike"], "lat": [35.9], "lon": [36.6],
                  "payload": [b"\x00\x01"]}).to_parquet(path)
    expect(invoke("validate", path, cwd=tmp_path), 1, ("columns.parquet", 1, 6, "unknown column 'payload'"))


# -- CSV structure: header and rows --------------------------------------------------------------------------

@pytest.mark.parametrize("header,where,words", [
    (HEADER + ",", (1, 19), "column 19 has no name in the header"),
    (HEADER.replace("admin2", "admin1"), (1, 13), "the column 'admin1' appears twice in the header"),
    (HEADER.replace("lat,", "Lat,"), (1, 10), "unknown column 'Lat' (did you mean 'lat'?)"),
], ids=["unnamed", "twice", "misspelt"])
def test_bad_headers(header, where, words, tmp_path):
    body = "\n".join(GOOD_CSV.decode().splitlines()[1:])
    path = _variant(tmp_path, "header.csv", f"{header}\n{body}\n".encode())
    problems = [("header.csv", *where, words)]
    if "Lat" in header:
        problems.append(("header.csv", 1, 1, "the required column 'lat' is missing"))
    expect(invoke("validate", path, cwd=tmp_path), 1, *problems)


def test_lines_stay_right_through_quoted_newlines_blank_and_skipped_rows(tmp_path):
    """A skipped row that itself spans lines, blank lines and empty spreadsheet rows: every later row keeps its line."""
    rows = [HEADER]
    expected = []
    for i in range(40):
        row = f"r{i},2019-05-01,,syria-gov,air-strike,,,,Idlib,35.93,36.63,,,,,,,"
        if i % 7 == 3:
            row += '"a note\nover\nthree lines"'
        if i % 5 == 2:
            row = row.replace(",Idlib,", ",Idlib, Idleb,")  # one field too many
        if i % 6 == 1:
            row = row.replace("2019-05-01", "2019-13-01")
        line = sum(r.count("\n") + 1 for r in rows) + 1
        rows.append(row)
        if i % 5 == 2:
            expected.append(("mixed.csv", line, 1, "the row has 19 fields but the header has 18"))
        elif i % 6 == 1:
            expected.append(("mixed.csv", line, 2, f"event 'r{i}': '2019-13-01' is not a real date"))
        if i % 8 == 0:
            rows.append("")
        if i % 9 == 0:
            rows.append("," * 17)
    path = _variant(tmp_path, "mixed.csv", ("\n".join(rows) + "\n").encode())
    expect(invoke("validate", path, cwd=tmp_path), 1, *expected)
    # and the same with Windows and old Mac line ends
    for name, end in (("mixed-crlf.csv", b"\r\n"), ("mixed-cr.csv", b"\r")):
        other = _variant(tmp_path, name, path.read_bytes().replace(b"\n", end))
        expect(invoke("validate", other, cwd=tmp_path), 1, *[(name, *rest) for _, *rest in expected])


def test_long_cells_do_not_flood_messages(tmp_path):
    huge = "x" * 1_000_000
    path = _variant(tmp_path, "long-cells.csv", f"{HEADER}\n{huge},2019-05-01,,,{huge},,,,,35.9,36.6,,,,,,,\n".encode())
    result = invoke("validate", path, cwd=tmp_path)
    expect(result, 1, ("long-cells.csv", 2, 5, "unknown action 'xxxxxxxxxx"))
    assert len(result.stderr) < 2_000


# -- usage errors exit 2 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["report", "--format", "xml"],
    ["report", "--since", "yesterday"],
    ["validate", "--no-such-option"],
    ["explain"],
    ["frobnicate"],
], ids=" ".join)
def test_wrong_usage_exits_2(args, tmp_path):
    result = invoke(*args, cwd=tmp_path)
    assert result.code == 2, result.stderr
    assert result.stderr.strip()


# -- outputs are written atomically ------------------------------------------------------------------------------

def test_report_output_is_atomic(tmp_path):
    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    # invalid input: nothing is written, the previous report stays whole
    bad = invoke("report", "--agreements", AGREEMENTS, "--events", EVENTS / "missing-column.csv", "--format", "json",
                 "--output", out, cwd=tmp_path)
    assert bad.code == 1 and out.read_text() == "previous report\n"
    # valid input: the report replaces it in one step, and no temporary file is left behind
    good = invoke("report", "--agreements", AGREEMENTS, "--events", EVENTS / "good.csv", "--format", "json",
                  "--output", out, cwd=tmp_path)
    assert good.code == 0, good.stderr
    assert accounting(__import__("json").loads(out.read_text())) == (3, 3, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_report_refuses_to_overwrite_its_input(tmp_path):
    events = tmp_path / "events.csv"
    events.write_bytes(GOOD_CSV)
    result = invoke("report", "--agreements", AGREEMENTS, "--events", events, "--format", "csv", "--output", events,
                    cwd=tmp_path)
    assert result.code == 2 and "refusing to overwrite" in result.stderr
    assert events.read_bytes() == GOOD_CSV


@pytest.mark.parametrize("source", ["acled", "ucdp"])
def test_import_of_a_hostile_file_is_located(source, tmp_path):
    """Importing garbage: one located problem, exit 1, and no output file (not even a partial one)."""
    path = _variant(tmp_path, "garbage.csv", random.Random(1).randbytes(4096))
    result = run("import", source, path, "--output", tmp_path / "out.csv", cwd=tmp_path)
    expect(result, 1, ("garbage.csv", 1, 1, f"cannot import this file as {source.upper()}"))
    assert len(result.stderr.splitlines()) == 2  # the problem on one line, whatever bytes it quotes; the summary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.csv"]


def test_yaml_and_csv_logs_together_keep_their_dates(tmp_path):
    """A YAML log read with a CSV log: its events keep their own spans (they were left empty, then read as
    garbage instants, when the CSV rows brought theirs)."""
    result = invoke("report", "--agreements", AGREEMENTS, "--events", EVENTS / "good.csv", "--events",
                    EVENTS / "good.yaml", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert accounting(result.json()) == (4, 4, 0)
    found = {(f["event_id"], f["date"]) for f in result.json()["findings"]}
    assert found == {("csv-good-1", "2019-05-01"), ("good-1", "2019-05-01")}
