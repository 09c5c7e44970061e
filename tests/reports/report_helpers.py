"""Paths and a builder shared by the report tests (kept out of conftest so that tests can import them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.cli.report import build_report
from compliance.reports.model import Filters, Report

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TERMS = FIXTURES / "terms"
EVENTS = FIXTURES / "events"
INJECTED = "pact-shelling-2020-02-01"


def shipped_agreements() -> Path:
    return Path(os.environ.get("COMPLIANCE_TEST_AGREEMENTS") or REPO / "agreements")


def build(agreements: Path, events: list[Path], profile: str | None = None, **filters) -> Report:
    report, problems = build_report(agreements, events, Filters(**filters), profile)
    if report is None:
        shown = "\n".join(str(p) for p in list(problems)[:10])
        pytest.fail(f"the inputs under {agreements} do not load ({len(list(problems))} problems):\n{shown}")
    return report
