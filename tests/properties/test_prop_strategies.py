"""The strategies of compliance.testing build what they promise, checked with the reference's geometry and clock.

Properties built on them are only as good as this: an event "inside a zone" must be inside it for any
precision, an event "after the window" after it, a "bound" actor one the clause answers for.
"""

from __future__ import annotations

import reference as ref
from hypothesis import assume, given
from hypothesis import strategies as st

from compliance.testing import answers_for, bearing_exemptions, checkable_keys, clause_of, condition_of, events, terms
from compliance.testing.geometry import IN, zone_region
from compliance.testing.strategies import _build_event, _conduct_values

STATE = {True: ref.IN, False: ref.OUT, "edge": ref.EDGE}


@st.composite
def one_zone_event(draw):
    t = draw(terms(1, 1, max_clauses=1))
    zid = draw(st.sampled_from(sorted(t.zones.zones)))
    inside = draw(st.sampled_from([True, False, "edge"]))
    e = draw(events(t, zone=zid, inside=inside))
    return t, zid, inside, e


@ref.examples(0.4)
@given(one_zone_event())
def test_an_event_placed_inside_outside_or_at_the_edge_of_a_zone_is_there(case):
    t, zid, inside, e = case
    places = ref.Places(t, t.profiles["generated"].model_copy(update={"overrun_zones": "protected"}))
    x, y = ref._TO_UTM.transform(e.location.lon, e.location.lat)
    state = places.membership(zid, ref.Point(x, y), e.location.precision_km, ref.event_span(e))
    wanted = STATE[inside]
    if inside is True and zone_region(t.zones, zid, IN, e.location.precision_km).is_empty:
        wanted = ref.EDGE  # on a line or at a point (or too thin a corridor): only ever within the precision
    assert state == wanted, (zid, t.zones.zones[zid].props, e.location)


@st.composite
def aimed_event(draw, **fixed):
    t = draw(terms(1, 2))
    p = t.profiles["generated"]
    keys = checkable_keys(t)
    assume(keys)
    key = draw(st.sampled_from(keys))
    e = draw(st.composite(lambda d: _build_event(d, t, clause=key, profile=p, event_id="e", **fixed))())
    assume(e is not None)
    return t, p, key, e


@ref.examples(0.4)
@given(st.sampled_from(["before", "inside", "after", "straddle"]).flatmap(
    lambda timing: st.tuples(st.just(timing), aimed_event(timing=timing))))
def test_an_event_timed_before_inside_after_or_across_a_window_is_so(case):
    timing, (t, p, key, e) = case
    agreement, clause = clause_of(t, key)
    cc = ref.compile_clause(agreement, clause, p)
    state = ref.time_state(ref.event_span(e), cc.start, cc.end)
    wanted = {"before": ref.FAILS, "after": ref.FAILS, "inside": ref.HOLDS, "straddle": ref.MAYBE}[timing]
    if timing == "straddle" and cc.start is not None and cc.end is not None and cc.end <= cc.start:
        return  # an empty window: nothing straddles it
    assert state == wanted, (timing, e.date, e.date_end, cc.start, cc.end)
    s, end = ref.event_span(e)
    if timing == "before":
        assert end <= cc.start
    if timing == "after":
        assert s >= cc.end


@ref.examples(0.4)
@given(st.sampled_from([True, False, "edge"]).flatmap(
    lambda inside: st.tuples(st.just(inside), aimed_event(inside=inside))))
def test_an_event_placed_to_meet_or_miss_a_clauses_place_conditions_does(case):
    inside, (t, p, key, e) = case
    _, clause = clause_of(t, key)
    places = ref.Places(t, p.model_copy(update={"overrun_zones": "protected"}))
    state = places.where_state(clause.rule.where, e, ref.event_span(e))
    if inside is True:
        assert state in (ref.HOLDS, ref.MAYBE)  # MAYBE only where surely cannot be built (lines, points)
    else:
        assert state == STATE[inside]


@ref.examples(0.4)
@given(st.booleans().flatmap(lambda bound: st.tuples(st.just(bound), aimed_event(bound=bound))))
def test_an_event_by_a_bound_or_unbound_party_is_so(case):
    bound, (t, _, key, e) = case
    _, clause = clause_of(t, key)
    rule = clause.rule
    roles = {b.party for b in clause.binds if b.as_ == ("obligor" if rule.kind == "prevent" else "actor")}
    if rule.kind == "prohibition":
        watched = roles
    elif rule.kind == "prevent":
        watched = set(rule.by) | roles
    else:
        watched = set(rule.by)
        if not watched:  # anyone's evidence counts: every actor is "bound", none is not
            assert bound
            return
    actor = ref.Parties(t).resolve(e.actor)
    assert answers_for(t.parties, actor, watched) == bound


@ref.examples(0.4)
@given(st.booleans().flatmap(lambda matching: st.tuples(st.just(matching), aimed_event(matching=matching))))
def test_an_event_meeting_or_missing_a_clauses_conduct_does(case):
    matching, (t, _, key, e) = case
    _, clause = clause_of(t, key)
    assert ref.conduct_holds(_conduct_values(clause), e, ref.Parties(t).resolve(e.target.party)) == matching


@ref.examples(0.4)
@given(st.booleans().flatmap(lambda exempt: st.tuples(st.just(exempt), aimed_event(exempt=exempt))))
def test_an_event_meeting_an_exemption_or_none_does(case):
    exempt, (t, p, key, e) = case
    agreement, clause = clause_of(t, key)
    names = ref.Parties(t)
    met = [x for x in bearing_exemptions(agreement, clause) if x.effect == "exempt" and ref.condition_holds(
        condition_of(agreement, x, p), e, names.resolve(e.actor), names.resolve(e.target.party), names)]
    assert bool(met) == exempt
