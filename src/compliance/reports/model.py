"""The report: findings after filters, the accounting of every event, and what the report was made from.

Every renderer takes this one object; none computes anything the others would not show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from compliance import __version__
from compliance.engine.evaluate import Outcome
from compliance.engine.findings import LIGHT_COLUMNS, materialize
from compliance.project import Inputs

CHUNK = 20_000
"""Findings made at a time by the streaming renderers: their text is the bulk of a large report's memory."""


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

    def any(self) -> bool:
        return bool(self.describe())

    def keep(self, facts: pd.DataFrame, zone_members: dict[str, set[str]] | None = None) -> np.ndarray:
        """The positions of the findings that pass every filter, read off their light columns."""
        keep = pd.Series(True, index=facts.index)
        if self.parties:
            keep &= facts["party"].isin(self.parties)
        if self.agreements:
            keep &= facts["agreement"].isin(self.agreements)
        if self.clauses:
            wanted = set(self.clauses)
            keep &= facts["clause"].isin(wanted) | facts["clause"].str.split("/").str[1].isin(wanted)
        if self.zones and zone_members is not None:
            ids = set().union(*(zone_members.get(z, set()) for z in self.zones))
            keep &= facts["event_id"].isin(ids)
        if self.since:
            keep &= facts["date"].str[:10] >= self.since.isoformat()
        if self.until:
            keep &= facts["date"].str[:10] <= self.until.isoformat()
        return np.flatnonzero(keep.to_numpy(dtype=bool))


class Report:
    """The findings kept by the filters, and what they were made from.

    ``facts`` (who, which clause, when, the status) is cheap and serves every count; ``findings``, with
    the event's fields and the explanation, is made when a renderer asks for it, all at once or, for
    the JSON and CSV reports, ``CHUNK`` findings at a time.
    """

    def __init__(self, outcome: Outcome, inputs: Inputs, filters: Filters | None = None,
                 zone_members: dict[str, set[str]] | None = None) -> None:
        self.outcome, self.inputs, self.filters = outcome, inputs, filters or Filters()
        self.selection: np.ndarray | None = None
        if self.filters.any():
            everything = materialize(outcome, columns=LIGHT_COLUMNS)
            self.selection = self.filters.keep(everything, zone_members)
            self.facts = everything.iloc[self.selection].reset_index(drop=True)
        self.count = len(self.selection) if self.selection is not None else len(outcome.core)

    @property
    def profile(self):
        return self.outcome.profile

    @cached_property
    def facts(self) -> pd.DataFrame:
        """Who, which clause, when and the status of each finding kept (no event text, no explanation)."""
        return materialize(self.outcome, self.selection, columns=LIGHT_COLUMNS)

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The counts (made once: every renderer shows several of them), read off the findings' codes."""
        coded, select = self.outcome.coded, self.selection

        def column(name: str) -> tuple[np.ndarray, list[str]]:
            col = coded.column(name)
            assert not isinstance(col, tuple)
            return _ranked(coded.codes(col, select), col.values)

        return _summary(self.count, column)

    @cached_property
    def findings(self) -> pd.DataFrame:
        return materialize(self.outcome, self.selection)

    def chunks(self, size: int | None = None) -> Iterator[pd.DataFrame]:
        """The findings a slice at a time (``CHUNK`` by default), in report order."""
        size = size or CHUNK
        if "findings" in self.__dict__:  # already made: slice it rather than make it again
            for start in range(0, len(self.findings), size):
                yield self.findings.iloc[start:start + size]
            return
        positions = self.selection if self.selection is not None else np.arange(self.count)
        for start in range(0, len(positions), size):
            yield materialize(self.outcome, positions[start:start + size])

    def accounting(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "read": o.read,
            "evaluated": o.evaluated,
            "set_aside": self.set_aside_records(),
            "unresolved": [{"event_id": u.event_id, "reason": u.reason} for u in o.unresolved],
        }

    def set_aside_records(self) -> list[dict[str, Any]]:
        return [{"event_id": s.event_id, "origin": s.origin, "reason": s.reason} for s in self.outcome.set_aside]

    def finding_records(self, limit: int | None = None) -> list[dict[str, Any]]:
        if limit is not None and limit < self.count:
            positions = self.selection[:limit] if self.selection is not None else np.arange(limit)
            rows = materialize(self.outcome, positions)
        else:
            rows = self.findings
        return records(rows)

    def head(self) -> dict[str, Any]:
        """Everything but the findings and the accounting of events, in the order of the JSON report."""
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
            "summary": self.summary,
            "findings": None,
            "events": None,
            "exemption_conflicts": o.conflicts,
            "notes": o.notes,
            "clauses_evaluated": clauses,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.head(), "findings": self.finding_records(), "events": self.accounting()}


def records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Findings as plain dicts: missing values as None, coordinates to 5 decimals (about a metre)."""
    out = []
    for row in rows.itertuples(index=False):
        rec = {k: (None if _missing(v) else v) for k, v in row._asdict().items()}
        for key in ("lat", "lon"):
            if rec.get(key) is not None:
                rec[key] = round(float(rec[key]), 5)
        out.append(rec)
    return out


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def summary(findings: pd.DataFrame) -> dict[str, Any]:
    """Counts a reader looks for first: by agreement, party and role; by clause; by month."""
    return _summary(len(findings), lambda name: _codes(findings[name]))


def _summary(count: int, column) -> dict[str, Any]:
    """The counts, from ``column(name)``: each finding's code and the values the codes number, sorted.

    Counted on sorted integer codes of the few distinct values, not by grouping a million strings;
    groups come out in the order of their keys, as a sorted group-by would give them.
    """
    if not count:
        return {"findings": 0, "by_agreement_party_role": [], "by_clause": [], "by_month": []}
    agreement, agreements = column("agreement")
    party, parties = column("party")
    role, roles = column("role")
    clause, clauses = column("clause")
    day, days = column("date")
    status, statuses = column("status")
    month, months = pd.factorize(np.array([d[:7] for d in days], dtype=object), sort=True)
    month = month[day]
    by_clause = np.bincount(clause, minlength=len(clauses))
    ranked = np.argsort(-by_clause, kind="stable")
    breach = statuses.index("breach") if "breach" in statuses else -1
    return {
        "findings": count,
        "possible": int((status != breach).sum()),
        "by_agreement_party_role": [
            {"agreement": agreements[a], "party": parties[p], "role": roles[r], "count": n}
            for (a, p, r), n in _tally(agreement, party, role)],
        "by_clause": [{"clause": clauses[c], "count": int(by_clause[c])} for c in ranked if by_clause[c]],
        "by_month": [{"month": months[m], "party": parties[p], "count": n} for (m, p), n in _tally(month, party)],
    }


def _ranked(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes into ``values`` renumbered into the sorted distinct values they use, as a sorted factorize
    numbers them (``values`` may repeat a value: a clause's agreement is one value per clause)."""
    used = np.unique(codes)
    words = [str(w) for w in values[used]]
    distinct = sorted(set(words))
    position = {w: i for i, w in enumerate(distinct)}
    rank = np.zeros(int(used.max()) + 1 if len(used) else 0, dtype=np.int64)
    rank[used] = [position[w] for w in words]
    return rank[codes], distinct


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), sort=True)
    return codes, [str(u) for u in uniques]


def _tally(*codes: np.ndarray) -> list[tuple[tuple[int, ...], int]]:
    """How many rows share each combination of codes, in the order of the combinations."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    widths = [int(c.max()) + 1 for c in codes]
    for c, w in zip(codes, widths, strict=True):
        key = key * w + c
    keys, counts = np.unique(key, return_counts=True)
    out = []
    for k, n in zip(keys.tolist(), counts.tolist(), strict=True):
        parts = []
        for w in reversed(widths):
            parts.append(k % w)
            k //= w
        out.append((tuple(reversed(parts)), n))
    return out
