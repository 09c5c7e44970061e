"""The engine: agreements, a profile and an event log in; findings and the accounting of every event out.

Pure: no printing, no files. Callers at the edges (CLI, tests, benchmarks) load the inputs and render
the outputs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
from compliance.engine.explanations import event_sentences, explain_part, result_explanation
from compliance.engine.parties import Registry
from compliance.loading.events import SetAside
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile
from compliance.vocabulary import CONFIDENCE, ROLES

FINDING_COLUMNS = (
    "event_id", "date", "agreement", "clause", "article", "party", "role", "confidence", "status",
    "explanation", "actor", "action", "location", "lat", "lon", "admin1", "target_type", "event_sources",
    "uncertain", "exemptions", "readings",
)


@dataclass
class Unresolved:
    event_id: str
    reason: str


@dataclass
class Outcome:
    """What the engine found, and what became of every event."""

    findings: pd.DataFrame
    profile: Profile
    read: int
    evaluated: int
    set_aside: list[SetAside] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    clauses: list[CompiledClause] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _confidence(attribution: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Attribution capped at "possible" where the date or place leaves the breach uncertain."""
    base = np.where(attribution == "unknown", "disputed", attribution).astype(object)
    cap = (state < HOLDS) & np.isin(base, ["confirmed", "probable"])
    return np.where(cap, "possible", base)


def evaluate(terms: Terms, table_frame: pd.DataFrame, profile: Profile, *, read: int | None = None,
             set_aside: list[SetAside] | None = None, period: tuple[int, int] | None = None) -> Outcome:
    """Evaluate every checkable clause over the whole log.

    ``period`` (epoch seconds) is the time the log is known to cover; by default, from its first event
    to its last. Duties of result are judged only where the period spans their deadline.
    """
    registry = Registry.build(terms.parties)
    ctx = Prepared.build(table_frame, registry, terms.zones)
    clauses = compile_clauses(terms, profile)
    everyone = np.arange(ctx.n)
    parts: list[dict[str, np.ndarray]] = []
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
        outcome, applied, _clashes = resolve_exemptions(cc, ctx, alive)
        for i in np.flatnonzero(outcome == CONFLICT):
            conflicts.append({"event_id": str(ctx.frame["id"].iat[alive[i]]), "clause": cc.key,
                              "exemptions": ", ".join(applied[i])})
        keep = outcome != EXEMPT
        applied = [a for a, k in zip(applied, keep, strict=True) if k]
        outcome, alive, state = outcome[keep], alive[keep], state[keep]
        parts.extend(_event_findings(cc, ctx, profile, alive, state, outcome, applied))
    findings = _assemble(parts, ctx, clauses, profile)
    unresolved = _unresolved(ctx)
    return Outcome(findings=findings, profile=profile, read=read if read is not None else ctx.n, evaluated=ctx.n,
                   set_aside=list(set_aside or []), unresolved=unresolved, conflicts=conflicts, clauses=clauses,
                   notes=notes)


def _event_findings(cc: CompiledClause, ctx: Prepared, profile: Profile, alive: np.ndarray, state: np.ndarray,
                    outcome: np.ndarray, applied: list[list[str]]) -> list[dict[str, np.ndarray]]:
    """Fan each surviving event out to the parties that answer for it, and in which role."""
    out: list[dict[str, np.ndarray]] = []
    if not len(alive):
        return out
    actors = ctx.actor[alive]
    status = np.where(outcome == CONFLICT, "contested", np.where(state == HOLDS, "breach", "possible"))
    exemptions = np.array([", ".join(a) for a in applied], dtype=object)
    for actor in sorted(set(actors.tolist())):
        rows = actors == actor
        for party, role in _answering(cc, ctx, profile, actor):
            out.append({
                "row": alive[rows], "state": state[rows], "status": status[rows], "party": party, "role": role,
                "clause": cc, "exemptions": exemptions[rows],
            })
    return out


def _answering(cc: CompiledClause, ctx: Prepared, profile: Profile, actor: str) -> list[tuple[str, str]]:
    reg = ctx.registry
    pairs: list[tuple[str, str]] = []
    if cc.kind == "prevent":
        own = reg.answering(actor, cc.obligors) if actor else None
        if own:
            return [(own, "actor")]
        return [(o, "obligor") for o in sorted(cc.obligors)]
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
    return (f"{cc.key} (a duty of result) was not checked: the log covers {_day_of(first)} to {_day_of(last - 1)}, "
            f"not its deadline ({cc.deadline.describe()})")


def _result_findings(cc: CompiledClause, ctx: Prepared, profile: Profile,
                     everyone: np.ndarray) -> list[dict[str, np.ndarray]]:
    """A duty of result: no fulfilling event by the deadline gives one finding per obligor, dated at it."""
    alive, state = run(clause_checks(cc, ctx, profile), everyone)
    if len(alive) and (state == HOLDS).any():
        return []
    status = "possible" if len(alive) else "breach"
    return [{"row": np.array([-1]), "state": np.array([1 if len(alive) else 2], dtype=np.int8),
             "status": np.array([status], dtype=object), "party": o, "role": "obligor", "clause": cc,
             "exemptions": np.array([""], dtype=object), "fulfilling": alive}
            for o in sorted(cc.obligors)]


def _assemble(parts: list[dict[str, np.ndarray]], ctx: Prepared, clauses: list[CompiledClause],
              profile: Profile) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    frame = ctx.frame
    columns: dict[str, list[np.ndarray]] = {c: [] for c in FINDING_COLUMNS}
    cache: dict[str, np.ndarray] = {}
    all_rows = np.concatenate([p["row"] for p in parts])
    sentences = event_sentences(ctx, all_rows)
    for part in parts:
        rows, cc = part["row"], part["clause"]
        n = len(rows)
        is_event = rows >= 0
        safe = np.where(is_event, rows, 0)

        def col(name: str, default: object = "", safe=safe, is_event=is_event, n=n) -> np.ndarray:
            if not len(frame):
                return np.full(n, default, dtype=object)
            if name not in cache:
                cache[name] = frame[name].to_numpy(dtype=object) if name in ("lat", "lon") else ctx.column(name)
            return np.where(is_event, cache[name][safe], default)

        deadline_day = _day_of(cc.deadline.seconds - 1) if cc.deadline else ""
        attribution = col("attribution", "probable")
        columns["event_id"].append(np.where(is_event, col("id"), None))
        columns["date"].append(np.where(is_event, col("date"), deadline_day))
        columns["agreement"].append(np.full(n, cc.agreement.id, dtype=object))
        columns["clause"].append(np.full(n, cc.key, dtype=object))
        columns["article"].append(np.full(n, cc.clause.article, dtype=object))
        columns["party"].append(np.full(n, part["party"], dtype=object))
        columns["role"].append(np.full(n, part["role"], dtype=object))
        columns["confidence"].append(_confidence(attribution, part["state"]))
        columns["status"].append(np.asarray(part["status"], dtype=object))
        columns["actor"].append(np.where(is_event, ctx.actor[safe] if len(frame) else "", ""))
        for name in ("action", "location", "lat", "lon", "admin1"):
            columns[name].append(col(name, None if name in ("lat", "lon") else ""))
        columns["target_type"].append(col("target_type"))
        columns["event_sources"].append(col("sources"))
        columns["exemptions"].append(np.asarray(part["exemptions"], dtype=object))
        columns["readings"].append(np.full(n, "; ".join(cc.readings()), dtype=object))
        if cc.kind == "result":
            text, doubt = result_explanation(cc, ctx, part["party"], part.get("fulfilling"))
            explanations, uncertain = np.array([text], dtype=object), np.array([doubt], dtype=object)
        else:
            explanations, uncertain = explain_part(cc, ctx, profile, rows, part["party"], part["role"],
                                                   part["state"], np.asarray(part["exemptions"], dtype=object),
                                                   sentences)
        columns["explanation"].append(explanations)
        columns["uncertain"].append(uncertain)
    out = pd.DataFrame({c: np.concatenate(v) if v else np.array([], dtype=object) for c, v in columns.items()})
    role_order = {r: i for i, r in enumerate(ROLES)}
    out["_role"] = out["role"].map(role_order)
    out["_event"] = out["event_id"].fillna("")
    out = out.sort_values(["date", "_event", "clause", "_role", "party"], kind="mergesort")
    out = out.drop(columns=["_role", "_event"]).reset_index(drop=True)
    assert set(out["confidence"].unique()) <= set(CONFIDENCE)
    return out


def _day_of(seconds: int) -> str:
    from compliance.engine.compile import LOCAL

    return dt.datetime.fromtimestamp(seconds, LOCAL).date().isoformat()


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
