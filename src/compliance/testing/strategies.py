"""Hypothesis strategies for parties, zones, agreements, profiles, events and whole logs.

Everything is built from the vocabulary (:mod:`compliance.vocabulary`) and from geometry by
construction, never by generating random data and filtering it: an event "inside a zone" is drawn
from the region where it is inside with a margin, an event "after the window" is dated after it with
a margin, a "bound" actor is picked among the parties a clause answers for. See the package docstring
(:mod:`compliance.testing`) for a walk-through.

Example (a property of your own agreement, with the project's terms)::

    from hypothesis import given
    from compliance.engine.evaluate import evaluate
    from compliance.loading.events import events_frame
    from compliance.testing import events

    @given(events(TERMS, clause="sochi-2018/no-attacks-on-idlib", inside=False, profile=PROFILE))
    def test_attacks_outside_idlib_never_breach(event):
        findings = evaluate(TERMS, events_frame([event]), PROFILE).findings
        assert not (findings["clause"] == "sochi-2018/no-attacks-on-idlib").any()
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from compliance import vocabulary as v
from compliance.geometry.zones import Zone, ZoneSet
from compliance.loading.terms import Terms
from compliance.models.agreements import (
    Agreement,
    Binding,
    Clause,
    Condition,
    Conduct,
    Deadline,
    Exemption,
    Guarantee,
    NoRule,
    Prevent,
    Prohibition,
    Result,
    ScopeOption,
    ScopeReadings,
    Signatory,
    Signed,
    When,
    Where,
    WithinKm,
)
from compliance.models.common import DatedNote, Reading, Readings, Source
from compliance.models.events import Casualties, Event, Location, Target
from compliance.models.parties import Party
from compliance.models.profiles import Profile
from compliance.models.zones import ZoneProperties
from compliance.testing import geometry as g
from compliance.testing.timing import DAY, DST_DAYS, SECOND, Window, clause_window, local_day, local_midnight

PARTY_IDS: tuple[str, ...] = (
    "syria-gov", "russia", "turkey", "iran", "iran-backed-militias", "armed-opposition", "hts", "hurras-al-din",
    "isis", "sdf",
)
"""The party ids of shared/contracts.md."""

LISTED = frozenset({"hts", "hurras-al-din", "isis"})
RULE_KINDS: tuple[str, ...] = ("prohibition", "deadline", "result", "prevent", "none")
TIMINGS: tuple[str, ...] = ("before", "inside", "after", "straddle")
UNRESOLVED_NAMES: tuple[str, ...] = ("unidentified gunmen", "Unknown armed group")

FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
OFFSETS = (dt.timezone(dt.timedelta(hours=3)), dt.timezone(dt.timedelta(hours=2)), dt.UTC,
           dt.timezone(dt.timedelta(hours=-5)))
EVENT_PRECISIONS_KM = (0.0, 0.0, 0.5, 1.0, 2.0, 3.0)
ZONE_PRECISIONS_KM = (0.0, 0.0, 0.5, 1.0, 2.0)
SOURCE = Source(name="compliance.testing")


# -- cheap draws -----------------------------------------------------------------------------------------
#
# Building a new Hypothesis strategy object for every draw (st.lists(st.sampled_from(...)) inside a loop)
# costs far more than the draw itself; these helpers draw from a few cached integer strategies instead.
# Every choice shrinks toward the first option, every chance toward "no".

_INTS: dict[tuple[int, int], st.SearchStrategy[int]] = {}
_UNIT = st.floats(0, 1, allow_nan=False)


def _int(draw, low: int, high: int) -> int:
    if high <= low:
        return low
    strategy = _INTS.get((low, high))
    if strategy is None:
        strategy = _INTS[(low, high)] = st.integers(low, high)
    return draw(strategy)


def _pick(draw, options: Any) -> Any:
    options = options if isinstance(options, list | tuple) else list(options)
    return options[_int(draw, 0, len(options) - 1)]


def _chance(draw, one_in: int = 2) -> bool:
    """True once in ``one_in`` draws; shrinks to False."""
    return _int(draw, 0, one_in - 1) == one_in - 1


def _subset(draw, options: Iterable[Any], low: int = 0, high: int = 2) -> list[Any]:
    pool = list(options)
    out = []
    for _ in range(_int(draw, min(low, len(pool)), min(high, len(pool)))):
        out.append(pool.pop(_int(draw, 0, len(pool) - 1)))
    return out


def _unit(draw) -> float:
    return draw(_UNIT)


# -- small pieces ----------------------------------------------------------------------------------------


def _day(draw, low: dt.date = FIRST_DAY, high: dt.date = LAST_DAY) -> dt.date:
    if _chance(draw, 4):
        dst = [d for d in DST_DAYS if low <= d <= high]
        if dst:
            return _pick(draw, dst)
    return low + dt.timedelta(days=_int(draw, 0, (high - low).days))


def days(min_value: dt.date = FIRST_DAY, max_value: dt.date = LAST_DAY) -> st.SearchStrategy[dt.date]:
    """Calendar days, with the days Syria's clocks changed drawn often (they are the edge cases)."""
    return st.composite(lambda draw: _day(draw, min_value, max_value))()


def _moment(draw, day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, _int(draw, 0, 23), _pick(draw, (0, 1, 30, 59)),
                       tzinfo=_pick(draw, OFFSETS))


def moments(day: dt.date | None = None) -> st.SearchStrategy[dt.datetime]:
    """A moment with its UTC offset (as written in files: ``2020-01-09T14:00+03:00``)."""
    return st.composite(lambda draw: _moment(draw, day or _day(draw)))()


def _dated(draw, day: dt.date, readings_id: str | None = None, spread_days: int = 20) -> Any:
    choice = _pick(draw, ["date", "date", "moment", "readings"] if readings_id else ["date", "date", "moment"])
    if choice == "date":
        return day
    if choice == "moment":
        return _moment(draw, day)
    readings = []
    for i in range(_int(draw, 2, 3)):
        when = day + dt.timedelta(days=_int(draw, 0, spread_days))
        readings.append(Reading(id=f"r{i}", at=_moment(draw, when) if _chance(draw) else when))
    chosen = Readings(id=readings_id, use=_pick(draw, [r.id for r in readings]), readings=readings)
    # as a mapping: the models' Dated discriminator tells readings from a moment by "is it a dict"
    return chosen.model_dump(by_alias=True, exclude_none=True)


def dated(day: dt.date, *, readings_id: str | None = None, spread_days: int = 20) -> st.SearchStrategy[Any]:
    """A ``Dated`` value near ``day``: the date, a moment that day, or readings (if ``readings_id``).

    Readings come as the mapping a file would hold, which is what the models accept for them.
    """
    return st.composite(lambda draw: _dated(draw, day, readings_id, spread_days))()


def _name(pid: str) -> str:
    return pid.replace("-", " ").title() + " forces"


def _parties(draw, ids: Iterable[str] = PARTY_IDS) -> dict[str, Party]:
    ids = list(ids)
    order = _subset(draw, ids, len(ids), len(ids))
    out: dict[str, Party] = {}
    for i, pid in enumerate(order):
        later = order[i + 1:]
        commands = _subset(draw, later, 1, 2) if later and _chance(draw, 4) else []
        kind = "listed-group" if pid in LISTED else _pick(draw, ["state", "militia", "opposition", "other"])
        out[pid] = Party(id=pid, name=_name(pid), kind=kind, aliases=[f"{pid} alias", f"{pid} unit*"],
                         commands=commands, listed=pid in LISTED)
    return {pid: out[pid] for pid in ids}


def parties(ids: Iterable[str] = PARTY_IDS) -> st.SearchStrategy[dict[str, Party]]:
    """A party registry over ``ids`` (default: the contracts' ids), with aliases and a random command tree.

    Each party has a name, an exact alias and a prefix alias (``"<id> unit*"``); the command relation is
    acyclic by construction (a party only commands parties later in a drawn order).
    """
    return st.composite(lambda draw: _parties(draw, ids))()


def _actor_name(draw, party: Party) -> str:
    if not _chance(draw, 2):
        return party.id
    exact = [a for a in party.aliases if not a.endswith("*")]
    units = [a[:-1] + suffix for a in party.aliases if a.endswith("*") for suffix in ("4", "4th Division")]
    return _pick(draw, [party.name, party.name.upper(), *exact, *(a.title() for a in exact), *units])


def actor_names(party: Party) -> st.SearchStrategy[str]:
    """Names an event may give for ``party``: its id, name, an alias in any case, a unit of it."""
    return st.composite(lambda draw: _actor_name(draw, party))()


# -- zones -----------------------------------------------------------------------------------------------


def _props(zone_id: str, kind: str, precision: float, groups: list[str], **extra: Any) -> ZoneProperties:
    return ZoneProperties(id=zone_id, name=f"Generated {kind} {zone_id}", kind=kind, groups=groups,
                          basis="drawn by compliance.testing", approximate=precision > 0, precision_km=precision,
                          sources=["compliance.testing"], **extra)


def _zones(draw, min_families: int = 1, max_families: int = 4, kinds: Iterable[str] = ("area", "line", "point"),
           groups: bool = True, taken: bool = True) -> ZoneSet:
    n = _int(draw, min_families, max_families)
    cells = _subset(draw, range(g.CELLS), n, n)
    kinds = list(kinds)
    out: dict[str, Zone] = {}

    def group_list() -> list[str]:
        return [_pick(draw, ["group-a", "group-b"])] if groups and _chance(draw, 3) else []

    def taken_note() -> DatedNote | None:
        return DatedNote(date=_day(draw, dt.date(2016, 1, 1), dt.date(2022, 12, 31))) \
            if taken and _chance(draw, 5) else None

    for i, cell in enumerate(cells):
        cx, cy = g.cell_centre(cell)
        cx += _int(draw, -5, 5) * 1000.0
        cy += _int(draw, -5, 5) * 1000.0
        family = _pick(draw, kinds)
        zid = f"zone-{i}"
        precision = _pick(draw, ZONE_PRECISIONS_KM)
        if family == "area":
            if _chance(draw):
                shape = g.star(cx, cy, [float(_int(draw, 6, 15)) for _ in range(_int(draw, 5, 9))],
                               math.radians(_int(draw, 0, 90)))
            else:
                shape = g.rectangle(cx, cy, _int(draw, 8, 15), _int(draw, 8, 15), math.radians(_int(draw, 0, 89)))
            out[zid] = Zone(_props(zid, "area", precision, group_list(), taken=taken_note()), g.to_wgs84(shape),
                            "generated.geojson")
            continue
        if family == "line":
            shape = g.polyline(cx, cy, _int(draw, 6, 18), [float(_int(draw, -6, 6)) for _ in range(_int(draw, 2, 4))],
                               math.radians(_int(draw, 0, 179)))
        else:
            spots = sorted({(float(_int(draw, -6, 6)), float(_int(draw, -6, 6))) for _ in range(_int(draw, 1, 3))})
            shape = g.points(cx, cy, spots)
        out[zid] = Zone(_props(zid, family, precision, group_list()), g.to_wgs84(shape), "generated.geojson")
        derived = "corridor" if family == "line" else "radius"
        for j in range(_int(draw, 0, 2)):
            distance = float(_int(draw, 2, 8))
            did = f"{zid}-{'band' if derived == 'corridor' else 'ring'}{j}"
            drawn = g.to_wgs84(shape.buffer(distance * 1000, quad_segs=8))
            out[did] = Zone(_props(did, derived, _pick(draw, ZONE_PRECISIONS_KM), group_list(), of=zid,
                                   distance_km=distance, taken=taken_note()), drawn, "generated.geojson")
    return ZoneSet(out)


def zones(min_families: int = 1, max_families: int = 4, *, kinds: Iterable[str] = ("area", "line", "point"),
          groups: bool = True, taken: bool = True) -> st.SearchStrategy[ZoneSet]:
    """A small :class:`ZoneSet` of synthetic zones in Syria, one family per cell of an 80 km grid.

    A family is an ``area`` (a rotated rectangle or a star-shaped, possibly concave polygon), a ``line``
    (with, sometimes, ``corridor`` zones around it) or a ``point`` (or several, with, sometimes, ``radius``
    zones around them). Zones are ``zone-<n>``, derived ones ``zone-<n>-band<j>``/``zone-<n>-ring<j>``;
    some join the groups ``group-a``/``group-b``; some have a ``taken`` date (for ``overrun_zones: lapsed``).
    Families never come within 20 km of each other.
    """
    return st.composite(lambda draw: _zones(draw, min_families, max_families, kinds, groups, taken))()


def zone(zone_id: str = "zone-0", kind: str = "area") -> st.SearchStrategy[Zone]:
    """One synthetic zone of ``kind`` (``area``, ``line`` or ``point``) named ``zone_id``."""
    return zones(1, 1, kinds=[kind], groups=False, taken=False).map(
        lambda zs: Zone(zs.zones["zone-0"].props.model_copy(update={"id": zone_id}), zs.zones["zone-0"].geometry,
                        "generated.geojson"))


def zone_refs(zs: ZoneSet) -> list[str]:
    """Every id a rule may name: zones and groups."""
    return zs.all_ids()


# -- rules, clauses, agreements --------------------------------------------------------------------------


def _conduct(draw, party_ids: list[str], allow_empty: bool = True) -> Conduct:
    return Conduct(actions=_subset(draw, v.ACTIONS, 0 if allow_empty else 1, 3),
                   weapons=_subset(draw, v.WEAPONS, 1, 2) if _chance(draw) else [],
                   targets=_subset(draw, v.TARGET_TYPES, 1, 2) if _chance(draw) else [],
                   target_parties=_subset(draw, party_ids, 1, 2) if party_ids and _chance(draw, 4) else [])


def conducts(party_ids: Iterable[str] = PARTY_IDS, *, allow_empty: bool = True) -> st.SearchStrategy[Conduct]:
    """Conduct: a few actions, sometimes weapons, target types and target parties (each "any of")."""
    return st.composite(lambda draw: _conduct(draw, sorted(party_ids), allow_empty))()


def _where(draw, zs: ZoneSet) -> Where:
    refs = zone_refs(zs)
    if not refs or _chance(draw, 4):
        return Where()
    if _chance(draw, 4):  # anything, however incoherent (a place no event can satisfy is a fine rule too)
        near = refs
    else:  # mostly one family: a zone, the corridors or radii around it, their groups
        family = _pick(draw, sorted({z.split("-")[1] for z in zs.zones}))
        members = [z for z in zs.zones if z.split("-")[1] == family]
        near = sorted({*members, *(grp for z in members for grp in zs.zones[z].props.groups)})
    inside = _subset(draw, near, 0, 2)
    within = None
    if _chance(draw, 3):
        within = WithinKm(km=float(_pick(draw, [1, 2, 3, 5, 8, 10])), of=_subset(draw, near, 1, 2))
    rest = [r for r in (near if _chance(draw) else refs) if r not in inside]
    outside = _subset(draw, rest, 1, 1) if rest and _chance(draw, 4) else []
    return Where(inside=inside, within_km=within, outside=outside)


def wheres(zs: ZoneSet) -> st.SearchStrategy[Where]:
    """Place conditions over the zones and groups of ``zs`` (often none)."""
    return st.composite(lambda draw: _where(draw, zs))()


@dataclass
class _Ids:
    """Counters for ids unique within one agreement (readings)."""

    readings: itertools.count = field(default_factory=lambda: itertools.count(1))

    def reading(self) -> str:
        return f"d{next(self.readings)}"


def _binds(draw, party_ids: list[str], roles: dict[str, tuple[int, int]]) -> list[Binding]:
    return [Binding(party=pid, as_=role) for role, (low, high) in roles.items()
            for pid in _subset(draw, party_ids, low, high)]


def _clause(draw, clause_id: str, party_ids: list[str], zs: ZoneSet, in_force: dt.date, kinds: list[str],
            ids: _Ids) -> Clause:
    kind = _pick(draw, kinds)

    def later(low: int, high: int, base: dt.date = in_force) -> dt.date:
        return base + dt.timedelta(days=_int(draw, low, high))

    def maybe_dated(day: dt.date) -> Any:
        return _dated(draw, day, ids.reading() if _chance(draw, 6) else None)

    def when() -> When:
        start = later(0, 200)
        return When(**{"from": _dated(draw, start) if _chance(draw) else None,
                       "until": maybe_dated(later(2, 700, start)) if _chance(draw) else None})

    where = _where(draw, zs) if kind != "none" else Where()
    rule: Any
    if kind == "prohibition":
        rule = Prohibition(kind="prohibition", conduct=_conduct(draw, party_ids), where=where, when=when())
        binds = _binds(draw, party_ids, {"actor": (1, 3), "guarantor": (0, 2)})
    elif kind == "prevent":
        rule = Prevent(kind="prevent", conduct=_conduct(draw, party_ids), where=where, when=when(),
                       by=_subset(draw, party_ids, 1, 3))
        binds = _binds(draw, party_ids, {"obligor": (0, 2)})
    elif kind == "deadline":
        day = later(1, 300)
        rule = Deadline(kind="deadline", deadline=maybe_dated(day), evidence=_conduct(draw, party_ids),
                        by=_subset(draw, party_ids, 0, 2), where=where,
                        until=maybe_dated(later(30, 600, day)) if _chance(draw) else None)
        binds = _binds(draw, party_ids, {"actor": (0, 2), "obligor": (0, 2), "guarantor": (0, 1)})
    elif kind == "result":
        rule = Result(kind="result", deadline=maybe_dated(later(5, 400)), fulfilled_by=_conduct(draw, party_ids),
                      by=_subset(draw, party_ids, 0, 2), where=where,
                      **{"from": _dated(draw, later(0, 3)) if _chance(draw, 4) else None})
        binds = _binds(draw, party_ids, {"obligor": (1, 2)})
    else:
        rule = NoRule(kind="none")
        binds = []
    if kind != "none" and _chance(draw, 5):  # a binding the kind does not use
        binds += _binds(draw, party_ids, {_pick(draw, v.ROLES): (1, 1)})
    seen: set[tuple[str, str]] = set()
    unique = []
    for b in binds:
        if (b.party, b.as_) not in seen:
            seen.add((b.party, b.as_))
            unique.append(b)
    return Clause(id=clause_id, article=clause_id.removeprefix("c") or clause_id, text=f"Generated {kind} clause.",
                  sources=[SOURCE], checkable=kind != "none", binds=unique, rule=rule)


def clauses(clause_id: str = "c1", *, party_ids: Iterable[str] = PARTY_IDS, zs: ZoneSet | None = None,
            in_force: dt.date = dt.date(2018, 1, 1), kinds: Iterable[str] = RULE_KINDS) -> st.SearchStrategy[Clause]:
    """One clause of a kind in ``kinds``, with bindings that suit it and dates after ``in_force``."""
    return st.composite(lambda draw: _clause(draw, clause_id, sorted(party_ids), zs if zs is not None else ZoneSet(),
                                             in_force, list(kinds), _Ids()))()


def _conduct_values(clause: Clause) -> Conduct | None:
    rule = clause.rule
    return getattr(rule, "conduct", None) or getattr(rule, "evidence", None) or getattr(rule, "fulfilled_by", None)


def _condition(draw, party_ids: list[str], near: Conduct | None) -> Condition:
    near = near or Conduct()

    def pick(pool: Iterable[str], hint: Iterable[str]) -> list[str]:
        hint = list(hint)
        return _subset(draw, hint if hint and _chance(draw) else pool, 1, 2) if _chance(draw) else []

    cond = Condition(actors=pick(party_ids, []) if _chance(draw, 4) else [],
                     actions=pick(v.ACTIONS, near.actions) if _chance(draw, 3) else [],
                     weapons=pick(v.WEAPONS, near.weapons) if _chance(draw, 3) else [],
                     target_types=pick(v.TARGET_TYPES, near.targets),
                     target_parties=pick(party_ids, near.target_parties or sorted(LISTED & set(party_ids))))
    if cond == Condition() and not _chance(draw, 10):  # an empty condition always applies: keep it rare
        cond = Condition(target_parties=_subset(draw, sorted(LISTED & set(party_ids)) or party_ids, 1, 2))
    return cond


def conditions(party_ids: Iterable[str] = PARTY_IDS, near: Conduct | None = None) -> st.SearchStrategy[Condition]:
    """An exemption's condition; with ``near``, its lists often overlap that conduct's (so it can apply)."""
    return st.composite(lambda draw: _condition(draw, sorted(party_ids), near))()


def _exemption(draw, exemption_id: str, targets: list[str], party_ids: list[str], near: Conduct | None,
               effect: str | None, readings_id: str | None) -> Exemption:
    overrides = _subset(draw, targets, 1, 2)
    scope = None
    if readings_id and _chance(draw, 3):
        options = [ScopeOption(id=f"o{i}", **{"if": _condition(draw, party_ids, near)})
                   for i in range(_int(draw, 2, 3))]
        scope = ScopeReadings(id=readings_id, use=_pick(draw, [o.id for o in options]), options=options)
    return Exemption(id=exemption_id, text=f"Generated exemption {exemption_id}.", sources=[SOURCE],
                     overrides=overrides, effect=effect or _pick(draw, ["exempt", "exempt", "breach"]),
                     readings=scope, **{"if": _condition(draw, party_ids, near)})


def exemptions(exemption_id: str, targets: list[str], *, party_ids: Iterable[str] = PARTY_IDS,
               near: Conduct | None = None, effect: str | None = None,
               readings_id: str | None = None) -> st.SearchStrategy[Exemption]:
    """An exemption overriding one or two of ``targets`` (clause or earlier exemption ids)."""
    return st.composite(lambda draw: _exemption(draw, exemption_id, targets, sorted(party_ids), near, effect,
                                                readings_id))()


def _agreement(draw, agreement_id: str, party_ids: list[str], zs: ZoneSet, min_clauses: int, max_clauses: int,
               kinds: list[str], max_exemptions: int) -> Agreement:
    ids = _Ids()
    in_force_day = _day(draw, dt.date(2016, 1, 1), dt.date(2021, 12, 31))
    in_force = _dated(draw, in_force_day, ids.reading() if _chance(draw, 5) else None, spread_days=5)
    until = None
    if _chance(draw):
        until = _dated(draw, in_force_day + dt.timedelta(days=_int(draw, 60, 1500)),
                       ids.reading() if _chance(draw, 5) else None)
    clause_list = [_clause(draw, f"c{i + 1}", party_ids, zs, in_force_day, kinds, ids)
                   for i in range(_int(draw, min_clauses, max_clauses))]
    checkable = [c for c in clause_list if c.rule.kind != "none"]
    exemption_list: list[Exemption] = []
    if checkable:
        for i in range(_int(draw, 0, max_exemptions)):
            targets = [c.id for c in checkable] + [e.id for e in exemption_list]
            near = _conduct_values(_pick(draw, checkable))
            exemption_list.append(_exemption(draw, f"x{i + 1}", targets, party_ids, near, None, ids.reading()))
    if exemption_list:  # clauses that list exemptions (which then may override them)
        ex_ids = [e.id for e in exemption_list]
        clause_list = [c.model_copy(update={"exemptions": _subset(draw, ex_ids, 1, 2)})
                       if c.rule.kind != "none" and _chance(draw) else c for c in clause_list]
    guarantors = sorted({b.party for c in clause_list for b in c.binds if b.as_ == "guarantor"}) or party_ids
    actors = sorted({b.party for c in clause_list for b in c.binds if b.as_ == "actor"}) or party_ids
    guarantees = [Guarantee(guarantor=_pick(draw, party_ids if _chance(draw, 4) else guarantors),
                            parties=_subset(draw, actors if not _chance(draw, 4) else party_ids, 1, 3))
                  for _ in range(_int(draw, 0, 3))]
    signatories = [Signatory(party=p, role=_pick(draw, ["guarantor", "party"]))
                   for p in _subset(draw, party_ids, 1, 3)]
    used = sorted({r for c in clause_list for r in _refs(c)})
    return Agreement(id=agreement_id, title=f"Generated agreement {agreement_id}", signed=Signed(date=in_force_day),
                     in_force=in_force, until=until, signatories=signatories, sources=[SOURCE], zones=used,
                     guarantees=guarantees, exemptions=exemption_list, clauses=clause_list)


def agreements(agreement_id: str = "agr-0", *, party_ids: Iterable[str] = PARTY_IDS, zs: ZoneSet | None = None,
               min_clauses: int = 1, max_clauses: int = 4, kinds: Iterable[str] = RULE_KINDS,
               max_exemptions: int = 3) -> st.SearchStrategy[Agreement]:
    """A small agreement: clauses of ``kinds``, guarantees, and exemptions whose overrides form no cycle.

    Dates lie in 2016-2025; ``in_force``, ``until`` and clause dates are sometimes moments with an offset
    or contested readings. Exemption ``x<i>`` may override clauses and exemptions ``x<j>``, ``j < i``, only.
    Pass the zone set ``zs`` the clauses may name (default: none, so no place conditions).
    """
    return st.composite(lambda draw: _agreement(draw, agreement_id, sorted(party_ids),
                                                zs if zs is not None else ZoneSet(), min_clauses, max_clauses,
                                                list(kinds), max_exemptions))()


def _refs(clause: Clause) -> list[str]:
    where = getattr(clause.rule, "where", None)
    if where is None:
        return []
    return [*where.inside, *where.outside, *(where.within_km.of if where.within_km else [])]


def reading_choices(agreement_list: Iterable[Agreement]) -> dict[str, list[str]]:
    """Every contested reading a profile may choose, ``<agreement>/<id>`` → option ids."""
    out: dict[str, list[str]] = {}

    def visit(aid: str, value: Any) -> None:
        if isinstance(value, Readings):
            out[f"{aid}/{value.id}"] = [r.id for r in value.readings]
        elif isinstance(value, ScopeReadings):
            out[f"{aid}/{value.id}"] = [o.id for o in value.options]
        elif hasattr(type(value), "model_fields"):
            for name in type(value).model_fields:
                visit(aid, getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                visit(aid, item)

    for a in agreement_list:
        visit(a.id, a)
    return out


def _profile(draw, agreement_list: Iterable[Agreement], min_attribution: str | None = None) -> Profile:
    choices = reading_choices(agreement_list)
    readings = {key: _pick(draw, options) for key, options in sorted(choices.items()) if _chance(draw)}
    return Profile(id="generated", min_attribution=min_attribution or _pick(draw, v.ATTRIBUTION),
                   guarantors_answer=not _chance(draw, 3), overrun_zones=_pick(draw, ["protected", "lapsed"]),
                   readings=readings)


def profiles(agreement_list: Iterable[Agreement] = (), *,
             min_attribution: str | None = None) -> st.SearchStrategy[Profile]:
    """An interpretation profile choosing among the readings of ``agreement_list``."""
    agreement_list = list(agreement_list)
    return st.composite(lambda draw: _profile(draw, agreement_list, min_attribution))()


def _terms(draw, min_agreements: int, max_agreements: int, kinds: list[str], max_clauses: int, max_exemptions: int,
           zone_families: tuple[int, int]) -> Terms:
    registry = _parties(draw)
    zs = _zones(draw, *zone_families)
    party_ids = sorted(registry)
    agreement_list = [_agreement(draw, f"agr-{i}", party_ids, zs, 1, max_clauses, kinds, max_exemptions)
                      for i in range(_int(draw, min_agreements, max_agreements))]
    profile = _profile(draw, agreement_list)
    return Terms(parties=registry, agreements={a.id: a for a in agreement_list}, zones=zs,
                 profiles={profile.id: profile})


def terms(min_agreements: int = 1, max_agreements: int = 2, *, kinds: Iterable[str] = RULE_KINDS,
          max_clauses: int = 4, max_exemptions: int = 3,
          zone_families: tuple[int, int] = (1, 4)) -> st.SearchStrategy[Terms]:
    """Whole terms ready for :func:`compliance.engine.evaluate.evaluate`: parties, zones, agreements, a profile.

    The profile drawn is ``terms.profiles["generated"]``.
    """
    return st.composite(lambda draw: _terms(draw, min_agreements, max_agreements, list(kinds), max_clauses,
                                            max_exemptions, zone_families))()


# -- events ----------------------------------------------------------------------------------------------


def clause_of(terms_: Terms, key: str) -> tuple[Agreement, Clause]:
    """The agreement and clause of ``"<agreement>/<clause>"``."""
    aid, _, cid = key.partition("/")
    agreement = terms_.agreements[aid]
    return agreement, next(c for c in agreement.clauses if c.id == cid)


def checkable_keys(terms_: Terms, kinds: Iterable[str] = ("prohibition", "deadline", "result", "prevent")) -> list[str]:
    """The ``"<agreement>/<clause>"`` keys of the clauses of ``kinds``."""
    kinds = set(kinds)
    return [f"{a.id}/{c.id}" for a in terms_.agreements.values() for c in a.clauses if c.rule.kind in kinds]


def commanders(registry: dict[str, Party], pid: str) -> set[str]:
    """Every party commanding ``pid``, directly or through others."""
    out: set[str] = set()
    frontier = [p.id for p in registry.values() if pid in p.commands]
    while frontier:
        c = frontier.pop()
        if c not in out:
            out.add(c)
            frontier.extend(p.id for p in registry.values() if c in p.commands)
    return out


def answers_for(registry: dict[str, Party], pid: str | None, bound: Iterable[str]) -> bool:
    """Whether one of ``bound`` answers for ``pid``'s conduct: ``pid`` itself or a party commanding it."""
    bound = set(bound)
    return pid is not None and (pid in bound or bool(commanders(registry, pid) & bound))


def bearing_exemptions(agreement: Agreement, clause: Clause) -> list[Exemption]:
    """The exemptions that bear on a clause: listed by it or overriding it, and those overriding them."""
    relevant = {e.id: e for e in agreement.exemptions if e.id in clause.exemptions or clause.id in e.overrides}
    changed = True
    while changed:
        changed = False
        for e in agreement.exemptions:
            if e.id not in relevant and set(e.overrides) & set(relevant):
                relevant[e.id] = e
                changed = True
    return [relevant[k] for k in sorted(relevant)]


def condition_of(agreement: Agreement, exemption: Exemption, profile: Profile | None) -> Condition:
    """An exemption's condition under the profile's reading of its scope."""
    if exemption.readings is None:
        return exemption.if_
    choice = (profile.readings if profile else {}).get(f"{agreement.id}/{exemption.readings.id}",
                                                      exemption.readings.use)
    return next((o.if_ for o in exemption.readings.options if o.id == choice), exemption.if_)


def _ordered(options: Iterable[Any]) -> list[Any]:
    return sorted(options, key=lambda x: (x is None, str(x)))


@dataclass
class _Draft:
    """The values each field of an event may still take; constraints narrow them, then values are drawn."""

    actors: set[str | None]
    target_parties: set[str | None]
    actions: set[str] = field(default_factory=lambda: set(v.ACTIONS))
    weapons_any: list[set[str]] = field(default_factory=list)
    weapons_none: set[str] = field(default_factory=set)
    targets: set[str | None] = field(default_factory=lambda: {*v.TARGET_TYPES, None})
    impossible: bool = False

    def consistent(self) -> bool:
        return not self.impossible and bool(self.actors and self.actions and self.targets and self.target_parties
                                            and all(s - self.weapons_none for s in self.weapons_any))

    def meet(self, cond: Conduct | Condition, registry: dict[str, Party]) -> None:
        """Make the event meet ``cond`` (every key given, each list "any of")."""
        targets = cond.targets if isinstance(cond, Conduct) else cond.target_types
        if cond.actions:
            self.actions &= set(cond.actions)
        if cond.weapons:
            self.weapons_any.append(set(cond.weapons))
        if targets:
            self.targets &= set(targets)
        if cond.target_parties:
            self.target_parties &= set(cond.target_parties)
        actors = getattr(cond, "actors", None)
        if actors:
            self.actors = {a for a in self.actors if answers_for(registry, a, actors)}

    def fail(self, draw, cond: Conduct | Condition, registry: dict[str, Party]) -> None:
        """Make the event fail ``cond`` on one key, among those that can still fail."""
        targets = cond.targets if isinstance(cond, Conduct) else cond.target_types
        actors = getattr(cond, "actors", None) or []
        options = []
        if cond.actions and self.actions - set(cond.actions):
            options.append("actions")
        if cond.weapons and all(s - self.weapons_none - set(cond.weapons) for s in self.weapons_any):
            options.append("weapons")
        if targets and self.targets - set(targets):
            options.append("targets")
        if cond.target_parties and self.target_parties - set(cond.target_parties):
            options.append("target_parties")
        if actors and {a for a in self.actors if not answers_for(registry, a, actors)}:
            options.append("actors")
        if not options:
            self.impossible = True
            return
        key = _pick(draw, options)
        if key == "actions":
            self.actions -= set(cond.actions)
        elif key == "weapons":
            self.weapons_none |= set(cond.weapons)
        elif key == "targets":
            self.targets -= set(targets)
        elif key == "target_parties":
            self.target_parties -= set(cond.target_parties)
        else:
            self.actors = {a for a in self.actors if not answers_for(registry, a, actors)}


def _watched(clause: Clause) -> set[str] | None:
    """The parties whose conduct a clause looks at (``None``: anyone's)."""
    rule = clause.rule
    roles: dict[str, set[str]] = {"actor": set(), "guarantor": set(), "obligor": set()}
    for b in clause.binds:
        roles[b.as_].add(b.party)
    if rule.kind == "prohibition":
        return roles["actor"]
    if rule.kind == "prevent":
        return set(rule.by) | roles["obligor"]
    by = getattr(rule, "by", None)
    return set(by) if by else None


def _near(draw, high: int) -> int:
    """0 half the time (the boundary itself), 1 a quarter (the day next to it), else anything up to ``high``."""
    k = _int(draw, 0, 3)
    return 0 if k < 2 else 1 if k == 2 else _int(draw, 0, high)


def _times(draw, window: Window | None, timing: str | None) -> tuple[Any, Any] | None:
    """``(date, date_end)`` placed ``timing`` relative to ``window``, or ``None`` if impossible."""
    if timing is None or window is None:
        day = _day(draw)
        if window is not None and window.start is not None and _chance(draw):
            day = local_day(window.start) + dt.timedelta(days=_int(draw, -3, 3))
        return (_moment(draw, day), None) if _chance(draw, 4) else (day, None)
    form = _pick(draw, ["day", "day", "span", "moment"])
    offset = _pick(draw, OFFSETS)
    if timing == "inside":
        first = window.first_full_day()
        last = window.last_full_day()
        first = first or (last or LAST_DAY) - dt.timedelta(days=800)
        last = last or first + dt.timedelta(days=800)
        if form == "moment":
            start = window.start or local_midnight(first)
            end = window.end or local_midnight(last)
            seconds = int((end - start).total_seconds()) - 1
            if seconds < 0:
                return None
            k = _pick(draw, [0, seconds, _int(draw, 0, seconds)])
            return (start + dt.timedelta(seconds=k)).astimezone(offset), None
        if first > last:
            return None
        n = (last - first).days
        day = first + dt.timedelta(days=min(_near(draw, 400), n)) if _chance(draw) else \
            last - dt.timedelta(days=min(_near(draw, 400), n))
        if form == "span" and day < last:
            return day, day + dt.timedelta(days=_int(draw, 1, (last - day).days))
        return day, None
    if timing == "before":
        if window.start is None:
            return None
        if form == "moment":
            return (window.start - SECOND - dt.timedelta(minutes=_near(draw, 10_000))).astimezone(offset), None
        last = local_day(window.start - SECOND)
        if local_midnight(last + DAY) > window.start:
            last -= DAY
        day = last - dt.timedelta(days=_near(draw, 400))
        if form == "span":
            return day - dt.timedelta(days=_int(draw, 1, 20)), day
        return day, None
    if timing == "after":
        if window.end is None:
            return None
        if form == "moment":
            return (window.end + dt.timedelta(minutes=_near(draw, 10_000))).astimezone(offset), None
        first = local_day(window.end)
        if local_midnight(first) < window.end:
            first += DAY
        day = first + dt.timedelta(days=_near(draw, 400))
        if form == "span":
            return day, day + dt.timedelta(days=_int(draw, 1, 20))
        return day, None
    # straddle: a span across one edge of the window (its date leaves the breach uncertain)
    edges = [e for e in (window.start, window.end) if e is not None]
    if not edges:
        return None
    if window.start is not None and window.end is not None and window.end - window.start < dt.timedelta(days=3):
        return None
    edge = _pick(draw, edges)
    if _chance(draw):
        return (edge - dt.timedelta(minutes=_int(draw, 1, 600))).astimezone(offset), \
            (edge + dt.timedelta(minutes=_int(draw, 0, 600))).astimezone(offset)
    before = local_day(edge - SECOND) - dt.timedelta(days=_int(draw, 0, 1))
    after = local_day(edge) + dt.timedelta(days=_int(draw, 0, 1))
    return before, max(after, before + DAY)


def _place(draw, zs: ZoneSet, where: Where | None, zone_id: str | None, inside: bool | str | None,
           precision: float) -> tuple[float, float] | None:
    """(lon, lat) with the wanted membership, drawn from the region where it holds; ``None`` if impossible.

    Where being surely inside cannot be built (on a line, at a point), "inside" falls back to "possibly".
    """
    state = {True: g.IN, False: g.OUT, "edge": g.EDGE}.get(inside)  # type: ignore[call-overload]
    region = _region(draw, zs, where, zone_id, state, precision)
    if state == g.IN and region.is_empty:
        region = _region(draw, zs, where, zone_id, g.EDGE, precision)
    tris = _triangles(zs, region)
    if not tris:
        return None
    return g.lonlat(*g.point_in_triangle(_pick(draw, tris), _unit(draw), _unit(draw)))


def _region(draw, zs: ZoneSet, where: Where | None, zone_id: str | None, state: str | None, precision: float):
    if state is None:
        return g.WORLD
    if zone_id is not None:
        return g.zone_region(zs, zone_id, state, precision)
    if where is None:
        return g.WORLD
    holds, fails, edges = [], [], []
    if where.inside:
        holds.append(g.union_region(zs, where.inside, g.IN, precision))
        fails.append(g.union_region(zs, where.inside, g.OUT, precision))
        edges.append(g.union_region(zs, where.inside, g.EDGE, precision))
    if where.within_km is not None:
        w = where.within_km
        holds.append(g.within_region(zs, w.of, w.km, g.IN, precision))
        fails.append(g.within_region(zs, w.of, w.km, g.OUT, precision))
        edges.append(g.within_region(zs, w.of, w.km, g.EDGE, precision))
    if where.outside:
        holds.append(g.union_region(zs, where.outside, g.OUT, precision))
        fails.append(g.union_region(zs, where.outside, g.IN, precision))
        edges.append(g.union_region(zs, where.outside, g.EDGE, precision))
    if state == g.OUT:
        candidates = [f for f in fails if not f.is_empty]
        return _pick(draw, candidates) if candidates else g.WORLD.difference(g.WORLD)
    if state == g.EDGE:
        if not edges:
            return g.WORLD.difference(g.WORLD)
        k = _int(draw, 0, len(edges) - 1)
        return _intersection(zs, [edges[k], *(h for i, h in enumerate(holds) if i != k)])
    return _intersection(zs, holds)


def _intersection(zs: ZoneSet, parts: list) -> Any:
    cache = zs.__dict__.setdefault("_testing_intersections", {})
    key = tuple(p.wkb for p in parts)
    if key not in cache:
        region = g.WORLD
        for p in parts:
            region = region.intersection(p)
        cache[key] = region
    return cache[key]


def _triangles(zs: ZoneSet, region: Any) -> list:
    if region.is_empty:
        return []
    cache = zs.__dict__.setdefault("_testing_triangles", {})
    key = region.wkb
    if key not in cache:
        cache[key] = g.triangles(region)
    return cache[key]


_UNSET: Any = object()


def _build_event(draw, terms_: Terms | None, *, clause: str | None = None, profile: Profile | None = None,
                 zone: str | None = None, inside: bool | str | None = None, timing: str | None = None,
                 bound: bool | None = None, actor: Any = _UNSET, matching: bool | None = None,
                 exempt: bool | None = None, attribution: str | None = None, precision_km: float | None = None,
                 event_id: str | None = None) -> Event | None:
    registry = terms_.parties if terms_ is not None else {p: Party(id=p, name=_name(p), kind="other",
                                                                   aliases=[f"{p} alias", f"{p} unit*"])
                                                         for p in PARTY_IDS}
    zs = terms_.zones if terms_ is not None else ZoneSet()
    party_ids = sorted(registry)
    agreement = clause_obj = None
    if clause is not None:
        if terms_ is None:
            raise InvalidArgument("events(clause=...) needs the terms")
        agreement, clause_obj = clause_of(terms_, clause)
    elif timing is not None or bound is not None or matching is not None or exempt is not None:
        raise InvalidArgument("timing, bound, matching and exempt are relative to a clause: pass clause=")
    if zone is not None and zone not in zs.zones:
        raise InvalidArgument(f"unknown zone {zone!r}")
    draft = _Draft(actors={*party_ids, None}, target_parties={*party_ids, None})
    if actor is not _UNSET:
        draft.actors = {actor}
    elif bound is not None and clause_obj is not None:
        watched = _watched(clause_obj)
        if watched is None:
            if not bound:
                return None
        elif bound:
            draft.actors = {p for p in party_ids if answers_for(registry, p, watched)}
        else:
            draft.actors = {p for p in draft.actors if not answers_for(registry, p, watched)}
    conduct = _conduct_values(clause_obj) if clause_obj is not None else None
    if matching is not None and conduct is not None:
        if matching:
            draft.meet(conduct, registry)
        else:
            draft.fail(draw, conduct, registry)
    if exempt is not None and clause_obj is not None and agreement is not None:
        bearing = bearing_exemptions(agreement, clause_obj)
        if exempt:
            candidates = [e for e in bearing if e.effect == "exempt"]
            if not candidates:
                return None
            draft.meet(condition_of(agreement, _pick(draw, candidates), profile), registry)
        else:  # only exemptions with effect "exempt" can exempt; without them, "breach" ones change nothing
            for e in bearing:
                if e.effect == "exempt":
                    draft.fail(draw, condition_of(agreement, e, profile), registry)
    if not draft.consistent():
        return None
    who = _pick(draw, _ordered(draft.actors))
    if actor is not _UNSET:
        name = actor
    elif who is None:
        name = _pick(draw, UNRESOLVED_NAMES) if bound is not True and _chance(draw, 3) else None
    else:
        name = _actor_name(draw, registry[who])
    weapons = {_pick(draw, _ordered(any_of - draft.weapons_none)) for any_of in draft.weapons_any}
    pool = _ordered(set(v.WEAPONS) - draft.weapons_none)
    if pool and _chance(draw, 3):
        weapons.add(_pick(draw, pool))
    target_party = _pick(draw, _ordered(draft.target_parties))
    where = getattr(clause_obj.rule, "where", None) if clause_obj is not None else None
    if precision_km is None:
        precision_km = _pick(draw, EVENT_PRECISIONS_KM[2:] if inside == "edge" else EVENT_PRECISIONS_KM)
        if inside is True and _region(draw, zs, where, zone, g.IN, precision_km).is_empty:
            precision_km = 0.0  # a place known this vaguely cannot be surely inside: know it exactly
    place = _place(draw, zs, where, zone, inside, precision_km)
    if place is None:
        return None
    window = clause_window(agreement, clause_obj, profile) if clause_obj is not None and agreement is not None else None
    times = _times(draw, window, timing)
    if times is None:
        return None
    date, date_end = times
    lon, lat = place
    return Event(
        id=event_id or f"ev-{_int(draw, 0, 10**6)}",
        date=date, date_end=date_end, actor=name, action=_pick(draw, _ordered(draft.actions)), weapons=sorted(weapons),
        target=Target(type=_pick(draw, _ordered(draft.targets)),
                      party=_actor_name(draw, registry[target_party]) if target_party in registry else None),
        location=Location(name=_pick(draw, [None, "Generated place", "Saraqib, Idlib"]), lat=lat, lon=lon,
                          precision_km=precision_km),
        casualties=Casualties(killed=_int(draw, 0, 50) if _chance(draw) else None),
        attribution=attribution or _pick(draw, v.ATTRIBUTION),
        sources=[SOURCE] if _chance(draw) else [],
    )


def events(terms: Terms | None = None, *, clause: str | None = None, profile: Profile | None = None,
           zone: str | None = None, inside: bool | str | None = None, timing: str | None = None,
           bound: bool | None = None, actor: Any = _UNSET, matching: bool | None = None, exempt: bool | None = None,
           attribution: str | None = None, precision_km: float | None = None,
           event_id: str | None = None) -> st.SearchStrategy[Event]:
    """One event, built to order. Every keyword left ``None`` is drawn freely.

    * ``terms``: the parties and zones to use (default: the contracts' party ids, no zones).
    * ``clause``: ``"<agreement>/<clause>"``; ``profile``: the profile whose readings fix its dates. The
      keywords below are relative to that clause.
    * ``zone`` + ``inside``: ``True`` inside the zone with a margin larger than any precision (for a line
      or a point: on it, within the event's precision), ``False`` just outside it, ``"edge"`` within the
      precision of its edge (a possible breach). Without ``zone``, ``inside`` is relative to the clause's
      ``where``: ``True`` meets every place condition, ``False`` fails at least one, ``"edge"`` only possibly.
    * ``timing``: ``"before"``, ``"inside"``, ``"after"`` the clause's window, or ``"straddle"`` one of its
      edges (dates are whole local days in Syria, moments carry an offset; boundary days are drawn often).
    * ``bound``: ``True`` an actor the clause answers for (itself or under its command), ``False`` one it
      does not (or an unknown actor). ``actor`` fixes the actor's name instead (``None``: unknown).
    * ``matching``: ``True`` meets the clause's conduct (or evidence, or fulfilment), ``False`` fails it.
    * ``exempt``: ``True`` meets the condition of one of the clause's exemptions with effect ``exempt``
      (under ``profile``'s reading of its scope), ``False`` meets none of the conditions of the exemptions
      with effect ``exempt`` that bear on it (so no exemption can exempt it).
    * ``attribution``, ``precision_km``, ``event_id``: fixed values.

    Combinations that cannot be built (``exempt=True`` on a clause without exemptions, ``timing="before"``
    an open window) are rejected; keep to those that are possible for your terms.

    Example::

        @given(events(TERMS, clause="agr-0/c1", timing="after", profile=PROFILE))
        def test_nothing_counts_after_the_window(event): ...
    """

    def build(draw) -> Event:
        event = _build_event(draw, terms, clause=clause, profile=profile, zone=zone, inside=inside, timing=timing,
                             bound=bound, actor=actor, matching=matching, exempt=exempt, attribution=attribution,
                             precision_km=precision_km, event_id=event_id)
        if event is None:
            reject()
        return event

    return st.composite(build)()


def _attribution_for(draw, profile: Profile | None) -> str | None:
    """Mostly an attribution the profile counts (else the event would be a near miss on attribution alone)."""
    if profile is None or _chance(draw, 5):
        return None
    least = v.attribution_rank(profile.min_attribution)
    return _pick(draw, [a for a in v.ATTRIBUTION if v.attribution_rank(a) >= least])


def _targeted(draw, terms_: Terms, key: str, profile: Profile | None, event_id: str) -> Event | None:
    """An event aimed at one clause: a hit (meets everything), a near miss (fails exactly one thing), or
    free (each wish drawn at random). Wishes that cannot be built are dropped one at a time."""
    agreement, clause = clause_of(terms_, key)
    has_exemptions = bool(bearing_exemptions(agreement, clause))
    wishes: dict[str, Any] = {"inside": True, "timing": "inside", "bound": True, "matching": True,
                              "exempt": False if has_exemptions else None}
    mode = _pick(draw, ["hit", "hit", "miss", "miss", "free"])
    if mode == "miss":
        off = _pick(draw, ["inside", "timing", "bound", "matching", "exempt"] if has_exemptions
                    else ["inside", "timing", "bound", "matching"])
        wishes[off] = {"inside": _pick(draw, [False, "edge"]), "timing": _pick(draw, ["before", "after", "straddle"]),
                       "bound": False, "matching": False, "exempt": True}[off]
    elif mode == "free":
        wishes = {"inside": _pick(draw, [True, False, "edge", None]),
                  "timing": _pick(draw, ["inside", "before", "after", "straddle", None]),
                  "bound": _pick(draw, [True, False, None]), "matching": _pick(draw, [True, False, None]),
                  "exempt": _pick(draw, [None, True, False]) if has_exemptions else None}
    attribution = _attribution_for(draw, profile)
    for loose in [None, "exempt", "matching", "inside", "bound", "timing"]:
        if loose is not None:
            if wishes.get(loose) is None:
                continue
            wishes[loose] = None
        event = _build_event(draw, terms_, clause=key, profile=profile, attribution=attribution, event_id=event_id,
                             **wishes)
        if event is not None:
            return event
    return None


def _log(draw, terms_: Terms, profile: Profile | None, min_size: int, max_size: int, targeted: int) -> list[Event]:
    keys = checkable_keys(terms_)
    out: list[Event] = []
    for i in range(_int(draw, min_size, max_size)):
        event = None
        if keys and _int(draw, 0, 99) < targeted:
            event = _targeted(draw, terms_, _pick(draw, keys), profile, f"e{i}")
        if event is None:
            event = _build_event(draw, terms_, profile=profile, event_id=f"e{i}")
        assert event is not None
        out.append(event)
    return out


def logs(terms: Terms, *, profile: Profile | None = None, min_size: int = 0, max_size: int = 8,
         targeted: int = 85) -> st.SearchStrategy[list[Event]]:
    """A log of events with ids ``e0``, ``e1``...: ``targeted`` percent aimed at a random clause (mostly in its
    window, zones, conduct and bound parties, with near misses of each), the rest anywhere.

    Aiming is what makes a random log interesting: a uniformly random event almost never meets a clause.
    When a drawn combination cannot be built for a clause, that event is drawn freely instead.
    """
    return st.composite(lambda draw: _log(draw, terms, profile, min_size, max_size, targeted))()


def event_for(terms_: Terms, key: str, profile: Profile | None = None, **wanted: Any) -> st.SearchStrategy[Event]:
    """Like :func:`events` but never rejects: what cannot be built as wanted is relaxed one wish at a time."""

    def build(draw) -> Event:
        wishes = dict(wanted)
        order = ["exempt", "matching", "inside", "bound", "timing"]
        while True:
            event = _build_event(draw, terms_, clause=key, profile=profile, **wishes)
            if event is not None:
                return event
            loose = next((k for k in order if wishes.get(k) is not None), None)
            if loose is None:
                reject()
            wishes[loose] = None

    return st.composite(build)()


__all__ = [
    "LISTED", "PARTY_IDS", "RULE_KINDS", "TIMINGS", "actor_names", "agreements", "answers_for", "bearing_exemptions",
    "checkable_keys", "clause_of", "clauses", "commanders", "condition_of", "conditions", "conducts", "dated", "days",
    "event_for", "events", "exemptions", "logs", "moments", "parties", "profiles", "reading_choices", "terms",
    "wheres", "zone", "zone_refs", "zones",
]
