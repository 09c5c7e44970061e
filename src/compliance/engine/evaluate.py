"""The engine: agreements, a profile and an event log in; findings and the accounting of every event out.

Pure: no printing, no files. Callers at the edges (CLI, tests, benchmarks) load the inputs and render
the outputs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
from compliance.engine.context import Prepared
from compliance.engine.findings import Coded, day_of, materialize
from compliance.engine.parties import Registry
from compliance.loading.events import SetAside
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile
from compliance.vocabulary import ROLES

_EXEMPT, _CONFLICT = OUTCOMES.index(EXEMPT), OUTCOMES.index(CONFLICT)
THREADS = 2
"""Clauses evaluated side by side (the machines this runs on have two cores or more)."""


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

    @cached_property
    def coded(self) -> Coded:
        """The findings' columns as codes into their distinct values (see ``findings.Coded``)."""
        return Coded(self)


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
    ctx.cells()  # shared by every clause: made before the clauses run side by side

    def one(cc: CompiledClause) -> tuple[list[Part], list[dict[str, str]], str | None]:
        if cc.kind == "result":
            gap = _coverage_gap(cc, ctx, period)
            return ([], [], gap) if gap else (_result_findings(cc, ctx, profile, everyone), [], None)
        alive, state = run(clause_checks(cc, ctx, profile), everyone, ctx.cells())
        if not len(alive):
            return [], [], None
        outcome, decided = exemption_outcomes(cc, ctx, alive)
        contested = np.flatnonzero(outcome == _CONFLICT)
        ids = ctx.column_at("id", alive[contested])
        conflicts = [{"event_id": str(ident), "clause": cc.key, "exemptions": str(decided[i])}
                     for i, ident in zip(contested, ids, strict=True)]
        keep = outcome != _EXEMPT
        found = _event_findings(cc, ctx, profile, alive[keep], state[keep], outcome[keep], decided[keep])
        return found, conflicts, None

    parts: list[Part] = []
    conflicts: list[dict[str, str]] = []
    notes: list[str] = []
    # clauses are independent given the prepared log; most of their work (numpy, shapely, pyproj) runs
    # outside the interpreter's lock, so two threads use both cores. Results are taken in clause order.
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="clause") as pool:
        pool.submit(ctx.id_rank)  # the order of findings needs it; an Arrow sort, done meanwhile
        futures = {k: pool.submit(one, clauses[k]) for k in _interleaved(clauses, ctx)}
        unresolved = pool.submit(_unresolved, ctx)
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
        zones = frozenset(z for ref in refs for z in ctx.zones.members(ref))
        groups.setdefault(zones, []).append(k)
    queues = list(groups.values())
    order: list[int] = []
    while queues:
        order.extend(queue.pop(0) for queue in queues)
        queues = [queue for queue in queues if queue]
    return order


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
    """Fan each surviving event out to the parties that answer for it, and in which role.

    ``outcome`` holds codes in ``OUTCOMES``. Events are grouped by actor with one stable sort (in
    the order of the actor codes, each group in the order of events), not one scan per actor.
    """
    out: list[Part] = []
    if not len(alive):
        return out
    # statuses as references to three shared strings, not one string made per row
    words = np.array(["possible", "breach", "contested"], dtype=object)
    status = words[np.where(outcome == _CONFLICT, 2, (state == HOLDS).astype(np.intp))]
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
            out.append(Part(cc, party, role, *own))
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
    """Chronological, then by event id, clause, role and party: the same order whatever the log's order.

    Where they fit (they nearly always do), the keys are packed into one integer, with the parts ranked
    by clause, role and party and, among equals, by their own order (as ``lexsort`` keeps it). No two
    findings then share a key (a part names each event once), so an unstable sort gives the same order,
    and one sort of a million integers is several times cheaper than a sort on five columns.
    """
    when = np.where(rows >= 0, ctx.start[np.where(rows >= 0, rows, 0)] if ctx.n else 0,
                    np.repeat([(p.clause.deadline.seconds - 1) if p.clause.deadline else 0 for p in parts], sizes))
    id_rank = np.where(rows >= 0, ctx.id_rank()[np.where(rows >= 0, rows, 0)] if ctx.n else 0, -1)
    clause_rank = {k: i for i, k in enumerate(sorted({p.clause.key for p in parts}))}
    party_rank = {k: i for i, k in enumerate(sorted({p.party for p in parts}))}
    role_rank = {r: i for i, r in enumerate(ROLES)}
    keys = [(clause_rank[p.clause.key], role_rank[p.role], party_rank[p.party]) for p in parts]
    first, last = (int(when.min()), int(when.max())) if len(when) else (0, 0)
    id_bits, part_bits = (ctx.n + 1).bit_length(), max(len(parts) - 1, 0).bit_length()
    if (last - first).bit_length() + id_bits + part_bits <= 62:
        part_rank = np.empty(len(parts), dtype=np.int64)
        part_rank[sorted(range(len(parts)), key=lambda i: (keys[i], i))] = np.arange(len(parts))
        packed = ((when - first) << (id_bits + part_bits)) | ((id_rank + 1) << part_bits) | np.repeat(part_rank, sizes)
        return np.argsort(packed)
    clause, role, party = (np.repeat([k[j] for k in keys], sizes) for j in range(3))
    return np.lexsort((party, role, clause, id_rank, when))


def _unresolved(ctx: Prepared) -> list[Unresolved]:
    """Events whose actor names no party: still evaluated for what needs no actor, and listed with why.

    Worked column-wise: a log names few distinct (actor, note, involved) triples however many events
    lack a party, so each reason is written once per triple, not once per event.
    """
    codes, names = ctx.actor_codes()
    missing = np.flatnonzero(np.array([not n for n in names] or [False])[codes]) if ctx.n else np.zeros(0, np.int64)
    if not len(missing):
        return []
    frame = ctx.frame
    ids = frame["id"].iloc[missing].to_numpy(dtype=object)
    plain = pd.api.types.infer_dtype(ids, skipna=False) == "string" and "\x00" not in "".join(ids)
    if plain:
        # as ``astype(str)`` reads them, and ordered as text already by ``id_rank`` (which reads them alike)
        order = np.argsort(ctx.id_rank()[missing])
    else:  # missing ids or NUL characters: ``astype(str)`` writes and trims them, and they are sorted as such
        ids = ids.astype(str)
        order = _text_order(ids)
    columns: list[tuple[np.ndarray, list[str]]] = []
    for column in ("actor", "attribution_note", "involved"):
        inverse, uniques = pd.factorize(frame[column].iloc[missing], use_na_sentinel=False)
        # the text each value had as ``astype(str)`` of the object column (NA reads "<NA>")
        columns.append((inverse, [str(t).strip() for t in np.array(list(uniques), dtype=object).astype(str)]))
    key = columns[0][0].astype(np.int64)
    for inverse, uniques in columns[1:]:
        key = pd.factorize(key * max(len(uniques), 1) + inverse)[0].astype(np.int64)  # kept dense: no overflow
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    reasons = np.empty(len(first), dtype=object)
    for k, row in enumerate(first.tolist()):
        name, note, inv = (texts[int(codes_[row])] for codes_, texts in columns)
        if name:
            reason = f"actor '{name}' matches no party or alias in the registry"
        else:
            reason = "actor unknown" + (f": {note}" if note else "")
        if inv:
            reason += f" (involved: {inv.replace(';', ', ')})"
        reasons[k] = reason
    with _no_cyclic_gc():  # records hold only strings: no cycles for the collector to find
        return list(map(Unresolved, ids[order].tolist(), reasons[inverse][order].tolist()))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector while making many small acyclic objects.

    Every few hundred new objects it would rescan the young heap, and each time enough survive, the
    whole heap; over a hundred thousand records that costs several times their making.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text_order(texts: np.ndarray) -> np.ndarray:
    """The stable order of ``sorted`` on strings: by code point, as UTF-8 bytes sort, done by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = texts.tolist()
    try:
        return pc.sort_indices(pa.array(values, type=pa.large_string())).to_numpy()
    except (pa.ArrowException, UnicodeError):  # text UTF-8 cannot carry (lone surrogates): Python sorts it
        return np.array(sorted(range(len(values)), key=values.__getitem__), dtype=np.int64)
