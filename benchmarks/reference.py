"""A plain-Python reference evaluator: one event and one clause at a time, written to be obviously right.

It follows docs/authoring.md, not the engine's code. It takes from the package only what is a
matter of reading the terms, not of evaluating them:

* ``compile_clauses``: each clause's window and deadline resolved to instants for the profile (its
  ``start``, ``end``, ``deadline``), its kind, conduct, place and bindings;
* ``Registry.resolve``: an actor's name to a party id (aliases, ``*`` prefixes);
* each zone's properties and WGS84 geometry from the ``ZoneSet``.

Everything else is here, in the simplest form: events read with the ``csv`` module and their dates
with ``datetime``/``zoneinfo``; who commands whom; which guarantor answers for whom; exemption
conditions, their readings and which exemption wins; zone membership with one shapely ``Point`` per
event, projected with its own pyproj transformer; the roles that answer. It is slow on purpose
(no arrays, nothing shared between events); the benchmark times it on a sample and extrapolates.

It produces ``(event_id, clause, party, role, status)`` for prohibition, deadline and prevent rules.
``result`` rules are about the whole log, not one event, and are skipped.

Where the guide leaves a point open, the choice is written down next to the code (look for
"reading:") so a disagreement with the engine can be traced to a choice, not to a bug.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
import shapely.ops
from pyproj import Transformer
from shapely.geometry import Point

from compliance.engine.compile import CompiledClause, compile_clauses
from compliance.engine.parties import Registry
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile

LOCAL = ZoneInfo("Asia/Damascus")
ATTRIBUTION_ORDER = ["unknown", "disputed", "alleged", "probable", "confirmed"]  # weakest first
IN, EDGE, OUT = 2, 1, 0
HOLDS, MAYBE, FAILS = 2, 1, 0

Finding = tuple[str, str, str, str, str]  # event_id, clause, party, role, status


@dataclass
class Event:
    """One event as plain values: its span in epoch seconds [start, end), names as written."""

    id: str
    start: int
    end: int
    actor: str
    action: str
    weapons: frozenset[str]
    target_type: str
    target_party: str
    lat: float
    lon: float
    precision_km: float
    attribution: str


# -- reading events ------------------------------------------------------------------------------------


def _local_midnight(day: dt.date) -> int:
    # A date alone is the whole local day in Syria. zoneinfo maps a midnight that daylight saving
    # skips to the same instant as the first valid time after it (fold=0 takes the old offset).
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL).timestamp())


def _opening_closing(text: str) -> tuple[int, int]:
    """A date: its local day [midnight, next midnight). A moment with an offset: [t, t + 1 s)."""
    text = text.strip()
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return _local_midnight(day), _local_midnight(day + dt.timedelta(days=1))
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"a moment needs its UTC offset: {text}")
    t = int(moment.timestamp())
    return t, t + 1


def event_from_row(row: dict[str, str]) -> Event:
    start, close = _opening_closing(row["date"])
    date_end = (row.get("date_end") or "").strip()
    end = _opening_closing(date_end)[1] if date_end else close  # date_end is inclusive
    precision = (row.get("precision_km") or "").strip()
    return Event(
        id=row["id"].strip(), start=start, end=end, actor=(row.get("actor") or "").strip(),
        action=row["action"].strip(),
        weapons=frozenset(w.strip() for w in (row.get("weapons") or "").split(";") if w.strip()),
        target_type=(row.get("target_type") or "").strip(), target_party=(row.get("target_party") or "").strip(),
        lat=float(row["lat"]), lon=float(row["lon"]), precision_km=float(precision) if precision else 0.0,
        attribution=(row.get("attribution") or "").strip() or "unknown",
    )


def read_events(path: Path, ids: Iterable[str] | None = None) -> list[Event]:
    """Events of a CSV log: all of them, or those with the given ids."""
    wanted = None if ids is None else set(ids)
    out = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if wanted is None or row["id"].strip() in wanted:
                out.append(event_from_row(row))
    return out


# -- the evaluator -------------------------------------------------------------------------------------


class Reference:
    def __init__(self, terms: Terms, profile: Profile):
        self.terms = terms
        self.profile = profile
        self.registry = Registry.build(terms.parties)
        self.clauses = [cc for cc in compile_clauses(terms, profile)
                        if cc.kind in ("prohibition", "deadline", "prevent")]
        self.to_metres = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
        self.zone_props = {zid: z.props for zid, z in terms.zones.zones.items()}
        self.zone_geometry = {zid: shapely.ops.transform(self.to_metres.transform, z.geometry)
                              for zid, z in terms.zones.zones.items()}
        self.groups: dict[str, list[str]] = {}
        for zid, props in self.zone_props.items():
            for g in props.groups:
                self.groups.setdefault(g, []).append(zid)

    # -- names and parties

    def party_of(self, name: str) -> str | None:
        return self.registry.resolve(name) if name else None

    def commanders_of(self, party: str) -> set[str]:
        """Every party that commands ``party``, directly or through others."""
        found: set[str] = set()
        todo = [party]
        while todo:
            p = todo.pop()
            for other in self.terms.parties.values():
                if p in other.commands and other.id not in found:
                    found.add(other.id)
                    todo.append(other.id)
        return found

    def answering(self, actor: str | None, bound: set[str]) -> str | None:
        """The bound party that answers for ``actor``'s conduct: itself, or one commanding it."""
        if not actor:
            return None
        if actor in bound:
            return actor
        # reading: with several bound commanders the guide names none; take the first by id
        for commander in sorted(self.commanders_of(actor)):
            if commander in bound:
                return commander
        return None

    @staticmethod
    def guarantors_of(cc: CompiledClause, party: str) -> list[str]:
        """The guarantors bound by the clause that guarantee ``party`` under the clause's agreement."""
        out = set()
        for g in cc.agreement.guarantees:
            if party in g.parties and g.guarantor in cc.guarantors and g.guarantor != party:
                out.add(g.guarantor)
        return sorted(out)

    # -- places

    def members(self, ref: str) -> list[str]:
        return [ref] if ref in self.zone_props else sorted(self.groups.get(ref, []))

    def precision_of(self, ref: str) -> float:
        return max((self.zone_props[z].precision_km for z in self.members(ref)), default=0.0)

    def distance_km(self, refs: list[str], point: Point) -> float:
        best = math.inf
        for ref in refs:
            for zid in self.members(ref):
                geom = self.zone_geometry[zid]
                if self.zone_props[zid].kind == "area" and geom.contains(point):
                    d = 0.0
                else:
                    d = geom.distance(point) / 1000.0
                best = min(best, d)
        return best

    def within(self, refs: list[str], km: float, point: Point, event_precision: float,
               zone_precision: float | None = None) -> int:
        """Within ``km`` of any of ``refs``: IN beyond doubt, EDGE within the precisions of the limit, else OUT.

        reading: each geometry is blurred by its own ``precision_km`` (a post placed to 3 km is not
        blurred by another placed to 10) unless ``zone_precision`` is given (a corridor's).
        """
        best = OUT
        for ref in refs:
            for zid in self.members(ref):
                precision = self.zone_props[zid].precision_km if zone_precision is None else zone_precision
                tol = event_precision + precision
                d = self.distance_km([zid], point)
                if d <= km - tol:
                    best = max(best, IN)
                elif d <= km + tol:
                    best = max(best, EDGE)
        return best

    def membership(self, zid: str, ev: Event, point: Point) -> int:
        props = self.zone_props[zid]
        if props.kind in ("corridor", "radius"):
            # the band within distance_km of the line or points it is measured from, exactly
            precision = max(props.precision_km, self.precision_of(props.of))
            state = self.within([props.of], props.distance_km, point, ev.precision_km, precision)
        elif props.kind in ("line", "point"):
            # reading: "inside" a line or a point means on it, within the precisions
            state = self.within([zid], 1e-6, point, ev.precision_km)
        else:
            geom = self.zone_geometry[zid]
            tol = ev.precision_km + props.precision_km
            to_edge = geom.boundary.distance(point) / 1000.0
            if tol > 0 and to_edge <= tol:
                state = EDGE
            elif geom.contains(point):
                state = IN
            else:
                state = OUT
        if self.profile.overrun_zones == "lapsed" and props.taken is not None and props.taken.date is not None:
            taken = props.taken.date
            cut = int(taken.timestamp()) if isinstance(taken, dt.datetime) else _local_midnight(taken)
            if ev.start >= cut:
                state = OUT
            elif ev.start < cut < ev.end and state == IN:
                state = EDGE
        return state

    def place_state(self, cc: CompiledClause, ev: Event) -> int:
        where = cc.where
        if not (where.inside or where.within_km or where.outside):
            return HOLDS
        x, y = self.to_metres.transform(ev.lon, ev.lat)
        point = Point(x, y)
        state = HOLDS
        if where.inside:
            state = min(state, max(self.membership(z, ev, point) for ref in where.inside for z in self.members(ref)))
        if where.within_km is not None:
            state = min(state, self.within(list(where.within_km.of), where.within_km.km, point, ev.precision_km))
        if where.outside:
            inside = max(self.membership(z, ev, point) for ref in where.outside for z in self.members(ref))
            state = min(state, 2 - inside)
        return state

    # -- time

    @staticmethod
    def time_state(ev: Event, opens: int | None, closes: int | None) -> int:
        """The event's span against the window [opens, closes): wholly inside, overlapping, or not."""
        lo = opens if opens is not None else -math.inf
        hi = closes if closes is not None else math.inf
        if ev.start >= lo and ev.end <= hi:
            return HOLDS
        if ev.start < hi and ev.end > lo:
            return MAYBE
        return FAILS

    # -- exemptions

    def exemption_outcome(self, cc: CompiledClause, ev: Event, actor: str | None) -> str:
        """"breach" (no exemption wins, or the winners keep the breach), "exempt", or "conflict"."""
        agreement = cc.agreement
        applicable = {}
        for ex in agreement.exemptions:
            cond = ex.if_
            if ex.readings is not None:
                key = f"{agreement.id}/{ex.readings.id}"
                choice = self.profile.readings.get(key, ex.readings.use)
                for option in ex.readings.options:
                    if option.id == choice:
                        cond = option.if_
            ok = True
            if cond.actors and not self.answering(actor, set(cond.actors)):
                ok = False
            if cond.actions and ev.action not in cond.actions:
                ok = False
            if cond.weapons and not (ev.weapons & set(cond.weapons)):
                ok = False
            if cond.target_types and ev.target_type not in cond.target_types:
                ok = False
            if cond.target_parties and self.party_of(ev.target_party) not in cond.target_parties:
                ok = False
            if ok:
                overrides = set(ex.overrides)
                if ex.id in cc.clause.exemptions:
                    overrides.add(cc.clause.id)
                applicable[ex.id] = (ex, overrides)
        if not applicable:
            return "breach"
        # an applicable exemption bears on the clause if it overrides the clause, or overrides an
        # applicable exemption that bears on it (a chain); one overriding only exemptions that have
        # nothing to do with this clause does not count here
        bearing = {ex_id for ex_id, (_, overrides) in applicable.items() if cc.clause.id in overrides}
        grew = True
        while grew:
            grew = False
            for ex_id, (_, overrides) in applicable.items():
                if ex_id not in bearing and overrides & bearing:
                    bearing.add(ex_id)
                    grew = True
        # the more specific wins: one overridden by another that bears on the clause drops out
        beaten = {target for ex_id in bearing for target in applicable[ex_id][1] if target in bearing}
        winners = [applicable[ex_id][0] for ex_id in sorted(bearing) if ex_id not in beaten]
        if not winners:
            return "breach"
        effects = {ex.effect for ex in winners}
        if len(effects) > 1:
            return "conflict"
        return "exempt" if effects == {"exempt"} else "breach"

    # -- one event, one clause

    def evaluate_one(self, cc: CompiledClause, ev: Event) -> list[Finding]:
        actor = self.party_of(ev.actor)
        # who: the actor the rule is about (deadlines without ``by``: anyone's presence counts)
        if cc.kind == "prohibition":
            if not self.answering(actor, cc.actors):
                return []
        elif cc.kind == "prevent":
            if not self.answering(actor, cc.by | cc.obligors):
                return []
        elif cc.kind == "deadline" and cc.by and not self.answering(actor, cc.by):
            return []
        # what
        conduct = cc.conduct
        if conduct.actions and ev.action not in conduct.actions:
            return []
        if conduct.weapons and not (ev.weapons & set(conduct.weapons)):
            return []
        if conduct.targets and ev.target_type not in conduct.targets:
            return []
        if conduct.target_parties and self.party_of(ev.target_party) not in conduct.target_parties:
            return []
        # how sure the actor is: the profile's least attribution that counts
        # reading: a deadline that counts anyone's presence does not depend on who it was
        counts_attribution = cc.kind in ("prohibition", "prevent") or bool(cc.by)
        least = ATTRIBUTION_ORDER.index(self.profile.min_attribution)
        if counts_attribution and ATTRIBUTION_ORDER.index(ev.attribution) < least:
            return []
        # when: deadlines count evidence from the day after the deadline
        if cc.kind == "deadline":
            state = self.time_state(ev, cc.deadline.seconds, cc.end.seconds if cc.end else None)
        else:
            state = self.time_state(ev, cc.start.seconds if cc.start else None, cc.end.seconds if cc.end else None)
        if state == FAILS:
            return []
        # where
        state = min(state, self.place_state(cc, ev))
        if state == FAILS:
            return []
        outcome = self.exemption_outcome(cc, ev, actor)
        if outcome == "exempt":
            return []
        status = "contested" if outcome == "conflict" else ("breach" if state == HOLDS else "possible")
        answers: list[tuple[str, str]] = []
        if cc.kind == "prevent":
            own = self.answering(actor, cc.obligors)
            if own:
                answers.append((own, "actor"))
            # reading (guide): "every party bound as obligor answers as obligor; where the obligor did it
            # itself, it answers as actor" - the other obligors still answer as obligor
            answers += [(o, "obligor") for o in sorted(cc.obligors) if o != own]
        else:
            own = self.answering(actor, cc.actors)
            if own:
                answers.append((own, "actor"))
                if self.profile.guarantors_answer:
                    answers += [(g, "guarantor") for g in self.guarantors_of(cc, own)]
            if cc.kind == "deadline":
                answers += [(o, "obligor") for o in sorted(cc.obligors) if o != own]
        return [(ev.id, cc.key, party, role, status) for party, role in answers]

    def evaluate(self, events: Iterable[Event]) -> list[Finding]:
        out: list[Finding] = []
        for ev in events:
            for cc in self.clauses:
                out.extend(self.evaluate_one(cc, ev))
        return out


def compare(engine: set[Finding], reference: set[Finding]) -> dict[str, object]:
    """What each side found that the other did not."""
    only_engine = sorted(engine - reference)
    only_reference = sorted(reference - engine)
    return {"agree": not only_engine and not only_reference, "common": len(engine & reference),
            "only_engine": only_engine, "only_reference": only_reference}
