"""The Markdown report, for pasting into a document: summary tables, the findings, then why each holds.

Every value from the input is escaped: table pipes, emphasis and link brackets with a backslash, and
``<``/``>`` as entities, so that no text in an event log becomes markup or raw HTML in a renderer.
"""

from __future__ import annotations

import re

from compliance import __version__
from compliance.reports import views
from compliance.reports.model import Report

_SPECIAL = re.compile(r"([\\`*_\[\]|#~!])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def md(value: object) -> str:
    """One line of input text, inert in Markdown (and in the HTML that Markdown allows)."""
    text = _CONTROL.sub("\ufffd", " ".join(str(value if value is not None else "").split()))
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(head: list[str], rows: list[list[str]], align: list[str] | None = None) -> list[str]:
    align = align or ["---"] * len(head)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return [*lines, ""]


def render(report: Report) -> str:
    lines = [f"# Compliance report — profile {md(report.profile.id)}", ""]
    lines += [f"- Filters: {md(views.describe_filters(report))}", f"- Events: {md(views.accounting_line(report))}",
              f"- Findings: {md(views.findings_line(report))}",
              f"- Profile: {md(report.profile.id)} ({md(report.inputs.profile_source)}); "
              f"compliance {md(__version__)}",
              "- Profile choices: " + "; ".join(f"{md(k)} = {md(v)}" for k, v in views.profile_choices(report)), ""]
    if report.count:
        lines += _summary(report)
        lines += _findings(report)
    lines += _accounting(report)
    lines += ["## Inputs", ""]
    lines += _table(["file", "sha256"], [[md(f["path"]), f"`{f['sha256']}`"] for f in report.inputs.manifest()])
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(report: Report) -> list[str]:
    agreements, parties, cells = views.matrix(report)
    names = views.party_names(report)
    lines = ["## Findings by agreement and party", "",
             "Each cell counts findings as actor / guarantor / obligor (· for none).", ""]
    rows = [[md(a), *(views.cell_text(cells.get((a, p))) for p in parties)] for a in agreements]
    lines += _table(["agreement", *(md(p) for p in parties)], rows, ["---", *([":---:"] * len(parties))])
    lines += ["Parties: " + "; ".join(f"{md(p)} — {md(names.get(p, p))}" for p in parties) + ".", ""]
    info = views.clauses(report)
    lines += ["## Clauses most breached", ""]
    rows = []
    for rec in views.counts(report)["by_clause"]:
        c = info.get(rec["clause"])
        rows.append([md(rec["clause"]), md(c.article if c else ""), md(c.text if c else ""), str(rec["count"])])
    lines += _table(["clause", "art.", "what it says (paraphrase)", "findings"], rows, ["---", "---", "---", "---:"])
    series, parties_m, got = views.months(report)
    lines += ["## Findings per month", ""]
    rows = [[md(m), *(str(got.get((m, p), "")) for p in parties_m), str(sum(got.get((m, p), 0) for p in parties_m))]
            for m in series]
    lines += _table(["month", *(md(p) for p in parties_m), "all"], rows, ["---", *(["---:"] * (len(parties_m) + 1))])
    return lines


def _findings(report: Report) -> list[str]:
    records = report.finding_records()
    lines = ["## Findings", ""]
    rows = [[str(i), md(r["date"]), md(r["event_id"] or "(deadline)"), md(views.place(r)), md(r["clause"]),
             md(r["article"]), md(r["party"]), md(r["role"]), md(r["confidence"]), md(r["status"])]
            for i, r in enumerate(records, 1)]
    lines += _table(["#", "date", "event", "place", "clause", "art.", "party", "role", "confidence", "status"], rows)
    lines += ["## Why each finding holds", ""]
    for i, r in enumerate(records, 1):
        lines.append(f"{i}. **{md(r['clause'])}**, {md(r['party'])} as {md(r['role'])} "
                     f"({md(r['confidence'])}, {md(r['status'])}): {md(r['explanation'])}")
        for label, key in (("Uncertain", "uncertain"), ("Exemptions", "exemptions"), ("Readings", "readings"),
                           ("Event sources", "event_sources")):
            if r.get(key):
                lines.append(f"   - {label}: {md(r[key])}")
    return [*lines, ""]


def _accounting(report: Report) -> list[str]:
    o = report.outcome
    lines: list[str] = []
    if views.not_checked(report):
        lines += ["## Not checked", "", *(f"- {md(n)}" for n in views.not_checked(report)), ""]
    if o.conflicts:
        lines += ["## Exemption conflicts", ""]
        lines += [f"- {md(c['event_id'])} under {md(c['clause'])}: {md(c['exemptions'])}" for c in o.conflicts]
        lines.append("")
    if o.unresolved:
        lines += ["## Events whose actor names no party", ""]
        lines += [f"- {md(u.event_id)}: {md(u.reason)}" for u in o.unresolved]
        lines.append("")
    if o.set_aside:
        lines += ["## Events set aside", ""]
        lines += [f"- {md(s.event_id or '?')} ({md(s.origin)}): {md(s.reason)}" for s in o.set_aside]
        lines.append("")
    return lines
