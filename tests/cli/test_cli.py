"""The command as a user meets it: exit codes, no tracebacks, the shipped agreements from any folder."""

from __future__ import annotations

import json

from tests.conftest import REPO


def test_validate_passes_on_the_shipped_agreements_and_events(cli):
    result = cli("validate")
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("checked ") and summary.endswith("0 problems")
    assert "5 agreements" in summary


def test_the_shipped_agreements_are_found_from_any_folder(cli, tmp_path):
    log = tmp_path / "my-log.yaml"
    log.write_text("events:\n  - {id: x1, date: 2020-01-01, actor: Military Forces of Syria (2000-), "
                   "action: missile-strike, target: {type: school}, "
                   "location: {name: Sarmin, lat: 35.90333, lon: 36.72583}, attribution: confirmed}\n")
    result = cli("report", "--events", str(log), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {(f["clause"], f["party"], f["role"]) for f in report["findings"] if f["event_id"] == "x1"} >= {
        ("astana-2017/cessation-of-hostilities", "syria-gov", "actor")}
    assert report["events"] == {"read": 1, "evaluated": 1, "set_aside": [], "unresolved": []}


def test_wrong_usage_exits_2(cli):
    result = cli("report", "--format", "pdf")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_invalid_input_exits_1_with_located_problems(cli, tmp_path):
    bad = tmp_path / "events.yaml"
    bad.write_text("events:\n  - id: a\n    date: 2020-01-01\n    action: shelin\n"
                   "    location: {lat: 35.9, lon: 36.7}\n")
    result = cli("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:4:13: 'shelin' is not allowed for action (did you mean 'shelling'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_explain_unknown_event_suggests_a_close_id(cli):
    result = cli("explain", "sarmin-school-2020-01-02")
    assert result.returncode == 1
    assert "did you mean 'sarmin-school-2020-01-01'?" in result.stderr


def test_report_refuses_to_overwrite_an_input(cli, tmp_path):
    target = REPO / "events" / "seeds.yaml"
    before = target.read_bytes()
    result = cli("report", "--output", str(target))
    assert result.returncode == 2
    assert "refusing to overwrite" in result.stderr
    assert target.read_bytes() == before
