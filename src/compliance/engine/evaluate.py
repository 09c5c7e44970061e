"""The engine: agreements, a profile and an event log in; findings and the accounting of every event out.

Pure: no printing, no files. Callers at the edges (CLI, tests, benchmarks) load the inputs and render
the outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from compliance.engine.checks import (
    CONFLICT,
    EXEMPT,
    HOLDS,
    OUTCOMES,
    clause_checks,
    exemption_outcomes,
    run,
)
from compliance.engine.compile import CompiledClause, compile_clauses
from compliance.engine.context import Prepared, order_events
from compliance.engine.findings import STATUSES, Coded, day_of, materialize
from compliance.engine.parties import Registry
from compliance.engine.unresolved import Unresolved, find_unresolved
from compliance.loading.events import SetAside
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile
from compliance.vocabulary import ROLES

_EXEMPT, _CONFLICT = OUTCOMES.index(EXEMPT), OUTCOMES.index(CONFLICT)
THREADS = 2
"""Clauses evaluated side by side (the machines this runs on have two cores or more)."""


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
    unresolved: Sequence[Unresolved] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    clauses: list[CompiledClause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list, repr=False)
    context: Prepared | None = field(default=None, repr=False)
    explain: bool = True

    @cached_property
    def findings(self) -> pd.DataFrame:
        return materialize(self)

    @cached_property
    def coded(self) -> Coded:
        """The findings' columns as codes into their distinct values (see ``findings.Coded``)."""
        return Coded(self)


def evaluate(terms: Terms, table_frame: pd.DataFrame, profile: Profile, *, read: int | None = None,
             set_aside: list[SetAside] | None = None, period: tuple[int, int] | None = None,
             explain: bool = True, codes: dict[str, tuple[np.ndarray, list[str]]] | None = None) -> Outcome:
    """Evaluate every checkable clause over the whole log.

    ``period`` (epoch seconds) is the time the log is known to cover; by default, from its first event
    to its last. Duties of result are judged only where the period spans their deadline. ``explain``
    writes the sentence of every finding (the slowest part at scale; the conditions are the same).
    ``codes``: the categorical columns as the loader coded them (``EventTable.codes``), which spares
    hashing them again; the findings are the same without them.
    """
    registry = Registry.build(terms.parties)
    clauses = compile_clauses(terms, profile)
    everyone = np.arange(len(table_frame))

    def one(cc: CompiledClause) -> tuple[list[Part], list[dict[str, str]], str | None]:
        if cc.kind == "result":
            gap = _coverage_gap(cc, ctx, period)
            return ([], [], gap) if gap else (_result_findings(cc, ctx, profile, everyone), [], None)
        alive, state = run(clause_checks(cc, ctx, profile), everyone, ctx.cells())
        if not len(alive):
            return [], [], None
        outcome, decided, winners = exemption_outcomes(cc, ctx, alive)
        contested = np.flatnonzero(outcome == _CONFLICT)
        ids = ctx.column_at("id", alive[contested])
        conflicts = [{"event_id": str(ident), "clause": cc.key, "exemptions": winners[decided[i]]}
                     for i, ident in zip(contested, ids, strict=True)]
        keep = outcome != _EXEMPT
        found = _event_findings(cc, ctx, profile, alive[keep], state[keep], outcome[keep], decided[keep], winners)
        return found, conflicts, None

    parts: list[Part] = []
    conflicts: list[dict[str, str]] = []
    notes: list[str] = []
    # clauses are independent given the prepared log; most of their work (numpy, shapely, pyproj) runs
    # outside the interpreter's lock, so two threads use both cores. Results are taken in clause order.
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="clause") as pool:
        # the order of findings needs only ids and starts: sorted while the rest of the log is coded. It
        # is the pool's first job, so it is running before any job that waits for it (even on one thread)
        sorting = pool.submit(order_events, table_frame)
        ctx = Prepared.build(table_frame, registry, terms.zones, codes)
        ctx.sorting = sorting
        ctx.cells()  # shared by every clause: made before the clauses run side by side
        started = _interleaved(clauses, ctx)
        futures = {k: pool.submit(one, clauses[k]) for k in started[:len(started) // 2]}
        # the unresolved events, listed midway: it waits for no clause, and the last clause waits for it
        unresolved = pool.submit(find_unresolved, ctx)
        futures.update({k: pool.submit(one, clauses[k]) for k in started[len(started) // 2:]})
        for result in (futures[k] for k in range(len(clauses))):
            found, contested, note = result.result()
            parts.extend(found)
            conflicts.extend(contested)
            if note:
                notes.append(note)
        core = _core(parts, ctx)
    return Outcome(profile=profile, read=read if read is not None else ctx.n, evaluated=ctx.n,
                   core=core, set_aside=list(set_aside or []), unresolved=unresolved.result(),
                   conflicts=conflicts, clauses=clauses, notes=notes, parts=parts, context=ctx, explain=explain)


def _interleaved(clauses: list[CompiledClause], ctx: Prepared) -> list[int]:
    """The clauses in the order they are started: those that read the same zones spread apart.

    Two clauses that run side by side on the same zone take turns (a zone's geometry is used by one
    thread at a time), so neighbours in this order read different zones where they can. The results
    are still taken in clause order: this order changes only what runs beside what.
    """
    groups: dict[frozenset[str], list[int]] = {}
    for k, cc in enumerate(clauses):
        refs = [*cc.where.inside, *cc.where.outside, *(cc.where.within_km.of if cc.where.within_km else [])]
        zones = {z for ref in refs for z in ctx.zones.members(ref)}
        for z in list(zones):  # a corridor or radius is measured on the zone it is drawn around
            props = ctx.zones.zones[z].props
            if props.kind in ("corridor", "radius") and props.of:
                zones.update(ctx.zones.members(props.of))
        groups.setdefault(frozenset(zones), []).append(k)
    queues = list(groups.values())
    order: list[int] = []
    while queues:
        order.extend(queue.pop(0) for queue in queues)
        queues = [queue for queue in queues if queue]
    return order


@dataclass
class Part:
    """Findings of one clause for one party in one role: the event rows (-1 for a missed deadline).

    Per row: the certainty (``state``), the status as a code into ``STATUSES``, and which exemptions
    were considered as a code into ``exemption_words``: a handful of values over up to a million rows,
    written once each when rendered.
    """

    clause: CompiledClause
    party: str
    role: str
    rows: np.ndarray
    state: np.ndarray
    status_codes: np.ndarray
    exemption_codes: np.ndarray
    exemption_words: list[str]
    fulfilling: np.ndarray | None = None

    @property
    def status(self) -> np.ndarray:
        return np.array(STATUSES, dtype=object)[self.status_codes]

    @property
    def exemptions(self) -> np.ndarray:
        return np.array(self.exemption_words, dtype=object)[self.exemption_codes]


def _event_findings(cc: CompiledClause, ctx: Prepared, profile: Profile, alive: np.ndarray, state: np.ndarray,
                    outcome: np.ndarray, decided: np.ndarray, winners: list[str]) -> list[Part]:
    """Fan each surviving event out to the parties that answer for it, and in which role.

    ``outcome`` holds codes in ``OUTCOMES``, ``decided`` codes into ``winners``. Events are grouped by
    actor with one stable sort (in the order of the actor codes, each group in the order of events),
    not one scan per actor.
    """
    out: list[Part] = []
    if not len(alive):
        return out
    status = np.where(outcome == _CONFLICT, 2, (state == HOLDS).astype(np.int8)).astype(np.int8)  # in STATUSES
    codes, names = ctx.actor_codes()
    alive_codes = codes[alive]
    if len(names) < 2**15:
        alive_codes = alive_codes.astype(np.int16)  # a stable sort of 16-bit integers is a radix sort
    order = np.argsort(alive_codes, kind="stable")
    grouped = alive_codes[order]
    cuts = np.flatnonzero(grouped[1:] != grouped[:-1]) + 1
    for begin, end in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(order)].tolist(), strict=True):
        pairs = _answering(cc, ctx, profile, names[int(grouped[begin])])
        if not pairs:
            continue
        rows = order[begin:end]
        columns = alive[rows], state[rows], status[rows], decided[rows]
        for n, (party, role) in enumerate(pairs):
            # each part owns its arrays, as when each was gathered apart
            own = columns if n == 0 else tuple(c.copy() for c in columns)
            out.append(Part(cc, party, role, *own, winners))
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
    alive, state = run(clause_checks(cc, ctx, profile), everyone, ctx.cells())
    if len(alive) and (state == HOLDS).any():
        return []
    certain = np.int8(1 if len(alive) else 2)
    status = "possible" if len(alive) else "breach"
    return [Part(cc, o, "obligor", np.array([-1]), np.array([certain]), np.array([STATUSES.index(status)], np.int8),
                 np.zeros(1, dtype=np.int64), [""], alive) for o in sorted(cc.obligors)]


def _core(parts: list[Part], ctx: Prepared) -> pd.DataFrame:
    """The findings as integer columns, in their final order: event row, part, certainty, and the
    finding's index within its part.

    The order: chronological, then by event id, clause, role and party; the same whatever the log's
    order. It is made by counting, not by sorting the findings: each event's place in the order of
    (start, id) is known (``Prepared.event_order``, sorted while the log was coded), so each event gets a
    bucket, and the parts, taken in the order of (clause, role, party), fill the buckets in turn. A part
    names each event once, so a part never lands twice in one bucket. A missed deadline is dated a
    second before it, with no event id: it comes just before the events that start at or after that.
    """
    empty = {"row": np.zeros(0, np.int64), "part": np.zeros(0, np.int32),
             "state": np.zeros(0, np.int8), "position": np.zeros(0, _position_type(0))}
    if not parts:
        return pd.DataFrame(empty)
    _, rank = ctx.event_order()
    clause_rank = {k: i for i, k in enumerate(sorted({p.clause.key for p in parts}))}
    party_rank = {k: i for i, k in enumerate(sorted({p.party for p in parts}))}
    role_rank = {r: i for i, r in enumerate(ROLES)}
    ranked = sorted(range(len(parts)), key=lambda i: (
        clause_rank[parts[i].clause.key], role_rank[parts[i].role], party_rank[parts[i].party], i))
    # bucket 2k+1 holds the findings on the k-th event in order; bucket 2k the deadlines just before it
    deadlines = [i for i in ranked if len(parts[i].rows) and parts[i].rows[0] < 0]
    when = {i: parts[i].clause.deadline.seconds - 1 if parts[i].clause.deadline else 0 for i in deadlines}
    before = {w: int(np.count_nonzero(ctx.start < w)) for w in set(when.values())}  # events before each date
    buckets = [np.array([2 * before[when[i]]]) if i in when else 2 * rank[p.rows] + 1 for i, p in enumerate(parts)]
    total = sum(len(b) for b in buckets)
    small = np.int32 if 2 * ctx.n + 1 < 2**31 and total < 2**31 else np.int64  # half the bytes to move about
    fill = np.bincount(np.concatenate(buckets), minlength=2 * ctx.n + 1).astype(small)
    fill = np.cumsum(fill, dtype=small) - fill  # the first free place of each bucket
    places: list[np.ndarray] = [np.zeros(0, small)] * len(parts)
    # deadlines sharing a bucket come in the order of their dates
    for i in [*sorted(deadlines, key=lambda i: when[i]), *(i for i in ranked if i not in when)]:
        bucket = buckets[i]
        places[i] = fill[bucket]
        fill[bucket] = places[i] + 1
    # the findings, numbered part after part, to their places: then each column is read through it
    # (reading at random costs less than writing at random, and one such write is made, not four)
    flat = np.empty(total, small)
    flat[np.concatenate(places)] = np.arange(total, dtype=small)
    sizes = np.array([len(p.rows) for p in parts])
    part = np.repeat(np.arange(len(parts), dtype=np.int32), sizes)[flat]
    offset = (np.cumsum(sizes) - sizes).astype(small)
    return pd.DataFrame({"row": np.concatenate([p.rows for p in parts])[flat], "part": part,
                         "state": np.concatenate([p.state for p in parts])[flat],
                         "position": (flat - offset[part]).astype(_position_type(total))}, copy=False)


def _position_type(total: int) -> type:
    """A type for indices within a part that no other column has (pandas keeps columns of one type in one
    block, and would copy them together): unsigned 32 bits where they fit."""
    return np.uint32 if total < 2**32 else np.uint64
