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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


# -- small pieces ----------------------------------------------------------------------------------------


def days(min_value: dt.date = FIRST_DAY, max_value: dt.date = LAST_DAY) -> st.SearchStrategy[dt.date]:
    """Calendar days, with the days Syria's clocks changed drawn often (they are the edge cases)."""
    dst = [d for d in DST_DAYS if min_value <= d <= max_value]
    plain = st.dates(min_value, max_value)
    return st.one_of(plain, st.sampled_from(dst)) if dst else plain


@st.composite
def moments(draw, day: dt.date | None = None) -> dt.datetime:
    """A moment with its UTC offset (as written in files: ``2020-01-09T14:00+03:00``)."""
    day = day or draw(days())
    tz = draw(st.sampled_from(OFFSETS))
    return dt.datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), draw(st.sampled_from([0, 1, 30, 59])),
                       tzinfo=tz)


@st.composite
def dated(draw, day: dt.date, *, readings_id: str | None = None, spread_days: int = 20) -> Any:
    """A ``Dated`` value near ``day``: the date, a moment that day, or readings (if ``readings_id``).

    Readings come as the mapping a file would hold, which is what the models accept for them.
    """
    choice = draw(st.sampled_from(["date", "date", "moment", "readings"] if readings_id else ["date", "date", "moment"]))
    if choice == "date":
        return day
    if choice == "moment":
        return draw(moments(day))
    n = draw(st.integers(2, 3))
    readings = []
    for i in range(n):
        when = day + dt.timedelta(days=draw(st.integers(0, spread_days)))
        at = when if draw(st.booleans()) else draw(moments(when))
        readings.append(Reading(id=f"r{i}", at=at))
    chosen = Readings(id=readings_id, use=draw(st.sampled_from([r.id for r in readings])), readings=readings)
    # as a mapping: the models' Dated discriminator tells readings from a moment by "is it a dict"
    return chosen.model_dump(by_alias=True, exclude_none=True)


def _name(pid: str) -> str:
    return pid.replace("-", " ").title() + " forces"


@st.composite
def parties(draw, ids: Iterable[str] = PARTY_IDS) -> dict[str, Party]:
    """A party registry over ``ids`` (default: the contracts' ids), with aliases and a random command tree.

    Each party has a name, an exact alias and a prefix alias (``"<id> unit*"``); the command relation is
    acyclic by construction (a party only commands parties later in a drawn order).
    """
    ids = list(ids)
    order = draw(st.permutations(ids))
    out: dict[str, Party] = {}
    for i, pid in enumerate(order):
        later = order[i + 1:]
        commands: list[str] = []
        if later and draw(st.integers(0, 3)) == 0:
            commands = draw(st.lists(st.sampled_from(later), min_size=1, max_size=2, unique=True))
        out[pid] = Party(id=pid, name=_name(pid), kind="listed-group" if pid in LISTED else
                         draw(st.sampled_from(["state", "militia", "opposition", "other"])),
                         aliases=[f"{pid} alias", f"{pid} unit*"], commands=commands, listed=pid in LISTED)
    return {pid: out[pid] for pid in ids}


def actor_names(party: Party) -> st.SearchStrategy[str]:
    """Names an event may give for ``party``: its id, name, an alias in any case, a unit of it."""
    exact = [a for a in party.aliases if not a.endswith("*")]
    prefixes = [a[:-1] for a in party.aliases if a.endswith("*")]
    options = [st.just(party.id), st.just(party.name), st.just(party.name.upper())]
    options += [st.just(a) for a in exact] + [st.just(a.title()) for a in exact]
    options += [st.builds(lambda p, n: f"{p}{n}", st.just(p), st.sampled_from(["4", "4th Division", "x"]))
                for p in prefixes]
    return st.one_of(st.just(party.id), st.one_of(*options))


# -- zones -----------------------------------------------------------------------------------------------


def _props(zone_id: str, kind: str, precision: float, groups: list[str], **extra: Any) -> ZoneProperties:
    return ZoneProperties(id=zone_id, name=f"Generated {kind} {zone_id}", kind=kind, groups=groups,
                          basis="drawn by compliance.testing", approximate=precision > 0, precision_km=precision,
                          sources=["compliance.testing"], **extra)


@st.composite
def zones(draw, min_families: int = 1, max_families: int = 4, *, kinds: Iterable[str] = ("area", "line", "point"),
          groups: bool = True, taken: bool = True) -> ZoneSet:
    """A small :class:`ZoneSet` of synthetic zones in Syria, one family per cell of an 80 km grid.

    A family is an ``area`` (a rotated rectangle or a star-shaped, possibly concave polygon), a ``line``
    (with, sometimes, ``corridor`` zones around it) or a ``point`` (sometimes several, with ``radius``
    zones around them). Zones are ``zone-<n>``; derived ones ``zone-<n>-band``/``zone-<n>-ring``; some join
    the groups ``group-a``/``group-b``; some have a ``taken`` date (for ``overrun_zones: lapsed``).
    """
    n = draw(st.integers(min_families, max_families))
    cells = draw(st.lists(st.integers(0, g.CELLS - 1), min_size=n, max_size=n, unique=True))
    kinds = list(kinds)
    out: dict[str, Zone] = {}

    def group_list() -> list[str]:
        return draw(st.lists(st.sampled_from(["group-a", "group-b"]), max_size=1)) if groups else []

    def taken_note() -> DatedNote | None:
        if taken and draw(st.integers(0, 4)) == 0:
            return DatedNote(date=draw(days(dt.date(2016, 1, 1), dt.date(2022, 12, 31))))
        return None

    for i, cell in enumerate(cells):
        cx, cy = g.cell_centre(cell)
        cx += draw(st.integers(-5, 5)) * 1000.0
        cy += draw(st.integers(-5, 5)) * 1000.0
        family = draw(st.sampled_from(kinds))
        zid = f"zone-{i}"
        precision = draw(st.sampled_from(ZONE_PRECISIONS_KM))
        if family == "area":
            if draw(st.booleans()):
                shape = g.rectangle(cx, cy, draw(st.integers(8, 15)), draw(st.integers(8, 15)),
                                    draw(st.integers(0, 89)) * 3.14159265 / 180)
            else:
                radii = draw(st.lists(st.integers(6, 15), min_size=5, max_size=9))
                shape = g.star(cx, cy, [float(r) for r in radii], draw(st.integers(0, 90)) * 0.0174533)
            out[zid] = Zone(_props(zid, "area", precision, group_list(), taken=taken_note()), g.to_wgs84(shape),
                            "generated.geojson")
            continue
        if family == "line":
            offsets = draw(st.lists(st.integers(-6, 6), min_size=2, max_size=4))
            shape = g.polyline(cx, cy, draw(st.integers(6, 18)), [float(o) for o in offsets],
                               draw(st.integers(0, 179)) * 0.0174533)
        else:
            spots = draw(st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), min_size=1, max_size=3,
                                  unique=True))
            shape = g.points(cx, cy, [(float(a), float(b)) for a, b in spots])
        out[zid] = Zone(_props(zid, family, precision, group_list()), g.to_wgs84(shape), "generated.geojson")
        derived = "corridor" if family == "line" else "radius"
        for j in range(draw(st.integers(0, 2))):
            distance = float(draw(st.integers(2, 8)))
            did = f"{zid}-{'band' if derived == 'corridor' else 'ring'}{j}"
            drawn = g.to_wgs84(shape.buffer(distance * 1000, quad_segs=8))
            out[did] = Zone(_props(did, derived, draw(st.sampled_from(ZONE_PRECISIONS_KM)), group_list(),
                                   of=zid, distance_km=distance, taken=taken_note()), drawn, "generated.geojson")
    return ZoneSet(out)


def zone(zone_id: str = "zone-0", kind: str = "area") -> st.SearchStrategy[Zone]:
    """One synthetic zone of ``kind`` (``area``, ``line`` or ``point``) named ``zone_id``."""
    return zones(1, 1, kinds=[kind], groups=False, taken=False).map(
        lambda zs: Zone(zs.zones["zone-0"].props.model_copy(update={"id": zone_id}), zs.zones["zone-0"].geometry,
                        "generated.geojson"))


def zone_refs(zs: ZoneSet) -> list[str]:
    """Every id a rule may name: zones and groups."""
    return zs.all_ids()


# -- rules, clauses, agreements --------------------------------------------------------------------------


@st.composite
def conducts(draw, party_ids: Iterable[str] = PARTY_IDS, *, allow_empty: bool = True) -> Conduct:
    """Conduct: a few actions, sometimes weapons, target types and target parties (each "any of")."""
    party_ids = sorted(party_ids)
    actions = draw(st.lists(st.sampled_from(v.ACTIONS), min_size=0 if allow_empty else 1, max_size=3, unique=True))
    weapons = draw(st.lists(st.sampled_from(v.WEAPONS), max_size=2, unique=True)) if draw(st.booleans()) else []
    targets = draw(st.lists(st.sampled_from(v.TARGET_TYPES), max_size=2, unique=True)) if draw(st.booleans()) else []
    tparties = (draw(st.lists(st.sampled_from(party_ids), max_size=2, unique=True))
                if party_ids and draw(st.integers(0, 3)) == 0 else [])
    return Conduct(actions=actions, weapons=weapons, targets=targets, target_parties=tparties)


@st.composite
def wheres(draw, zs: ZoneSet) -> Where:
    """Place conditions over the zones and groups of ``zs`` (often none)."""
    refs = zone_refs(zs)
    if not refs or draw(st.integers(0, 3)) == 0:
        return Where()
    inside = draw(st.lists(st.sampled_from(refs), max_size=2, unique=True))
    within = None
    if draw(st.integers(0, 2)) == 0:
        within = WithinKm(km=float(draw(st.sampled_from([1, 2, 3, 5, 8, 10]))),
                          of=draw(st.lists(st.sampled_from(refs), min_size=1, max_size=2, unique=True)))
    rest = [r for r in refs if r not in inside]
    outside = draw(st.lists(st.sampled_from(rest), max_size=1)) if rest and draw(st.integers(0, 3)) == 0 else []
    return Where(inside=inside, within_km=within, outside=outside)


@dataclass
class _Ids:
    """Counters for ids unique within one agreement (readings, exemptions)."""

    readings: itertools.count = field(default_factory=lambda: itertools.count(1))

    def reading(self) -> str:
        return f"d{next(self.readings)}"


def _binds(draw, party_ids: list[str], roles: dict[str, tuple[int, int]]) -> list[Binding]:
    out: list[Binding] = []
    for role, (low, high) in roles.items():
        for pid in draw(st.lists(st.sampled_from(party_ids), min_size=low, max_size=high, unique=True)):
            out.append(Binding(party=pid, as_=role))
    return out


@st.composite
def clauses(draw, clause_id: str = "c1", *, party_ids: Iterable[str] = PARTY_IDS, zs: ZoneSet | None = None,
            in_force: dt.date = dt.date(2018, 1, 1), kinds: Iterable[str] = RULE_KINDS,
            _ids: _Ids | None = None) -> Clause:
    """One clause of a kind in ``kinds``, with bindings that suit it and dates after ``in_force``."""
    ids = _ids or _Ids()
    party_ids = sorted(party_ids)
    zs = zs if zs is not None else ZoneSet()
    kind = draw(st.sampled_from(list(kinds)))

    def later(low: int, high: int, base: dt.date = in_force) -> dt.date:
        return base + dt.timedelta(days=draw(st.integers(low, high)))

    def maybe_dated(low: int, high: int, base: dt.date = in_force) -> Any:
        return draw(dated(later(low, high, base), readings_id=ids.reading() if draw(st.integers(0, 5)) == 0 else None))

    where = draw(wheres(zs)) if kind != "none" else None
    if kind == "prohibition":
        start = later(0, 200)
        when = When(**{"from": draw(dated(start)) if draw(st.booleans()) else None,
                       "until": maybe_dated(2, 700, start) if draw(st.booleans()) else None})
        rule: Any = Prohibition(kind="prohibition", conduct=draw(conducts(party_ids)), where=where, when=when)
        binds = _binds(draw, party_ids, {"actor": (1, 3), "guarantor": (0, 2)})
    elif kind == "prevent":
        start = later(0, 200)
        when = When(**{"from": draw(dated(start)) if draw(st.booleans()) else None,
                       "until": maybe_dated(2, 700, start) if draw(st.booleans()) else None})
        rule = Prevent(kind="prevent", conduct=draw(conducts(party_ids)), where=where, when=when,
                       by=draw(st.lists(st.sampled_from(party_ids), min_size=1, max_size=3, unique=True)))
        binds = _binds(draw, party_ids, {"obligor": (0, 2)})
    elif kind == "deadline":
        deadline_day = later(1, 300)
        deadline = draw(dated(deadline_day, readings_id=ids.reading() if draw(st.integers(0, 4)) == 0 else None))
        rule = Deadline(kind="deadline", deadline=deadline, evidence=draw(conducts(party_ids)),
                        by=draw(st.lists(st.sampled_from(party_ids), max_size=2, unique=True)), where=where,
                        until=maybe_dated(30, 600, deadline_day) if draw(st.booleans()) else None)
        binds = _binds(draw, party_ids, {"actor": (0, 2), "obligor": (0, 2), "guarantor": (0, 1)})
    elif kind == "result":
        rule = Result(kind="result", deadline=maybe_dated(5, 400), fulfilled_by=draw(conducts(party_ids)),
                      by=draw(st.lists(st.sampled_from(party_ids), max_size=2, unique=True)), where=where,
                      **{"from": draw(dated(in_force)) if draw(st.integers(0, 3)) == 0 else None})
        binds = _binds(draw, party_ids, {"obligor": (1, 2)})
    else:
        rule = NoRule(kind="none")
        binds = []
    if kind != "none" and draw(st.integers(0, 4)) == 0:  # a binding the kind does not use
        binds += _binds(draw, party_ids, {draw(st.sampled_from(v.ROLES)): (1, 1)})
    seen: set[tuple[str, str]] = set()
    binds = [b for b in binds if (b.party, b.as_) not in seen and not seen.add((b.party, b.as_))]
    return Clause(id=clause_id, article=clause_id.removeprefix("c"), text=f"Generated {kind} clause.",
                  sources=[SOURCE], checkable=kind != "none", binds=binds, rule=rule)


def _conduct_values(clause: Clause) -> Conduct | None:
    rule = clause.rule
    return getattr(rule, "conduct", None) or getattr(rule, "evidence", None) or getattr(rule, "fulfilled_by", None)


@st.composite
def conditions(draw, party_ids: Iterable[str] = PARTY_IDS, near: Conduct | None = None) -> Condition:
    """An exemption's condition; with ``near``, its lists overlap that conduct's (so it can apply)."""
    party_ids = sorted(party_ids)

    def pick(pool: Iterable[str], hint: Iterable[str]) -> list[str]:
        pool = list(pool)
        hint = list(hint)
        source = hint if hint and draw(st.booleans()) else pool
        return draw(st.lists(st.sampled_from(source), max_size=2, unique=True)) if draw(st.booleans()) else []

    near = near or Conduct()
    return Condition(actors=pick(party_ids, []) if draw(st.integers(0, 3)) == 0 else [],
                     actions=pick(v.ACTIONS, near.actions) if draw(st.integers(0, 2)) == 0 else [],
                     weapons=pick(v.WEAPONS, near.weapons) if draw(st.integers(0, 2)) == 0 else [],
                     target_types=pick(v.TARGET_TYPES, near.targets),
                     target_parties=pick(party_ids, near.target_parties or sorted(LISTED & set(party_ids))))


@st.composite
def exemptions(draw, exemption_id: str, targets: list[str], *, party_ids: Iterable[str] = PARTY_IDS,
               near: Conduct | None = None, effect: str | None = None, readings_id: str | None = None) -> Exemption:
    """An exemption overriding some of ``targets`` (clause or earlier exemption ids)."""
    party_ids = sorted(party_ids)
    overrides = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
    scope = None
    if readings_id and draw(st.integers(0, 2)) == 0:
        options = [ScopeOption(id=f"o{i}", **{"if": draw(conditions(party_ids, near))})
                   for i in range(draw(st.integers(2, 3)))]
        scope = ScopeReadings(id=readings_id, use=draw(st.sampled_from([o.id for o in options])), options=options)
    return Exemption(id=exemption_id, text=f"Generated exemption {exemption_id}.", sources=[SOURCE],
                     overrides=overrides, effect=effect or draw(st.sampled_from(["exempt", "exempt", "breach"])),
                     readings=scope, **{"if": draw(conditions(party_ids, near))})


@st.composite
def agreements(draw, agreement_id: str = "agr-0", *, party_ids: Iterable[str] = PARTY_IDS, zs: ZoneSet | None = None,
               min_clauses: int = 1, max_clauses: int = 4, kinds: Iterable[str] = RULE_KINDS,
               max_exemptions: int = 3) -> Agreement:
    """A small agreement: clauses of ``kinds``, guarantees, and exemptions whose overrides form no cycle.

    Dates lie in 2016-2021; ``in_force``, ``until`` and clause dates are sometimes moments with an offset
    or contested readings. Exemption ``i`` may override clauses and exemptions ``< i`` only.
    """
    party_ids = sorted(party_ids)
    zs = zs if zs is not None else ZoneSet()
    ids = _Ids()
    in_force_day = draw(days(dt.date(2016, 1, 1), dt.date(2021, 12, 31)))
    in_force = draw(dated(in_force_day, readings_id=ids.reading() if draw(st.integers(0, 4)) == 0 else None,
                          spread_days=5))
    until = None
    if draw(st.booleans()):
        until = draw(dated(in_force_day + dt.timedelta(days=draw(st.integers(60, 1500))),
                           readings_id=ids.reading() if draw(st.integers(0, 4)) == 0 else None))
    kinds = list(kinds)
    n = draw(st.integers(min_clauses, max_clauses))
    clause_list = [draw(clauses(f"c{i + 1}", party_ids=party_ids, zs=zs, in_force=in_force_day, kinds=kinds,
                                _ids=ids)) for i in range(n)]
    checkable = [c for c in clause_list if c.rule.kind != "none"]
    exemption_list: list[Exemption] = []
    if checkable:
        for i in range(draw(st.integers(0, max_exemptions))):
            targets = [c.id for c in checkable] + [e.id for e in exemption_list]
            near = _conduct_values(draw(st.sampled_from(checkable)))
            exemption_list.append(draw(exemptions(f"x{i + 1}", targets, party_ids=party_ids, near=near,
                                                  readings_id=ids.reading())))
    if exemption_list:  # clauses that list exemptions (which then may override them)
        ex_ids = [e.id for e in exemption_list]
        clause_list = [c.model_copy(update={"exemptions": draw(st.lists(st.sampled_from(ex_ids), max_size=2,
                                                                                   unique=True))})
                       if c.rule.kind != "none" and draw(st.booleans()) else c for c in clause_list]
    guarantees = []
    for _ in range(draw(st.integers(0, 3))):
        guarantees.append(Guarantee(guarantor=draw(st.sampled_from(party_ids)),
                                    parties=draw(st.lists(st.sampled_from(party_ids), min_size=1, max_size=3,
                                                          unique=True))))
    signatories = [Signatory(party=p, role=draw(st.sampled_from(["guarantor", "party"])))
                   for p in draw(st.lists(st.sampled_from(party_ids), min_size=1, max_size=3, unique=True))]
    used = sorted({r for c in clause_list for r in _refs(c)})
    return Agreement(id=agreement_id, title=f"Generated agreement {agreement_id}", signed=Signed(date=in_force_day),
                     in_force=in_force, until=until, signatories=signatories, sources=[SOURCE], zones=used,
                     guarantees=guarantees, exemptions=exemption_list, clauses=clause_list)


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


@st.composite
def profiles(draw, agreement_list: Iterable[Agreement] = (), *, min_attribution: str | None = None) -> Profile:
    """An interpretation profile choosing among the readings of ``agreement_list``."""
    choices = reading_choices(agreement_list)
    readings = {key: draw(st.sampled_from(options)) for key, options in sorted(choices.items()) if draw(st.booleans())}
    return Profile(id="generated", min_attribution=min_attribution or draw(st.sampled_from(v.ATTRIBUTION)),
                   guarantors_answer=draw(st.booleans()), overrun_zones=draw(st.sampled_from(["protected", "lapsed"])),
                   readings=readings)


@st.composite
def terms(draw, min_agreements: int = 1, max_agreements: int = 2, *, kinds: Iterable[str] = RULE_KINDS,
          max_clauses: int = 4, max_exemptions: int = 3, zone_families: tuple[int, int] = (1, 4)) -> Terms:
    """Whole terms ready for :func:`compliance.engine.evaluate.evaluate`: parties, zones, agreements, a profile.

    The profile drawn is ``terms.profiles["generated"]``.
    """
    registry = draw(parties())
    zs = draw(zones(*zone_families))
    kinds = list(kinds)
    agreement_list = [draw(agreements(f"agr-{i}", party_ids=registry, zs=zs, max_clauses=max_clauses, kinds=kinds,
                                      max_exemptions=max_exemptions))
                      for i in range(draw(st.integers(min_agreements, max_agreements)))]
    profile = draw(profiles(agreement_list))
    return Terms(parties=registry, agreements={a.id: a for a in agreement_list}, zones=zs,
                 profiles={profile.id: profile})


# -- events ----------------------------------------------------------------------------------------------


def clause_of(terms_: Terms, key: str) -> tuple[Agreement, Clause]:
    """The agreement and clause of ``"<agreement>/<clause>"``."""
    aid, _, cid = key.partition("/")
    agreement = terms_.agreements[aid]
    return agreement, next(c for c in agreement.clauses if c.id == cid)


def checkable_keys(terms_: Terms, kinds: Iterable[str] = ("prohibition", "deadline", "result", "prevent")) -> list[str]:
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


@dataclass
class _Draft:
    """The sets each field of an event may still take; constraints narrow them, then values are drawn."""

    actors: set[str | None]
    actions: set[str] = field(default_factory=lambda: set(v.ACTIONS))
    weapons_any: list[set[str]] = field(default_factory=list)
    weapons_none: set[str] = field(default_factory=set)
    targets: set[str | None] = field(default_factory=lambda: {*v.TARGET_TYPES, None})
    target_parties: set[str | None] = field(default_factory=set)

    def consistent(self) -> bool:
        return bool(self.actors and self.actions and self.targets and self.target_parties
                    and all(s - self.weapons_none for s in self.weapons_any))

    def negate(self, draw, cond: Condition, registry: dict[str, Party]) -> None:
        """Make the event fail ``cond`` on one key (chosen among those that can still fail)."""
        options = []
        if cond.actions and self.actions - set(cond.actions):
            options.append("actions")
        if cond.weapons:
            options.append("weapons")
        if cond.target_types and self.targets - set(cond.target_types):
            options.append("target_types")
        if cond.target_parties and self.target_parties - set(cond.target_parties):
            options.append("target_parties")
        if cond.actors and {a for a in self.actors if not answers_for(registry, a, cond.actors)}:
            options.append("actors")
        if not options:
            self.actors = set()  # cannot fail it: mark inconsistent
            return
        key = draw(st.sampled_from(options))
        if key == "actions":
            self.actions -= set(cond.actions)
        elif key == "weapons":
            self.weapons_none |= set(cond.weapons)
        elif key == "target_types":
            self.targets -= set(cond.target_types)
        elif key == "target_parties":
            self.target_parties -= set(cond.target_parties)
        else:
            self.actors = {a for a in self.actors if not answers_for(registry, a, cond.actors)}

    def meet(self, cond: Conduct | Condition, registry: dict[str, Party]) -> None:
        actions = cond.actions
        targets = cond.targets if isinstance(cond, Conduct) else cond.target_types
        if actions:
            self.actions &= set(actions)
        if cond.weapons:
            self.weapons_any.append(set(cond.weapons))
        if targets:
            self.targets &= set(targets)
        if cond.target_parties:
            self.target_parties &= set(cond.target_parties)
        actors = getattr(cond, "actors", None)
        if actors:
            self.actors = {a for a in self.actors if answers_for(registry, a, actors)}

    def violate(self, draw, conduct: Conduct) -> None:
        options = [k for k in ("actions", "weapons", "targets", "target_parties") if getattr(conduct, k)]
        if not options:
            self.actors = set()
            return
        key = draw(st.sampled_from(options))
        if key == "actions":
            self.actions -= set(conduct.actions)
        elif key == "weapons":
            self.weapons_none |= set(conduct.weapons)
        elif key == "targets":
            self.targets -= set(conduct.targets)
        else:
            self.target_parties -= set(conduct.target_parties)


def _bound_for(clause: Clause) -> set[str] | None:
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


def _pick_set(draw, options: set) -> Any:
    return draw(st.sampled_from(sorted(options, key=lambda x: (x is None, str(x)))))


def _times(draw, window: Window | None, timing: str | None) -> tuple[Any, Any] | None:
    """``(date, date_end)`` placed ``timing`` relative to ``window``, or ``None`` if impossible."""
    if timing is None or window is None:
        day = draw(days())
        if window is not None and window.start is not None and draw(st.booleans()):
            day = local_day(window.start) + dt.timedelta(days=draw(st.integers(-3, 3)))
        return (day, None) if draw(st.integers(0, 3)) else (draw(moments(day)), None)
    bias = st.one_of(st.just(0), st.just(1), st.integers(0, 400))
    form = draw(st.sampled_from(["day", "day", "span", "moment"]))
    if timing == "inside":
        first = window.first_full_day() or (window.last_full_day() or LAST_DAY) - dt.timedelta(days=800)
        last = window.last_full_day() or first + dt.timedelta(days=800)
        if form == "moment":
            start = window.start or local_midnight(first)
            end = window.end or local_midnight(last)
            seconds = int((end - start).total_seconds()) - 1
            if seconds < 0:
                return None
            k = draw(st.one_of(st.just(0), st.just(seconds), st.integers(0, seconds)))
            at = start + dt.timedelta(seconds=k)
            return at.astimezone(draw(st.sampled_from(OFFSETS))), None
        if first > last:
            return None
        n = (last - first).days
        if draw(st.booleans()):
            day = first + dt.timedelta(days=min(draw(bias), n))
        else:
            day = last - dt.timedelta(days=min(draw(bias), n))
        if form == "span":
            return day, day + dt.timedelta(days=draw(st.integers(0, (last - day).days)))
        return day, None
    if timing == "before":
        if window.start is None:
            return None
        if form == "moment":
            return (window.start - SECOND - dt.timedelta(minutes=draw(bias))).astimezone(draw(st.sampled_from(OFFSETS))), None
        last = local_day(window.start - SECOND) if local_midnight(local_day(window.start)) == window.start else \
            local_day(window.start) - DAY
        day = last - dt.timedelta(days=draw(bias))
        if form == "span":
            return day - dt.timedelta(days=draw(st.integers(0, 20))), day
        return day, None
    if timing == "after":
        if window.end is None:
            return None
        if form == "moment":
            return (window.end + dt.timedelta(minutes=draw(bias))).astimezone(draw(st.sampled_from(OFFSETS))), None
        first = local_day(window.end)
        if local_midnight(first) < window.end:
            first += DAY
        day = first + dt.timedelta(days=draw(bias))
        if form == "span":
            return day, day + dt.timedelta(days=draw(st.integers(0, 20)))
        return day, None
    # straddle: a span across one edge of the window (its date or place leaves the breach uncertain)
    edges = [e for e in (window.start, window.end) if e is not None]
    if not edges:
        return None
    edge = draw(st.sampled_from(edges))
    if window.start is not None and window.end is not None and (window.end - window.start) < dt.timedelta(days=3):
        return None
    before = local_day(edge - SECOND) - dt.timedelta(days=draw(st.integers(0, 1)))
    after = local_day(edge) + dt.timedelta(days=draw(st.integers(0, 1)))
    if draw(st.booleans()):
        return before, after
    return (edge - dt.timedelta(minutes=draw(st.integers(1, 600)))).astimezone(OFFSETS[0]), \
        (edge + dt.timedelta(minutes=draw(st.integers(0, 600)))).astimezone(OFFSETS[0])


def _place(draw, zs: ZoneSet, where: Where | None, zone_id: str | None, inside: bool | str | None,
           precision: float) -> tuple[float, float] | None:
    """(lon, lat) with the wanted membership, drawn from the region where it holds; ``None`` if impossible."""
    state = {True: g.IN, False: g.OUT, "edge": g.EDGE}.get(inside)  # type: ignore[call-overload]
    if zone_id is not None and state is not None:
        region = g.zone_region(zs, zone_id, state, precision)
        if state == g.IN and region.is_empty and zs.zones[zone_id].props.kind in ("line", "point"):
            region = g.zone_region(zs, zone_id, g.EDGE, precision)  # "on" a line or point: within precision
    elif where is not None and state is not None:
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
            if not candidates:
                return None
            region = draw(st.sampled_from(candidates))
        else:
            if state == g.EDGE:
                if not edges:
                    return None
                k = draw(st.integers(0, len(edges) - 1))
                parts = [edges[k], *(h for i, h in enumerate(holds) if i != k)]
            else:
                parts = holds
            region = g.WORLD
            for p in parts:
                region = region.intersection(p)
    else:
        region = g.WORLD
    tris = _triangles(zs, region)
    if not tris:
        return None
    tri = draw(st.sampled_from(tris))
    u = draw(st.floats(0, 1, allow_nan=False))
    w = draw(st.floats(0, 1, allow_nan=False))
    return g.lonlat(*g.point_in_triangle(tri, u, w))


def _triangles(zs: ZoneSet, region) -> list:
    if region.is_empty:
        return []
    cache = zs.__dict__.setdefault("_testing_triangles", {})
    key = region.wkb
    if key not in cache:
        cache[key] = g.triangles(region)
    return cache[key]


_UNSET: Any = object()


def _build_event(draw, terms_: Terms | None, *, clause: str | None, profile: Profile | None, zone: str | None,
                 inside: bool | str | None, timing: str | None, bound: bool | None, actor: Any,
                 matching: bool | None, exempt: bool | None, attribution: str | None, precision_km: float | None,
                 event_id: str | None) -> Event | None:
    registry = terms_.parties if terms_ is not None else {p: Party(id=p, name=_name(p), kind="other")
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
    draft = _Draft(actors={*party_ids, None}, target_parties={*party_ids, None})
    if actor is not _UNSET:
        draft.actors = {actor}
    elif bound is not None and clause_obj is not None:
        watched = _bound_for(clause_obj)
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
            draft.violate(draw, conduct)
    if exempt is not None and clause_obj is not None and agreement is not None:
        bearing = bearing_exemptions(agreement, clause_obj)
        if exempt:
            candidates = [e for e in bearing if e.effect == "exempt"]
            if not candidates:
                return None
            chosen = draw(st.sampled_from(candidates))
            draft.meet(condition_of(agreement, chosen, profile), registry)
        else:
            for e in bearing:
                draft.negate(draw, condition_of(agreement, e, profile), registry)
    if not draft.consistent():
        return None
    who = _pick_set(draw, draft.actors) if actor is _UNSET else actor
    if who is None and actor is _UNSET and draw(st.integers(0, 3)) == 0 and bound is not True:
        name = draw(st.sampled_from(UNRESOLVED_NAMES))
    elif who is not None and who in registry and actor is _UNSET:
        name = draw(actor_names(registry[who]))
    else:
        name = who
    action = _pick_set(draw, draft.actions)
    weapons: set[str] = set()
    for any_of in draft.weapons_any:
        weapons.add(_pick_set(draw, any_of - draft.weapons_none))
    pool = sorted(set(v.WEAPONS) - draft.weapons_none)
    weapons |= set(draw(st.lists(st.sampled_from(pool), max_size=1))) if pool else set()
    target_type = _pick_set(draw, draft.targets)
    target_party = _pick_set(draw, draft.target_parties)
    target_name = draw(actor_names(registry[target_party])) if target_party in registry else target_party
    if precision_km is None:
        precision_km = draw(st.sampled_from(EVENT_PRECISIONS_KM[3:] if inside == "edge" else EVENT_PRECISIONS_KM))
    where = getattr(clause_obj.rule, "where", None) if clause_obj is not None else None
    if zone is not None and zone not in zs.zones:
        raise InvalidArgument(f"unknown zone {zone!r}")
    place = _place(draw, zs, where, zone, inside, precision_km)
    if place is None:
        return None
    window = clause_window(agreement, clause_obj, profile) if clause_obj is not None and agreement is not None else None
    times = _times(draw, window, timing)
    if times is None:
        return None
    date, date_end = times
    if date_end is not None and isinstance(date_end, dt.date) and not isinstance(date_end, dt.datetime) \
            and date_end == date:
        date_end = None
    lon, lat = place
    return Event(
        id=event_id or f"ev-{draw(st.integers(0, 10**6))}",
        date=date, date_end=date_end, actor=name, action=action, weapons=sorted(weapons),
        target=Target(type=target_type, party=target_name),
        location=Location(name=draw(st.sampled_from([None, "Generated place", "Saraqib, Idlib"])), lat=lat, lon=lon,
                          precision_km=precision_km),
        casualties=Casualties(killed=draw(st.one_of(st.none(), st.integers(0, 50)))),
        attribution=attribution or draw(st.sampled_from(v.ATTRIBUTION)),
        sources=[SOURCE] if draw(st.booleans()) else [],
    )


@st.composite
def events(draw, terms: Terms | None = None, *, clause: str | None = None, profile: Profile | None = None,
           zone: str | None = None, inside: bool | str | None = None, timing: str | None = None,
           bound: bool | None = None, actor: Any = _UNSET, matching: bool | None = None, exempt: bool | None = None,
           attribution: str | None = None, precision_km: float | None = None, event_id: str | None = None) -> Event:
    """One event, built to order. Every keyword left ``None`` is drawn freely.

    * ``terms``: the parties and zones to use (default: the contracts' party ids, no zones).
    * ``clause``: ``"<agreement>/<clause>"``; the keywords below are relative to it.
    * ``zone`` + ``inside``: ``True`` inside the zone with a margin larger than any precision (for a line
      or a point: on it, within the event's precision), ``False`` outside it, ``"edge"`` within the
      precision of its edge (a possible breach). Without ``zone``, ``inside`` is relative to the clause's
      ``where``: ``True`` meets every place condition, ``False`` fails at least one, ``"edge"`` only possibly.
    * ``timing``: ``"before"``, ``"inside"``, ``"after"`` the clause's window, or ``"straddle"`` an edge of it
      (dates are whole local days in Syria, moments carry an offset; boundary days are drawn often).
    * ``bound``: ``True`` an actor the clause answers for (itself or under its command), ``False`` one it
      does not (or an unknown actor). ``actor`` fixes the actor name instead.
    * ``matching``: ``True`` meets the clause's conduct (or evidence / fulfilment), ``False`` fails it.
    * ``exempt``: ``True`` meets the condition of one of the clause's exemptions with effect ``exempt``
      (under ``profile``'s reading of its scope), ``False`` meets none of the conditions bearing on it.
    * ``attribution``, ``precision_km``, ``event_id``: fixed values.

    Combinations that cannot be built (``exempt=True`` on a clause without exemptions, ``timing="before"``
    for an open window) are rejected, so prefer them where they are possible.

    Example::

        @given(events(TERMS, clause="agr-0/c1", timing="after", profile=PROFILE))
        def test_nothing_counts_after_the_window(event): ...
    """
    from hypothesis import reject

    event = _build_event(draw, terms, clause=clause, profile=profile, zone=zone, inside=inside, timing=timing,
                         bound=bound, actor=actor, matching=matching, exempt=exempt, attribution=attribution,
                         precision_km=precision_km, event_id=event_id)
    if event is None:
        reject()
    return event


@st.composite
def logs(draw, terms: Terms, *, profile: Profile | None = None, min_size: int = 0, max_size: int = 8,
         targeted: float = 0.85) -> list[Event]:
    """A log of events with unique ids ``e0``, ``e1``...: most aimed at a random clause (in or near its
    window, zones, conduct and bound parties, with near misses), the rest anywhere.

    Targeting is what makes a random log interesting: a uniformly random event almost never meets a
    clause. When a drawn combination cannot be built, the event is drawn freely instead.
    """
    keys = checkable_keys(terms)
    n = draw(st.integers(min_size, max_size))
    out: list[Event] = []
    for i in range(n):
        event = None
        if keys and draw(st.floats(0, 1)) < targeted:
            key = draw(st.sampled_from(keys))
            _, clause = clause_of(terms, key)
            event = _build_event(
                draw, terms, clause=key, profile=profile, zone=None,
                inside=draw(st.sampled_from([True, True, True, False, "edge", None])),
                timing=draw(st.sampled_from(["inside", "inside", "inside", "before", "after", "straddle", None])),
                bound=draw(st.sampled_from([True, True, True, False, None])),
                actor=_UNSET, matching=draw(st.sampled_from([True, True, True, False, None])),
                exempt=draw(st.sampled_from([None, None, True, False])) if clause.exemptions or
                any(clause.id in e.overrides for e in terms.agreements[key.split("/")[0]].exemptions) else None,
                attribution=None, precision_km=None, event_id=f"e{i}")
        if event is None:
            event = _build_event(draw, terms, clause=None, profile=profile, zone=None, inside=None, timing=None,
                                 bound=None, actor=_UNSET, matching=None, exempt=None, attribution=None,
                                 precision_km=None, event_id=f"e{i}")
        assert event is not None
        out.append(event)
    return out


__all__ = [
    "LISTED", "PARTY_IDS", "RULE_KINDS", "TIMINGS", "actor_names", "agreements", "answers_for", "bearing_exemptions",
    "checkable_keys", "clause_of", "clauses", "commanders", "condition_of", "conditions", "conducts", "dated", "days",
    "events", "exemptions", "logs", "moments", "parties", "profiles", "reading_choices", "terms", "wheres", "zone",
    "zone_refs", "zones",
]
