"""What the human-readable renderers share, read off the Report: never evaluated again, only arranged.

Counts come from ``model.summary`` (the same numbers the JSON report carries); the rest looks up what
the findings point at (clause texts and sources, event notes, party names) so that a reader who never
saw the YAML can follow each finding back to its clause and its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.models.common import Source
from compliance.reports.model import Report
from compliance.vocabulary import ROLES

STATUSES = ("breach", "possible", "contested")


@dataclass(frozen=True)
class ClauseInfo:
    key: str
    agreement: str
    agreement_title: str
    article: str
    title: str
    text: str
    sources: tuple[str, ...]


def source_text(source: Source) -> str:
    """A source as one line: name (date), ref, url."""
    bits = [source.name]
    if source.date:
        bits.append(f"({source.date.isoformat()})")
    if source.ref:
        bits.append(source.ref)
    if source.url:
        bits.append(source.url)
    return " ".join(bits)


def clauses(report: Report) -> dict[str, ClauseInfo]:
    out: dict[str, ClauseInfo] = {}
    for agreement in report.inputs.terms.agreements.values():
        for clause in agreement.clauses:
            key = f"{agreement.id}/{clause.id}"
            out[key] = ClauseInfo(key, agreement.id, agreement.title, clause.article, clause.title or "",
                                  " ".join(clause.text.split()), tuple(source_text(s) for s in clause.sources))
    return out


def party_names(report: Report) -> dict[str, str]:
    return {pid: p.name for pid, p in report.inputs.terms.parties.items()}


def events(report: Report) -> dict[str, dict[str, Any]]:
    """Per event id, what the findings do not carry: notes, target, attribution note, file of origin."""
    frame = report.inputs.events.frame
    wanted = set(report.facts["event_id"].dropna())
    out: dict[str, dict[str, Any]] = {}
    if not wanted or not len(frame):
        return out
    cols = ["id", "notes", "target_name", "attribution", "attribution_note", "origin", "date_end"]
    for row in frame.loc[frame["id"].isin(wanted), cols].itertuples(index=False):
        out.setdefault(str(row.id), {c: ("" if row[i] is None else str(row[i])) for i, c in enumerate(cols)})
    return out


def counts(report: Report) -> dict[str, Any]:
    return report.summary


def agreement_order(report: Report, present: set[str]) -> list[str]:
    """Agreements in the order they were signed, then any not among the terms."""
    known = report.inputs.terms.agreements
    ordered = sorted((a for a in known.values() if a.id in present), key=lambda a: (str(a.signed.date), a.id))
    return [a.id for a in ordered] + sorted(present - set(known))


def party_order(report: Report, present: set[str]) -> list[str]:
    """Parties in the order of the registry, then any it does not list."""
    known = [p for p in report.inputs.terms.parties if p in present]
    return known + sorted(present - set(known))


def matrix(report: Report) -> tuple[list[str], list[str], dict[tuple[str, str], tuple[int, int, int]]]:
    """Agreements × parties: the number of findings in each role (actor, guarantor, obligor)."""
    cells: dict[tuple[str, str], list[int]] = {}
    for rec in counts(report)["by_agreement_party_role"]:
        cell = cells.setdefault((rec["agreement"], rec["party"]), [0, 0, 0])
        cell[ROLES.index(rec["role"])] += int(rec["count"])
    agreements = agreement_order(report, {a for a, _ in cells})
    parties = party_order(report, {p for _, p in cells})
    return agreements, parties, {k: (v[0], v[1], v[2]) for k, v in cells.items()}


def cell_text(cell: tuple[int, int, int] | None) -> str:
    return "" if not cell else " / ".join(str(n) if n else "·" for n in cell)


def months(report: Report) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Every month from the first finding to the last (empty ones too), the parties, and the counts."""
    by_month = counts(report)["by_month"]
    if not by_month:
        return [], [], {}
    got = {(r["month"], r["party"]): int(r["count"]) for r in by_month}
    first, last = min(m for m, _ in got), max(m for m, _ in got)
    year, month = int(first[:4]), int(first[5:7])
    series = []
    while f"{year:04d}-{month:02d}" <= last:
        series.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series, party_order(report, {p for _, p in got}), got


def status_counts(report: Report) -> dict[str, int]:
    found = report.facts["status"].value_counts().to_dict() if report.count else {}
    return {s: int(found.get(s, 0)) for s in STATUSES}


def place(rec: dict[str, Any]) -> str:
    loc, admin1 = rec.get("location") or "", rec.get("admin1") or ""
    return f"{loc}, {admin1}" if loc and admin1 and admin1 not in loc else (loc or admin1)


def describe_filters(report: Report) -> str:
    described = report.filters.describe()
    if not described:
        return "none"
    return "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in described.items())


def accounting_line(report: Report) -> str:
    o = report.outcome
    return (f"{plural(o.read, 'event')} read, {o.evaluated} evaluated, {len(o.set_aside)} set aside, "
            f"{len(o.unresolved)} with an actor that names no party")


def findings_line(report: Report) -> str:
    s = status_counts(report)
    return (f"{plural(report.count, 'finding')}: {plural(s['breach'], 'breach', 'breaches')}, "
            f"{s['possible']} possible, {s['contested']} contested (conflicting exemptions)")


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def profile_choices(report: Report) -> list[tuple[str, str]]:
    """The profile's settings and the reading it picks for each contested point, in a stable order."""
    p = report.profile
    out = [("least attribution counted", str(p.min_attribution)),
           ("guarantors answer", "yes" if p.guarantors_answer else "no"), ("overrun zones", str(p.overrun_zones))]
    return out + [(k, v) for k, v in sorted(p.readings.items())]


def not_checked(report: Report) -> list[str]:
    """What the engine could not judge on this log (a duty of result whose deadline the log does not span)."""
    return [str(n) for n in getattr(report.outcome, "notes", None) or []]
