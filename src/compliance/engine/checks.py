"""The conditions of a clause, each a vectorized test with words for "expected" and "actual".

One list of checks serves both the report (evaluated on ever fewer events, cheapest first, geometry
last) and ``compliance explain`` (every check evaluated on one event, to say which held and which
failed). There is no second copy of the matching logic to drift out of step.

Each check returns a tri-state per event: 2 holds, 1 possibly holds (within the stated precision of
a date or a place), 0 fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from compliance import vocabulary as v
from compliance.engine.compile import CompiledClause, CompiledExemption
from compliance.engine.context import ACTION_CODE, ATTRIBUTION_RANK, TARGET_CODE, WEAPON_BIT, Prepared, mask_of
from compliance.geometry.zones import EDGE, IN, OUT, band_state
from compliance.models.agreements import Conduct, Where
from compliance.models.profiles import Profile

HOLDS, MAYBE, FAILS = np.int8(2), np.int8(1), np.int8(0)


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    test: Callable[[np.ndarray], np.ndarray]
    actual: Callable[[int], str]
    # for a check that never "possibly" holds: whether it holds, as booleans (``test`` is 2 where this is
    # true, 0 elsewhere), so that ``run`` filters on it without making and folding tri-states
    holds: Callable[[np.ndarray], np.ndarray] | None = None
    # it reads only what ``Prepared.cells`` groups events by, so it can be decided once per cell
    categorical: bool = False


def _binary(name: str, expected: str, holds: Callable[[np.ndarray], np.ndarray],
            actual: Callable[[int], str]) -> Check:
    """A check of an event's categories (parties, action, target, attribution, weapons): holds or fails,
    never "possibly"."""
    return Check(name, expected, lambda idx: _tri(holds(idx)), actual, holds, categorical=True)


def _fmt_time(seconds: int) -> str:
    moment = dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def _tri(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, HOLDS, FAILS).astype(np.int8)


def _list(words) -> str:
    words = sorted(words)
    return ", ".join(words) if words else "(none)"


def _code_check(name: str, words: list[str], code_of: dict[str, int], codes: np.ndarray, column) -> Check:
    """"One of these words", tested as a lookup table on the column's integer codes (-1, unknown, is never wanted)."""
    wanted = np.zeros(len(code_of) + 1, dtype=bool)
    for word in words:
        wanted[code_of[word]] = True
    return _binary(name, f"one of {_list(words)}", lambda idx: wanted[codes[idx]],
                   lambda i: str(column.iat[i]) or "(none)")


def conduct_checks(conduct: Conduct | None, ctx: Prepared, label: str = "") -> list[Check]:
    checks: list[Check] = []
    if conduct is None:
        return checks
    frame = ctx.frame
    if conduct.actions:
        checks.append(_code_check(f"{label}action", conduct.actions, ACTION_CODE, ctx.action, frame["action"]))
    if conduct.weapons:
        bits = mask_of(conduct.weapons, WEAPON_BIT)
        checks.append(_binary(f"{label}weapons", f"any of {_list(conduct.weapons)}",
                              lambda idx, b=bits: (ctx.weapons[idx] & b) != 0,
                              lambda i: str(frame["weapons"].iat[i]).replace(";", ", ") or "(none)"))
    if conduct.targets:
        checks.append(_code_check(f"{label}target", conduct.targets, TARGET_CODE, ctx.target, frame["target_type"]))
    if conduct.target_parties:
        tp_codes, tp_names = ctx.target_party_codes()
        wanted_parties = np.array([n in conduct.target_parties for n in tp_names] or [False])
        checks.append(_binary(f"{label}target party", f"one of {_list(conduct.target_parties)}",
                              lambda idx, w=wanted_parties: w[tp_codes[idx]],
                              lambda i: ctx.target_party[i] or "(none)"))
    return checks


def actor_check(name: str, bound: set[str], ctx: Prepared, expected: str) -> Check:
    """The event's actor is, or is commanded by, one of ``bound`` (resolved on distinct actors)."""
    codes_, names = ctx.actor_codes()
    table = np.array([bool(a) and ctx.registry.answering(a, bound) is not None for a in names] or [False])

    def holds(idx: np.ndarray) -> np.ndarray:
        return table[codes_[idx]]

    def actual(i: int) -> str:
        raw = str(ctx.frame["actor"].iat[i])
        if not ctx.actor[i]:
            return f"unresolved ('{raw}')" if raw else "unknown"
        return ctx.actor[i] if raw == ctx.actor[i] else f"{ctx.actor[i]} ('{raw}')"

    return _binary(name, expected, holds, actual)


def attribution_check(profile: Profile, ctx: Prepared) -> Check:
    least = ATTRIBUTION_RANK[profile.min_attribution]
    counted = [a for a in v.ATTRIBUTION if ATTRIBUTION_RANK[a] >= least]
    return _binary("attribution", f"{profile.min_attribution} or stronger ({', '.join(counted)})",
                   lambda idx: ctx.attribution[idx] >= least, lambda i: str(ctx.frame["attribution"].iat[i]))


def time_check(cc: CompiledClause, ctx: Prepared, name: str = "time") -> Check:
    start = cc.start.seconds if cc.start else -(2**62)
    end = cc.end.seconds if cc.end else 2**62
    opening = cc.start.describe() if cc.start else "the beginning"
    closing = cc.end.describe() if cc.end else "open-ended"
    expected = f"from {opening} until {closing}"

    def test(idx: np.ndarray) -> np.ndarray:
        s, e = ctx.start[idx], ctx.end[idx]
        inside = (s >= start) & (e <= end)
        overlap = (s < end) & (e > start)
        return np.where(inside, HOLDS, np.where(overlap, MAYBE, FAILS)).astype(np.int8)

    def actual(i: int) -> str:
        date, date_end = str(ctx.frame["date"].iat[i]), str(ctx.frame["date_end"].iat[i])
        return f"{date}..{date_end}" if date_end else date

    return Check(name, expected, test, actual)


def _zone_state(ctx: Prepared, zid: str, idx: np.ndarray, profile: Profile) -> np.ndarray:
    state = ctx.membership(zid, idx)
    zone = ctx.zones.zones[zid]
    taken = zone.props.taken
    if profile.overrun_zones == "lapsed" and taken is not None and taken.date is not None:
        from compliance.engine.compile import resolve

        cut = resolve(taken.date, zid, profile, closing=False)
        assert cut is not None
        after = ctx.start[idx] >= cut.seconds
        straddles = (ctx.start[idx] < cut.seconds) & (ctx.end[idx] > cut.seconds)
        state = np.where(after, OUT, np.where(straddles & (state == IN), EDGE, state)).astype(np.int8)
    return state


def where_checks(where: Where, ctx: Prepared, profile: Profile) -> list[Check]:
    checks: list[Check] = []
    zones = ctx.zones
    if where.inside:
        members = [m for ref in where.inside for m in zones.members(ref)]

        def inside(idx: np.ndarray, members=members) -> np.ndarray:
            state = np.zeros(len(idx), dtype=np.int8)
            for zid in members:
                state = np.maximum(state, _zone_state(ctx, zid, idx, profile))
            return state

        def inside_actual(i: int, members=members) -> str:
            idx = np.array([i])
            states = {z: int(_zone_state(ctx, z, idx, profile)[0]) for z in members}
            ins = [z for z, s in states.items() if s == IN]
            edge = [z for z, s in states.items() if s == EDGE]
            if ins:
                return f"inside {', '.join(ins)}"
            if edge:
                return f"near the edge of {', '.join(edge)} (within the stated precision)"
            d = ctx.distance_km(list(where.inside), idx)[0]
            return f"outside, {d:.1f} km from the nearest" if np.isfinite(d) else "outside"

        checks.append(Check("place", f"inside {_list(where.inside)}", inside, inside_actual))
    if where.within_km is not None:
        refs, km = list(where.within_km.of), where.within_km.km

        def within(idx: np.ndarray) -> np.ndarray:
            out = np.zeros(len(idx), dtype=np.int8)
            if not len(idx):
                return out
            x, y = ctx.xy_at(idx)
            for ref in refs:
                for zid in zones.members(ref):
                    tol = ctx.precision[idx] + zones.zones[zid].props.precision_km
                    with ctx.lock("zone " + zid):  # the zone's geometry: one thread at a time
                        near = np.flatnonzero(zones.zones[zid].near(x, y, km + float(tol.max())))
                    d = ctx.zone_distance(zid, idx[near])
                    out[near] = np.maximum(out[near], band_state(d, km, tol[near]))
            return out

        def within_actual(i: int) -> str:
            d = ctx.distance_km(refs, np.array([i]))[0]
            return f"{d:.1f} km away"

        checks.append(Check("distance", f"within {km:g} km of {_list(refs)}", within, within_actual))
    if where.outside:
        members = [m for ref in where.outside for m in zones.members(ref)]

        def outside(idx: np.ndarray, members=members) -> np.ndarray:
            state = np.zeros(len(idx), dtype=np.int8)
            for zid in members:
                state = np.maximum(state, _zone_state(ctx, zid, idx, profile))
            return (2 - state).astype(np.int8)

        checks.append(Check("outside", f"outside {_list(where.outside)}", outside,
                            lambda i: "outside" if outside(np.array([i]))[0] == HOLDS else "inside or near"))
    return checks


def exemption_condition(ex: CompiledExemption, ctx: Prepared) -> list[Check]:
    cond = ex.condition
    checks = conduct_checks(Conduct(actions=cond.actions, weapons=cond.weapons, targets=cond.target_types,
                                    target_parties=cond.target_parties), ctx, label=f"{ex.id}: ")
    if cond.actors:
        checks.insert(0, actor_check(f"{ex.id}: actor", set(cond.actors), ctx, f"one of {_list(cond.actors)}"))
    return checks


def clause_checks(cc: CompiledClause, ctx: Prepared, profile: Profile) -> list[Check]:
    """The checks of one clause, cheapest first, geometry last."""
    checks: list[Check] = []
    if cc.kind == "prohibition":
        checks.append(actor_check("actor", cc.actors, ctx, f"a party bound as actor: {_list(cc.actors)}"))
    elif cc.kind == "prevent":
        watched = cc.by | cc.obligors
        checks.append(actor_check("actor", watched, ctx, f"one of {_list(watched)}"))
    elif cc.by:
        checks.append(actor_check("actor", cc.by, ctx, f"one of {_list(cc.by)}"))
    checks.extend(conduct_checks(cc.conduct, ctx))
    if cc.kind in ("prohibition", "prevent") or cc.by:
        checks.append(attribution_check(profile, ctx))
    checks.append(time_check(cc, ctx, "time" if cc.kind != "deadline" else "after deadline"))
    checks.extend(where_checks(cc.where, ctx, profile))
    return checks


def run(checks: list[Check], idx: np.ndarray,
        cells: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate checks on ever fewer events; return the survivors and their combined state (1 or 2).

    With ``cells`` (``Prepared.cells``), consecutive categorical checks are decided once per cell and
    applied together with one lookup. The state is the least of the checks' results; until some
    check says "possibly", it is "holds" for every survivor and is not carried along.
    """
    state: np.ndarray | None = None
    alive = idx
    i = 0
    while i < len(checks) and len(alive):
        check = checks[i]
        if cells is not None and check.categorical:
            cell, first = cells
            ok = np.ones(len(first), dtype=bool)
            while i < len(checks) and checks[i].categorical:
                ok &= checks[i].holds(first)
                i += 1
            if state is None and _whole(alive, len(cell)):  # every event: no gathering of the survivors
                alive = np.flatnonzero(ok[cell])
                continue
            keep = ok[cell[alive]]
        elif check.holds is not None:
            keep = check.holds(alive)
            i += 1
        else:
            result = check.test(alive)
            keep = result > FAILS
            alive = alive[keep]
            state = result[keep] if state is None else np.minimum(state[keep], result[keep])
            i += 1
            continue
        alive = alive[keep]
        state = None if state is None else state[keep]
    if state is None:
        state = np.full(len(alive), HOLDS, dtype=np.int8)
    return alive, state


def _whole(idx: np.ndarray, n: int) -> bool:
    """Whether ``idx`` is every row, in order (as ``evaluate`` passes the log): 0, 1, ..., n - 1."""
    return len(idx) == n and (n == 0 or (int(idx[0]) == 0 and int(idx[-1]) == n - 1 and bool(
        np.all(idx[1:] > idx[:-1]))))


EXEMPT, BREACH, CONFLICT = "exempt", "breach", "conflict"
OUTCOMES = (BREACH, EXEMPT, CONFLICT)  # an outcome's code is its index here


def exemption_outcomes(cc: CompiledClause, ctx: Prepared, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The outcome of the exemptions for each event, as its code in ``OUTCOMES`` (breach, exempt or
    conflict), and which exemptions decided it, as a code into the distinct lists of them (``""``: none).

    The one evaluation path for every exemption: the applicable ones are found; any overridden by
    another applicable one drops out (the more specific wins); an exemption counts only if it
    overrides the clause itself or an exemption that applies. If the remaining ones disagree, that
    is a conflict, reported, never guessed. Conditions on an event's categories only (as all of them
    are) are decided once per cell of events (``Prepared.cells``), and so is the resolution; events
    read theirs with one lookup.
    """
    if not cc.exemptions or not len(idx):
        return np.zeros(len(idx), dtype=np.int8), np.zeros(len(idx), dtype=np.int64), [""]
    conditions = [exemption_condition(ex, ctx) for ex in cc.exemptions]
    per_cell = all(check.categorical for checks in conditions for check in checks)
    cell, first = ctx.cells() if per_cell else (None, idx)
    masks = np.zeros(len(first), dtype=np.int64)
    for bit, checks in enumerate(conditions):
        applies = np.ones(len(first), dtype=bool)
        for check in checks:
            applies &= check.holds(first) if check.holds is not None else check.test(first) == HOLDS
        masks |= np.where(applies, np.int64(1) << bit, 0)
    values, inverse = np.unique(masks, return_inverse=True)
    effects = np.empty(len(values), dtype=np.int8)
    winners: list[str] = []
    for k, value in enumerate(values):
        active = [ex for bit, ex in enumerate(cc.exemptions) if value & (np.int64(1) << bit)]
        effect, decided = _resolve(cc.clause.id, active)
        effects[k] = OUTCOMES.index(effect)
        winners.append(", ".join(decided))
    if cell is not None:
        inverse = inverse[cell[idx]]
    return effects[inverse], inverse.astype(np.int64).reshape(-1), winners


def _resolve(clause_id: str, active: list[CompiledExemption]) -> tuple[str, list[str]]:
    # relevant: applicable exemptions that bear on the clause, directly or through a chain of
    # applicable exemptions that do
    relevant = {e.id for e in active if clause_id in e.overrides}
    changed = True
    while changed:
        changed = False
        for e in active:
            if e.id not in relevant and e.overrides & relevant:
                relevant.add(e.id)
                changed = True
    defeated = {target for e in active if e.id in relevant for target in e.overrides if target in relevant}
    winners = [e for e in active if e.id in relevant and e.id not in defeated]
    if not winners:
        return BREACH, []
    effects = {e.exemption.effect for e in winners}
    names = [e.id for e in winners]
    if len(effects) > 1:
        return CONFLICT, names
    return (EXEMPT if effects == {"exempt"} else BREACH), names
