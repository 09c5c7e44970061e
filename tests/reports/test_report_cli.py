"""``compliance report`` end to end: every format, the filters, safe writing, and the same bytes every time."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import EVENTS, REPO, TERMS, build, shipped_agreements
from typer.testing import CliRunner

from compliance.cli.main import app
from compliance.reports.render import render

FORMATS = ("table", "markdown", "json", "csv", "html")
ARGS = ["report", "--agreements", str(TERMS), "--events", str(EVENTS)]
runner = CliRunner()


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_writes_every_format(fmt: str, tmp_path: Path, small):
    out = tmp_path / "sub" / f"report.{fmt}"
    result = runner.invoke(app, [*ARGS, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == render(small, fmt).encode("utf-8")
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind


def test_cli_prints_to_stdout(small):
    result = runner.invoke(app, [*ARGS, "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == json.loads(render(small, "json"))["findings"]


def test_cli_replaces_an_existing_output(tmp_path: Path):
    out = tmp_path / "r.md"
    out.write_text("old report", encoding="utf-8")
    assert runner.invoke(app, [*ARGS, "-f", "markdown", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Compliance report")


@pytest.mark.parametrize("target", [EVENTS / "events.yaml", TERMS / "pact-2020.yaml", TERMS / "zones/pact.geojson"])
def test_cli_refuses_to_overwrite_an_input(target: Path):
    before = target.read_bytes()
    result = runner.invoke(app, [*ARGS, "-f", "csv", "-o", str(target)])
    assert result.exit_code == 2
    assert "is one of the inputs; refusing to overwrite it" in result.output
    assert target.read_bytes() == before
    assert not [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]


def test_cli_filters_show_in_every_format():
    args = [*ARGS, "--party", "russia", "--since", "2020-02-01", "--until", "2020-02-28"]
    table = runner.invoke(app, [*args, "-f", "table"]).output
    assert "Filters: parties: russia; since: 2020-02-01; until: 2020-02-28" in table
    assert "Findings: 1 finding: 1 breach, 0 possible" in table
    md = runner.invoke(app, [*args, "-f", "markdown"]).output
    assert "- Filters: parties: russia; since: 2020-02-01; until: 2020-02-28" in md
    data = json.loads(runner.invoke(app, [*args, "-f", "json"]).output)
    assert data["filters"] == {"parties": ["russia"], "since": "2020-02-01", "until": "2020-02-28"}
    assert [(f["party"], f["role"]) for f in data["findings"]] == [("russia", "guarantor")]
    csv = runner.invoke(app, [*args, "-f", "csv"]).output
    assert len(csv.strip().splitlines()) == 2
    html = runner.invoke(app, [*args, "-f", "html"]).output
    assert "<dt>Filters</dt><dd>parties: russia; since: 2020-02-01; until: 2020-02-28</dd>" in html


def test_cli_zone_and_agreement_filters():
    data = json.loads(runner.invoke(app, [*ARGS, "-f", "json", "--zone", "pact-zone"]).output)
    assert {f["event_id"] for f in data["findings"]} == {"pact-shelling-2020-02-01", "pact-airstrike-2020-02-10"}
    data = json.loads(runner.invoke(app, [*ARGS, "-f", "json", "--clause", "joint-patrols"]).output)
    assert {f["clause"] for f in data["findings"]} == {"pact-2020/joint-patrols"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_no_findings(fmt: str):
    result = runner.invoke(app, [*ARGS, "-f", fmt, "--party", "nobody"])
    assert result.exit_code == 0, result.output
    if fmt in ("table", "markdown", "html"):
        assert "0 findings: 0 breaches, 0 possible, 0 contested" in result.output
        assert "pact-unknown-2020-03-02" in result.output  # the accounting is still there
    elif fmt == "csv":
        assert result.output.strip("\ufeff\r\n").split(",")[0] == "event_id"
        assert len(result.output.strip().splitlines()) == 1


def test_profile_is_named(tmp_path: Path):
    table = runner.invoke(app, [*ARGS, "--profile", "strict"]).output
    assert "profile strict (profiles/strict)" in table and "least attribution counted = confirmed" in table


# -- determinism ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_same_bytes(fmt: str, small):
    again = build(TERMS, [EVENTS])
    assert render(small, fmt) == render(again, fmt)


@pytest.fixture(scope="module")
def shipped_again():
    return build(shipped_agreements(), [REPO / "events"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_shipped_same_input_same_bytes(fmt: str, shipped, shipped_again):
    first = render(shipped, fmt)
    assert first == render(shipped_again, fmt)
    assert dt.date.today().isoformat() not in first


_RENDER_ALL = """
import sys
from pathlib import Path
from compliance.cli.report import build_report
from compliance.reports.model import Filters
from compliance.reports.render import render
out = Path(sys.argv[1])
for name, agreements, events in (("small", sys.argv[2], sys.argv[3]), ("shipped", sys.argv[4], sys.argv[5])):
    report, problems = build_report(Path(agreements), [Path(events)], Filters(), None)
    assert report is not None, list(problems)
    for fmt in ("table", "markdown", "json", "csv", "html"):
        (out / f"{name}.{fmt}").write_text(render(report, fmt), encoding="utf-8")
"""


def test_same_bytes_across_processes(tmp_path: Path):
    """Two fresh interpreters with different hash seeds (set and dict order of strings) write the same files."""
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _RENDER_ALL, str(out), str(TERMS), str(EVENTS),
                        str(shipped_agreements()), str(REPO / "events")], check=True, env=env, cwd=REPO, timeout=300)
        runs.append(out)
    names = sorted(p.name for p in runs[0].iterdir())
    assert len(names) == 10
    for name in names:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


def test_a_report_that_fails_halfway_leaves_the_old_file_whole(tmp_path: Path, monkeypatch):
    """JSON is streamed into a temporary file: a failure after the first slice must neither truncate the
    previous report nor leave a temporary file behind."""
    from compliance.reports import jsonout

    out = tmp_path / "r.json"
    out.write_text("previous report\n", encoding="utf-8")
    monkeypatch.setattr(jsonout, "CHUNK", 2)
    real, calls = jsonout._write_bytes, []

    def failing(stream, text):
        calls.append(len(text))
        if len(calls) == 2:
            raise OSError("disk full")
        return real(stream, text)

    monkeypatch.setattr(jsonout, "_write_bytes", failing)
    result = runner.invoke(app, [*ARGS, "-f", "json", "-o", str(out)])
    assert result.exit_code != 0 and len(calls) == 2
    assert out.read_text(encoding="utf-8") == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
