"""The engine: agreements, a profile and an event log in; findings and the accounting of every event out.

Pure: no printing, no files. Callers at the edges (CLI, tests, benchmarks) load the inputs and render
the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from compliance.engine.checks import (
    CONFLICT,
    EXEMPT,
    HOLDS,
    clause_checks,
    resolve_exemptions,
    run,
)
from compliance.engine.compile import CompiledClause, compile_clauses
from compliance.engine.context import Prepared
from compliance.engine.findings import day_of, materialize
from compliance.engine.parties import Registry
from compliance.loading.events import SetAside
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile
from compliance.vocabulary import ROLES


@dataclass
class Unresolved:
    event_id: str
    reason: str


@dataclass
class Outcome:
    """What the engine found, and what became of every event.

    The findings are held as integer columns (``core``: the event row, which clause/party/role, the
    certainty) until someone reads ``findings``, which adds the event's fields and the sentences that
    explain each one. Text is the costliest part at scale, so it is made only when it is rendered.
    """

    profile: Profile
    read: int
    evaluated: int
    core: pd.DataFrame
    set_aside: list[SetAside] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    clauses: list[CompiledClause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list, repr=False)
    context: Prepared | None = field(default=None, repr=False)
    explain: bool = True

    @cached_property
    def findings(self) -> pd.DataFrame:
        return materialize(self)


def evaluate(terms: Terms, table_frame: pd.DataFrame, profile: Profile, *, read: int | None = None,
             set_aside: list[SetAside] | None = None, period: tuple[int, int] | None = None,
             explain: bool = True) -> Outcome:
    """Evaluate every checkable clause over the whole log.

    ``period`` (epoch seconds) is the time the log is known to cover; by default, from its first event
    to its last. Duties of result are judged only where the period spans their deadline. ``explain``
    writes the sentence of every finding (the slowest part at scale; the conditions are the same).
    """
    registry = Registry.build(terms.parties)
    ctx = Prepared.build(table_frame, registry, terms.zones)
    clauses = compile_clauses(terms, profile)
    everyone = np.arange(ctx.n)
    parts: list[Part] = []
    conflicts: list[dict[str, str]] = []
    notes: list[str] = []
    for cc in clauses:
        if cc.kind == "result":
            gap = _coverage_gap(cc, ctx, period)
            if gap:
                notes.append(gap)
            else:
                parts.extend(_result_findings(cc, ctx, profile, everyone))
            continue
        alive, state = run(clause_checks(cc, ctx, profile), everyone)
        if not len(alive):
            continue
        outcome, decided = resolve_exemptions(cc, ctx, alive)
        ids = ctx.column("id")
        for i in np.flatnonzero(outcome == CONFLICT):
            conflicts.append({"event_id": str(ids[alive[i]]), "clause": cc.key, "exemptions": str(decided[i])})
        keep = outcome != EXEMPT
        parts.extend(_event_findings(cc, ctx, profile, alive[keep], state[keep], outcome[keep], decided[keep]))
    return Outcome(profile=profile, read=read if read is not None else ctx.n, evaluated=ctx.n,
                   core=_core(parts, ctx), set_aside=list(set_aside or []), unresolved=_unresolved(ctx),
                   conflicts=conflicts, clauses=clauses, notes=notes, parts=parts, context=ctx, explain=explain)


@dataclass
class Part:
    """Findings of one clause for one party in one role: the event rows (-1 for a missed deadline)."""

    clause: CompiledClause
    party: str
    role: str
    rows: np.ndarray
    state: np.ndarray
    status: np.ndarray
    exemptions: np.ndarray
    fulfilling: np.ndarray | None = None


def _event_findings(cc: CompiledClause, ctx: Prepared, profile: Profile, alive: np.ndarray, state: np.ndarray,
                    outcome: np.ndarray, decided: np.ndarray) -> list[Part]:
    """Fan each surviving event out to the parties that answer for it, and in which role."""
    out: list[Part] = []
    if not len(alive):
        return out
    status = np.where(outcome == CONFLICT, "contested", np.where(state == HOLDS, "breach", "possible"))
    codes, names = ctx.actor_codes()
    alive_codes = codes[alive]
    for code in np.unique(alive_codes):
        rows = alive_codes == code
        for party, role in _answering(cc, ctx, profile, names[code]):
            out.append(Part(cc, party, role, alive[rows], state[rows], status[rows].astype(object), decided[rows]))
    return out


def _answering(cc: CompiledClause, ctx: Prepared, profile: Profile, actor: str) -> list[tuple[str, str]]:
    reg = ctx.registry
    pairs: list[tuple[str, str]] = []
    if cc.kind == "prevent":
        own = reg.answering(actor, cc.obligors) if actor else None
        # an obligor that did it itself answers as actor; the others still failed to prevent it
        return ([(own, "actor")] if own else []) + [(o, "obligor") for o in sorted(cc.obligors) if o != own]
    answering = reg.answering(actor, cc.actors) if actor else None
    if answering:
        pairs.append((answering, "actor"))
        if profile.guarantors_answer:
            for g in sorted(cc.guarantors & cc.guarantees.get(answering, set())):
                if g != answering:
                    pairs.append((g, "guarantor"))
    if cc.kind == "deadline":
        pairs.extend((o, "obligor") for o in sorted(cc.obligors) if o != answering)
    return pairs


def _coverage_gap(cc: CompiledClause, ctx: Prepared, period: tuple[int, int] | None) -> str | None:
    """Why a duty of result cannot be judged on this log, if it cannot: the log must span its deadline.

    A log that begins after the deadline (or ends before it) says nothing about whether the result
    was achieved in time; finding a breach there would be reading absence of data as absence of the result.
    """
    assert cc.deadline is not None
    deadline = cc.deadline.seconds
    if period is None and ctx.n == 0:
        return f"{cc.key} (a duty of result) was not checked: the log is empty"
    first, last = period if period is not None else (int(ctx.start.min()), int(ctx.end.max()))
    if first < deadline <= last:
        return None
    return (f"{cc.key} (a duty of result) was not checked: the log covers {day_of(first)} to {day_of(last - 1)}, "
            f"not its deadline ({cc.deadline.describe()})")


def _result_findings(cc: CompiledClause, ctx: Prepared, profile: Profile, everyone: np.ndarray) -> list[Part]:
    """A duty of result: no fulfilling event by the deadline gives one finding per obligor, dated at it."""
    alive, state = run(clause_checks(cc, ctx, profile), everyone)
    if len(alive) and (state == HOLDS).any():
        return []
    certain = np.int8(1 if len(alive) else 2)
    status = "possible" if len(alive) else "breach"
    return [Part(cc, o, "obligor", np.array([-1]), np.array([certain]), np.array([status], dtype=object),
                 np.array([""], dtype=object), alive) for o in sorted(cc.obligors)]


def _core(parts: list[Part], ctx: Prepared) -> pd.DataFrame:
    """The findings as integer columns, in their final order: event row, part, certainty."""
    if not parts:
        return pd.DataFrame({"row": np.zeros(0, np.int64), "part": np.zeros(0, np.int32),
                             "state": np.zeros(0, np.int8), "position": np.zeros(0, np.int64)})
    sizes = np.array([len(p.rows) for p in parts])
    rows = np.concatenate([p.rows for p in parts])
    order = _order(parts, ctx, rows, sizes)
    part = np.repeat(np.arange(len(parts), dtype=np.int32), sizes)
    position = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # index within its part
    state = np.concatenate([p.state for p in parts])
    return pd.DataFrame({"row": rows[order], "part": part[order], "state": state[order],
                         "position": position[order]})


def _order(parts: list[Part], ctx: Prepared, rows: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Chronological, then by event id, clause, role and party: the same order whatever the log's order."""
    when = np.where(rows >= 0, ctx.start[np.where(rows >= 0, rows, 0)] if ctx.n else 0,
                    np.repeat([(p.clause.deadline.seconds - 1) if p.clause.deadline else 0 for p in parts], sizes))
    id_rank = np.where(rows >= 0, ctx.id_rank()[np.where(rows >= 0, rows, 0)] if ctx.n else 0, -1)
    clause_rank = {k: i for i, k in enumerate(sorted({p.clause.key for p in parts}))}
    party_rank = {k: i for i, k in enumerate(sorted({p.party for p in parts}))}
    role_rank = {r: i for i, r in enumerate(ROLES)}
    clause = np.repeat([clause_rank[p.clause.key] for p in parts], sizes)
    role = np.repeat([role_rank[p.role] for p in parts], sizes)
    party = np.repeat([party_rank[p.party] for p in parts], sizes)
    return np.lexsort((party, role, clause, id_rank, when))


def _unresolved(ctx: Prepared) -> list[Unresolved]:
    """Events whose actor names no party: still evaluated for what needs no actor, and listed with why."""
    missing = np.flatnonzero(ctx.actor == "")
    if not len(missing):
        return []
    frame = ctx.frame
    ids = frame["id"].to_numpy(dtype=object)[missing].astype(str)
    names = frame["actor"].to_numpy(dtype=object)[missing].astype(str)
    notes = frame["attribution_note"].to_numpy(dtype=object)[missing].astype(str)
    involved = frame["involved"].to_numpy(dtype=object)[missing].astype(str)
    out = []
    for ident, name, note, inv in zip(ids, names, notes, involved, strict=True):
        name, note, inv = name.strip(), note.strip(), inv.strip()
        if name:
            reason = f"actor '{name}' matches no party or alias in the registry"
        else:
            reason = "actor unknown" + (f": {note}" if note else "")
        if inv:
            reason += f" (involved: {inv.replace(';', ', ')})"
        out.append(Unresolved(ident, reason))
    return sorted(out, key=lambda u: u.event_id)
