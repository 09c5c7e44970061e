"""The terminal report (rich): what was read, the summary (agreements × parties, clauses, months), every finding."""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.reports import views
from compliance.reports.model import Report

TOP_CLAUSES = 10
# Control characters from the input (an ESC could restyle or rewrite the reader's terminal) are shown
# as \xNN. The console itself writes none: it has no colour system.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BAR_WIDTH = 30
# A terminal is for reading: past these, the report says how many more there are and where to find them.
MAX_FINDINGS = 500
MAX_LISTED = 50


def render(report: Report, width: int | None = None) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 120, force_terminal=False, color_system=None,
                      highlight=False, soft_wrap=False, emoji=False, markup=False)
    out = console.print
    p = report.profile
    out(Text(f"Compliance report — profile {p.id} ({report.inputs.profile_source})", style="bold"))
    out("Profile choices: " + "; ".join(f"{k} = {v}" for k, v in views.profile_choices(report)))
    out(f"Filters: {views.describe_filters(report)}")
    out(f"Events: {views.accounting_line(report)}")
    out(f"Findings: {views.findings_line(report)}")
    if report.count:
        out(_matrix(report))
        out(_clauses(report))
        out(_months(report))
        for part in _findings(report, console.width):
            out(part)
        out("Why each finding holds: compliance explain EVENT_ID (or the Markdown, JSON or HTML report).")
    for note in views.not_checked(report):
        out(f"Not checked: {note}")
    for c in report.outcome.conflicts:
        out(f"Exemption conflict: {c['event_id']} under {c['clause']}: {c['exemptions']}")
    for u in report.outcome.unresolved[:MAX_LISTED]:
        out(f"Unresolved actor: {u.event_id}: {u.reason}")
    _more(out, len(report.outcome.unresolved), "events with an unresolved actor")
    for s in report.outcome.set_aside[:MAX_LISTED]:
        out(f"Set aside: {s.event_id or '?'} ({s.origin}): {s.reason}")
    _more(out, len(report.outcome.set_aside), "events set aside")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", buffer.getvalue())


def _more(out, total: int, what: str) -> None:
    if total > MAX_LISTED:
        out(f"... and {total - MAX_LISTED} more {what}: every one is listed in the JSON, CSV and HTML reports.")


def _matrix(report: Report) -> Table:
    agreements, parties, cells = views.matrix(report)
    table = Table(title="Findings by agreement and party (as actor / guarantor / obligor)", title_justify="left")
    table.add_column("agreement", overflow="fold")
    for party in parties:
        table.add_column(party, justify="center", overflow="fold")
    for agreement in agreements:
        table.add_row(agreement, *(views.cell_text(cells.get((agreement, party))) for party in parties))
    totals = [tuple(sum(cells.get((a, party), (0, 0, 0))[i] for a in agreements) for i in range(3))
              for party in parties]
    table.add_section()
    table.add_row("all", *(views.cell_text(t) for t in totals))
    return table


def _clauses(report: Report) -> Table:
    info = views.clauses(report)
    table = Table(title=f"Clauses most breached (top {TOP_CLAUSES})", title_justify="left")
    table.add_column("clause", overflow="fold")
    table.add_column("art.")
    table.add_column("findings", justify="right")
    for rec in views.counts(report)["by_clause"][:TOP_CLAUSES]:
        clause = info.get(rec["clause"])
        table.add_row(rec["clause"], clause.article if clause else "", str(rec["count"]))
    return table


def _months(report: Report) -> Table:
    series, parties, got = views.months(report)
    totals = {m: sum(got.get((m, p), 0) for p in parties) for m in series}
    top = max(totals.values()) or 1
    table = Table(title="Findings per month", title_justify="left")
    table.add_column("month")
    table.add_column("n", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column("by party", overflow="fold")
    for m in series:
        bar = "█" * max(1, round(BAR_WIDTH * totals[m] / top)) if totals[m] else ""
        split = ", ".join(f"{p} {got[(m, p)]}" for p in parties if got.get((m, p)))
        table.add_row(m, str(totals[m]), bar, split)
    return table


def _grid(header: bool, clause_width: int) -> Table:
    table = Table(box=None, show_header=header, header_style="bold", pad_edge=False, padding=(0, 1))
    for name, width, justify in (("#", 4, "right"), ("clause", clause_width, "left"), ("party", 20, "left"),
                                 ("role", 9, "left"), ("confidence", 10, "left"), ("status", 9, "left")):
        table.add_column(name, width=width, justify=justify, overflow="fold")
    return table


def _findings(report: Report, width: int) -> list:
    """One block per event: its date, id and place once, then each clause and party that answers for it."""
    records = report.finding_records(limit=MAX_FINDINGS)
    clause_width = max(20, min(width - 60, max(len(f"{r['clause']} (art. {r['article']})") for r in records)))
    out: list = [Text("Findings", style="italic"), _grid(True, clause_width)]
    block: Table | None = None
    last: tuple | None = None
    for i, rec in enumerate(records, 1):
        key = (rec["event_id"], rec["date"])
        if block is None or key != last:
            what = rec["event_id"] or "(deadline of a duty of result)"
            out.append(Text(" — ".join(x for x in (f"{rec['date']}  {what}", views.place(rec)) if x), style="bold"))
            block = _grid(False, clause_width)
            out.append(block)
            last = key
        block.add_row(str(i), f"{rec['clause']} (art. {rec['article']})", rec["party"], rec["role"],
                      rec["confidence"], rec["status"])
    if report.count > MAX_FINDINGS:
        out.append(Text(f"... and {report.count - MAX_FINDINGS} more findings: the terminal shows the first "
                        f"{MAX_FINDINGS}; use --format csv, json, markdown or html for all of them."))
    return out
