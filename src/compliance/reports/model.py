"""The report: findings after filters, the accounting of every event, and what the report was made from.

Every renderer takes this one object; none computes anything the others would not show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from compliance import __version__
from compliance.engine.evaluate import Outcome
from compliance.project import Inputs


@dataclass(frozen=True)
class Filters:
    parties: tuple[str, ...] = ()
    agreements: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("parties", "agreements", "clauses", "zones"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        return out

    def apply(self, findings: pd.DataFrame, zone_members: dict[str, set[str]] | None = None) -> pd.DataFrame:
        keep = pd.Series(True, index=findings.index)
        if self.parties:
            keep &= findings["party"].isin(self.parties)
        if self.agreements:
            keep &= findings["agreement"].isin(self.agreements)
        if self.clauses:
            wanted = set(self.clauses)
            keep &= findings["clause"].isin(wanted) | findings["clause"].str.split("/").str[1].isin(wanted)
        if self.zones and zone_members is not None:
            ids = set().union(*(zone_members.get(z, set()) for z in self.zones))
            keep &= findings["event_id"].isin(ids)
        if self.since:
            keep &= findings["date"].str[:10] >= self.since.isoformat()
        if self.until:
            keep &= findings["date"].str[:10] <= self.until.isoformat()
        return findings.loc[keep].reset_index(drop=True)


@dataclass
class Report:
    outcome: Outcome
    inputs: Inputs
    findings: pd.DataFrame
    filters: Filters = field(default_factory=Filters)

    @property
    def profile(self):
        return self.outcome.profile

    def accounting(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "read": o.read,
            "evaluated": o.evaluated,
            "set_aside": [{"event_id": s.event_id, "origin": s.origin, "reason": s.reason} for s in o.set_aside],
            "unresolved": [{"event_id": u.event_id, "reason": u.reason} for u in o.unresolved],
        }

    def finding_records(self, limit: int | None = None) -> list[dict[str, Any]]:
        records = []
        rows = self.findings if limit is None else self.findings.head(limit)
        for row in rows.itertuples(index=False):
            rec = {k: (None if _missing(v) else v) for k, v in row._asdict().items()}
            for key in ("lat", "lon"):
                if rec.get(key) is not None:
                    rec[key] = round(float(rec[key]), 5)
            records.append(rec)
        return records

    def as_dict(self) -> dict[str, Any]:
        o = self.outcome
        clauses = [{
            "clause": cc.key, "article": cc.clause.article, "kind": cc.kind,
            "from": cc.start.describe() if cc.start else None, "until": cc.end.describe() if cc.end else None,
        } for cc in o.clauses]
        return {
            "tool": {"name": "compliance", "version": __version__},
            "profile": {"id": o.profile.id, "source": self.inputs.profile_source,
                        **o.profile.model_dump(mode="json", exclude={"id"})},
            "inputs": self.inputs.manifest(),
            "filters": self.filters.describe(),
            "summary": summary(self.findings),
            "findings": self.finding_records(),
            "events": self.accounting(),
            "exemption_conflicts": o.conflicts,
            "notes": o.notes,
            "clauses_evaluated": clauses,
        }


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def summary(findings: pd.DataFrame) -> dict[str, Any]:
    """Counts a reader looks for first: by agreement, party and role; by clause; by month."""
    if not len(findings):
        return {"findings": 0, "by_agreement_party_role": [], "by_clause": [], "by_month": []}
    grouped = findings.groupby(["agreement", "party", "role"]).size().reset_index(name="count")
    by_clause = findings.groupby("clause").size().sort_values(ascending=False, kind="mergesort")
    months = findings.assign(month=findings["date"].str[:7]).groupby(["month", "party"]).size()
    return {
        "findings": len(findings),
        "possible": int((findings["status"] != "breach").sum()),
        "by_agreement_party_role": grouped.to_dict("records"),
        "by_clause": [{"clause": c, "count": int(n)} for c, n in by_clause.items()],
        "by_month": [{"month": m, "party": p, "count": int(n)} for (m, p), n in months.items()],
    }
