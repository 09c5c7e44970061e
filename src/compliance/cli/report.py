"""``compliance report``: load, evaluate, filter, render, write."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.cli.common import OK, fail, write_atomic
from compliance.engine.evaluate import evaluate
from compliance.project import load_inputs
from compliance.reports.model import Filters, Report
from compliance.reports.render import render


def build_report(agreements: Path | None, events: list[Path] | None, filters: Filters, profile: str | None):
    inputs, problems = load_inputs(agreements, events, profile)
    if inputs is None:
        return None, problems
    table = inputs.events
    outcome = evaluate(inputs.terms, table.frame, inputs.profile, read=table.read, set_aside=table.set_aside)
    zone_members = None
    if filters.zones:
        from compliance.engine.zonefilter import events_in_zones

        zone_members = events_in_zones(inputs.terms, table.frame, filters.zones)
    findings = filters.apply(outcome.findings, zone_members)
    return Report(outcome, inputs, findings, filters), problems


def run_report(agreements: Path | None, events: list[Path] | None, fmt: str, output: Path | None,
               filters: Filters, profile: str | None) -> int:
    report, problems = build_report(agreements, events, filters, profile)
    if report is None:
        raise fail(problems)
    for s in report.outcome.set_aside[:20]:
        print(f"set aside: {s}", file=sys.stderr)
    if len(report.outcome.set_aside) > 20:
        print(f"set aside: ... and {len(report.outcome.set_aside) - 20} more (listed in the JSON report)",
              file=sys.stderr)
    text = render(report, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text, report.inputs.files)
        print(f"wrote {output} ({len(report.findings)} findings)", file=sys.stderr)
    return OK
