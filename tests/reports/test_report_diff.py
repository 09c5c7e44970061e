"""``compliance diff``: findings added, removed and changed between two JSON reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_helpers import EVENTS, TERMS, build
from typer.testing import CliRunner

from compliance.cli.main import app
from compliance.reports import diff
from compliance.reports.render import render

runner = CliRunner()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """The fixture under the default profile, under 'strict' (confirmed only), and with one event edited."""
    out = tmp_path_factory.mktemp("diff")
    paths = {"default": out / "default.json", "strict": out / "strict.json", "edited": out / "edited.json"}
    paths["default"].write_text(render(build(TERMS, [EVENTS]), "json"), encoding="utf-8")
    paths["strict"].write_text(render(build(TERMS, [EVENTS], profile="strict"), "json"), encoding="utf-8")
    log = out / "events"
    shutil.copytree(EVENTS, log)
    text = (log / "events.yaml").read_text(encoding="utf-8")
    (log / "events.yaml").write_text(text.replace("attribution: alleged", "attribution: confirmed"), encoding="utf-8")
    paths["edited"].write_text(render(build(TERMS, [log]), "json"), encoding="utf-8")
    return paths


def _load(path: Path) -> dict:
    data, problems = diff.load(path)
    assert not problems
    return data


def test_two_profiles(reports):
    d = diff.compare(_load(reports["default"]), _load(reports["strict"]))
    assert d["summary"] == {"added": 0, "removed": 2, "changed": 0, "unchanged": 4}
    assert [(f["event_id"], f["party"], f["role"]) for f in d["removed"]] == [
        ("pact-airstrike-2020-02-10", "armed-opposition", "actor"),
        ("pact-airstrike-2020-02-10", "turkey", "guarantor")]
    assert d["profile_changes"] == [{"setting": "min_attribution", "old": "alleged", "new": "confirmed"}]
    assert d["inputs"] == {"added": [], "removed": [], "changed": []}
    back = diff.compare(_load(reports["strict"]), _load(reports["default"]))
    assert back["summary"]["added"] == 2 and back["summary"]["removed"] == 0


def test_two_versions_of_the_log(reports):
    d = diff.compare(_load(reports["default"]), _load(reports["edited"]))
    assert d["summary"] == {"added": 0, "removed": 0, "changed": 2, "unchanged": 4}
    assert all(c["changes"] == {"confidence": {"old": "alleged", "new": "confirmed"}} for c in d["changed"])
    assert d["inputs"]["removed"] == ["tests/reports/fixtures/events/events.yaml"]
    assert len(d["inputs"]["added"]) == 1 and d["inputs"]["added"][0].endswith("events/events.yaml")


def test_same_report_no_difference(reports):
    d = diff.compare(_load(reports["default"]), _load(reports["default"]))
    assert d["summary"] == {"added": 0, "removed": 0, "changed": 0, "unchanged": 6}
    assert "0 added, 0 removed, 0 changed, 6 unchanged" in diff.render(d, "table")


def test_repeated_findings_are_counted():
    one = {"event_id": "e", "date": "2020-01-01", "clause": "a/b", "party": "p", "role": "actor", "status": "breach"}
    d = diff.compare({"findings": [one]}, {"findings": [one, dict(one)]})
    assert d["summary"] == {"added": 1, "removed": 0, "changed": 0, "unchanged": 1}


def test_deadline_findings_are_keyed_by_date():
    base = {"event_id": None, "clause": "a/b", "party": "p", "role": "obligor", "status": "breach"}
    d = diff.compare({"findings": [{**base, "date": "2020-01-01"}]}, {"findings": [{**base, "date": "2020-02-01"}]})
    assert d["summary"]["added"] == 1 and d["summary"]["removed"] == 1


def test_cli_diff_formats(reports):
    result = runner.invoke(app, ["diff", str(reports["default"]), str(reports["strict"])])
    assert result.exit_code == 0, result.output
    assert "Findings: 6 → 4: 0 added, 2 removed, 0 changed, 4 unchanged" in result.output
    assert "  - 2020-02-10  pact-airstrike-2020-02-10  pact-2020/no-shelling  turkey as guarantor" in result.output
    assert "min_attribution alleged → confirmed" in result.output
    result = runner.invoke(app, ["diff", str(reports["default"]), str(reports["strict"]), "-f", "json"])
    assert json.loads(result.output)["summary"]["removed"] == 2
    result = runner.invoke(app, ["diff", str(reports["default"]), str(reports["strict"]), "-f", "markdown"])
    assert "## Removed (2)" in result.output
    assert "| 2020-02-10 | pact-airstrike-2020-02-10 | pact-2020/no-shelling | turkey | guarantor |" in result.output


def test_cli_diff_writes_and_refuses_to_overwrite_an_input(reports, tmp_path):
    out = tmp_path / "d.md"
    result = runner.invoke(app, ["diff", str(reports["default"]), str(reports["strict"]), "-f", "markdown",
                                 "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("# Findings diff\n")
    before = reports["strict"].read_bytes()
    result = runner.invoke(app, ["diff", str(reports["default"]), str(reports["strict"]), "-o", str(reports["strict"])])
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert reports["strict"].read_bytes() == before


def test_cli_diff_bad_input(tmp_path, reports):
    bad = tmp_path / "bad.json"
    bad.write_text('{"findings": [\n  {"event_id": "x",}\n]}', encoding="utf-8")
    result = runner.invoke(app, ["diff", str(bad), str(reports["default"])])
    assert result.exit_code == 1
    assert f"{bad}:2:20: not JSON" in result.output
    other = tmp_path / "other.json"
    other.write_text('{"rows": []}', encoding="utf-8")
    result = runner.invoke(app, ["diff", str(other), str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "no 'findings' list" in result.output and "missing.json:0:0: cannot read the report" in result.output
