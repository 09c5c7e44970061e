"""The terminal report (rich): the summary first, then every finding."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from compliance.reports.model import Report


def render(report: Report, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120, force_terminal=False, color_system=None,
                      highlight=False, soft_wrap=False)
    f = report.findings
    acc = report.outcome
    console.print(f"Compliance report — profile '{report.profile.id}', {len(f)} findings, "
                  f"{acc.read} events read, {acc.evaluated} evaluated, {len(acc.set_aside)} set aside, "
                  f"{len(acc.unresolved)} with unresolved actor")
    table = Table(title="Findings", show_lines=False)
    for col in ("date", "event", "clause", "party", "role", "confidence", "status"):
        table.add_column(col)
    for row in f.itertuples(index=False):
        table.add_row(str(row.date), str(row.event_id or "(deadline)"), str(row.clause), str(row.party),
                      str(row.role), str(row.confidence), str(row.status))
    console.print(table)
    return buffer.getvalue()
