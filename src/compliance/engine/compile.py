"""Clauses compiled for one profile: dates resolved to instants, readings chosen, bindings as sets.

Compiling once per run keeps the per-event work to array comparisons, and records which reading
of each contested date or scope a finding relied on, so the report can say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from compliance.loading.terms import Terms
from compliance.models.agreements import Agreement, Clause, Condition, Conduct, Exemption, Where
from compliance.models.common import Readings
from compliance.models.profiles import Profile

LOCAL = ZoneInfo("Asia/Damascus")
NEVER = 2**62


def _midnight(day: dt.date) -> int:
    """Epoch seconds of local midnight starting ``day`` in Syria."""
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL)
    # a midnight skipped by daylight saving moves to the first valid time, as for events
    return int(moment.astimezone(dt.UTC).timestamp())


@dataclass(frozen=True)
class Instant:
    """A resolved moment: epoch seconds, how it reads, and the reading chosen if sources disagree."""

    seconds: int
    text: str
    reading: str | None = None  # "<agreement>/<id>=<option>"

    def describe(self) -> str:
        return f"{self.text} (reading '{self.reading.split('=')[1]}' of {self.reading.split('=')[0]})" \
            if self.reading else self.text


def resolve(value, agreement_id: str, profile: Profile, *, closing: bool) -> Instant | None:
    """An instant from a date, a moment or readings. ``closing`` makes a date mean the end of that day."""
    if value is None:
        return None
    reading = None
    if isinstance(value, Readings):
        key = f"{agreement_id}/{value.id}"
        chosen = value.pick(profile.readings.get(key))
        reading = f"{key}={chosen.id}"
        value = chosen.at
    if isinstance(value, dt.datetime):
        return Instant(int(value.timestamp()), value.isoformat(), reading)
    day = value + dt.timedelta(days=1) if closing else value
    text = f"end of {value.isoformat()}" if closing else value.isoformat()
    return Instant(_midnight(day), text, reading)


@dataclass(frozen=True)
class CompiledExemption:
    exemption: Exemption
    condition: Condition
    reading: str | None
    overrides: frozenset[str]

    @property
    def id(self) -> str:
        return self.exemption.id


@dataclass
class CompiledClause:
    agreement: Agreement
    clause: Clause
    kind: str
    conduct: Conduct | None
    where: Where
    start: Instant | None  # window opens (inclusive)
    end: Instant | None  # window closes (exclusive)
    deadline: Instant | None = None  # deadline: evidence from here on breaches; result: fulfilment by here
    actors: set[str] = field(default_factory=set)
    guarantors: set[str] = field(default_factory=set)
    obligors: set[str] = field(default_factory=set)
    by: set[str] = field(default_factory=set)
    exemptions: list[CompiledExemption] = field(default_factory=list)
    guarantees: dict[str, set[str]] = field(default_factory=dict)  # guaranteed party -> guarantors

    @property
    def key(self) -> str:
        return f"{self.agreement.id}/{self.clause.id}"

    def readings(self) -> list[str]:
        out = [i.reading for i in (self.start, self.end, self.deadline) if i and i.reading]
        out += [e.reading for e in self.exemptions if e.reading]
        return out


def _exemptions_for(agreement: Agreement, clause: Clause, profile: Profile) -> list[CompiledExemption]:
    """The exemptions that bear on a clause: those overriding it, and those overriding them, transitively."""
    by_id = {e.id: e for e in agreement.exemptions}
    relevant: dict[str, Exemption] = {}
    targets = {clause.id}
    for ex_id in clause.exemptions:
        if ex_id in by_id:
            relevant[ex_id] = by_id[ex_id]
    changed = True
    while changed:
        changed = False
        for e in agreement.exemptions:
            if e.id not in relevant and (set(e.overrides) & (targets | set(relevant))):
                relevant[e.id] = e
                changed = True
    out = []
    for e in sorted(relevant.values(), key=lambda x: x.id):
        condition, reading = e.if_, None
        if e.readings is not None:
            key = f"{agreement.id}/{e.readings.id}"
            choice = profile.readings.get(key, e.readings.use)
            option = next((o for o in e.readings.options if o.id == choice), None)
            if option is not None:
                condition, reading = option.if_, f"{key}={option.id}"
        overrides = set(e.overrides)
        if e.id in clause.exemptions:
            overrides.add(clause.id)
        out.append(CompiledExemption(e, condition, reading, frozenset(overrides)))
    return out


def compile_clauses(terms: Terms, profile: Profile) -> list[CompiledClause]:
    """Every checkable clause of every agreement, in a stable order."""
    out: list[CompiledClause] = []
    for agreement_id in sorted(terms.agreements):
        agreement = terms.agreements[agreement_id]
        in_force = resolve(agreement.in_force, agreement.id, profile, closing=False)
        lapses = resolve(agreement.until, agreement.id, profile, closing=True)
        guarantees: dict[str, set[str]] = {}
        for g in agreement.guarantees:
            for p in g.parties:
                guarantees.setdefault(p, set()).add(g.guarantor)
        for clause in agreement.clauses:
            rule = clause.rule
            if rule.kind == "none":
                continue
            binds = {"actor": set(), "guarantor": set(), "obligor": set()}
            for b in clause.binds:
                binds[b.as_].add(b.party)
            when = getattr(rule, "when", None)
            start = resolve(when.from_, agreement.id, profile, closing=False) if when and when.from_ else in_force
            end = resolve(when.until, agreement.id, profile, closing=True) if when and when.until else lapses
            deadline = None
            conduct = getattr(rule, "conduct", None)
            if rule.kind == "deadline":
                deadline = resolve(rule.deadline, agreement.id, profile, closing=True)
                end = resolve(rule.until, agreement.id, profile, closing=True) if rule.until else lapses
                start = deadline
                conduct = rule.evidence
            elif rule.kind == "result":
                deadline = resolve(rule.deadline, agreement.id, profile, closing=True)
                start = resolve(rule.from_, agreement.id, profile, closing=False) if rule.from_ else in_force
                end = deadline
                conduct = rule.fulfilled_by
            out.append(CompiledClause(
                agreement=agreement, clause=clause, kind=rule.kind, conduct=conduct,
                where=getattr(rule, "where", Where()), start=start, end=end, deadline=deadline,
                actors=binds["actor"], guarantors=binds["guarantor"], obligors=binds["obligor"],
                by=set(getattr(rule, "by", []) or []),
                exemptions=_exemptions_for(agreement, clause, profile), guarantees=guarantees,
            ))
    return out
