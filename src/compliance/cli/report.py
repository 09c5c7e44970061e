"""``compliance report``: load, evaluate, filter, render, write."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.cli.common import OK, fail, open_atomic
from compliance.engine.evaluate import evaluate
from compliance.project import load_inputs
from compliance.reports.model import Filters, Report
from compliance.reports.render import write


def build_report(agreements: Path | None, events: list[Path] | None, filters: Filters, profile: str | None):
    inputs, problems = load_inputs(agreements, events, profile)
    if inputs is None:
        return None, problems
    table = inputs.events
    outcome = evaluate(inputs.terms, table.frame, inputs.profile, read=table.read, set_aside=table.set_aside,
                       codes=table.codes)
    zone_members = None
    if filters.zones:
        from compliance.engine.zonefilter import events_in_zones

        zone_members = events_in_zones(inputs.terms, table.frame, filters.zones)
    return Report(outcome, inputs, filters, zone_members), problems


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
    if output is None:
        write(report, fmt, sys.stdout)
    else:
        with open_atomic(output, report.inputs.files) as out:
            write(report, fmt, out)
        print(f"wrote {output} ({report.count} findings)", file=sys.stderr)
    return OK
