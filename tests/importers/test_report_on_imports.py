"""End to end on the real ACLED file: import it, then report on it (skipped when ../shared/data is absent)."""

from __future__ import annotations

import json

from tests.conftest import needs_shared_data


def test_report_over_imported_acled_finds_government_shelling_in_idleb_after_the_moscow_protocol(cli, tmp_path):
    acled = needs_shared_data("acled", "acled_syria_2020-04-27_2020-05-09.csv")
    log = tmp_path / "acled.csv"
    imported = cli("import", "acled", str(acled), "--output", str(log), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "rows read: 313; events written: 272" in imported.stderr
    result = cli("report", "--events", str(log), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["events"]["read"] == 272
    assert report["events"]["evaluated"] + len(report["events"]["set_aside"]) == 272
    shelling = [f for f in report["findings"]
                if f["clause"] == "moscow-2020/cessation-of-military-actions" and f["party"] == "syria-gov"
                and f["role"] == "actor" and f["action"] == "shelling" and f["admin1"] == "Idleb"]
    assert len(shelling) >= 30
    assert all(f["date"] >= "2020-03-06" for f in shelling)
    guarantors = {f["party"] for f in report["findings"]
                  if f["clause"] == "moscow-2020/cessation-of-military-actions" and f["role"] == "guarantor"
                  and f["event_id"] in {s["event_id"] for s in shelling}}
    assert guarantors == {"russia"}


def test_import_ucdp_accounts_for_every_row(cli, tmp_path):
    ged = needs_shared_data("ucdp", "ged_syria_2016-2019.csv")
    log = tmp_path / "ged.csv"
    imported = cli("import", "ucdp", str(ged), "--output", str(log), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "rows read: 16566; events written: 16566" in imported.stderr
    validated = cli("validate", str(log), cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    assert "16566 events; 0 problems" in validated.stdout
