"""Properties of the rules: what must hold of the findings for every agreement, zone, profile and log.

Each property draws terms (agreements over synthetic zones), a profile and events built to order
(compliance.testing), evaluates them with the engine, and checks one rule of docs/authoring.md that
holds whatever the details.
"""

from __future__ import annotations

import reference as ref
from hypothesis import assume, event, given, note, reject
from hypothesis import strategies as st

from compliance import vocabulary as v
from compliance.engine.evaluate import evaluate
from compliance.loading.events import events_frame
from compliance.loading.terms import Terms
from compliance.models.agreements import Agreement, Clause, Condition, Exemption
from compliance.models.events import Event
from compliance.models.profiles import Profile
from compliance.testing import answers_for, bearing_exemptions, checkable_keys, clause_of, logs, terms
from compliance.testing.strategies import _attribution_for, _build_event, _pick

ENGINE_KINDS = ("prohibition", "prevent", "deadline")
WISH_ORDER = ("exempt", "matching", "inside", "bound", "timing")


def _roles(clause: Clause) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"actor": set(), "guarantor": set(), "obligor": set()}
    for b in clause.binds:
        out[b.as_].add(b.party)
    return out


def _probe(draw, t: Terms, profile: Profile, key: str, keep: tuple[str, ...], wishes: dict, event_id: str):
    """One event aimed at ``key``: wishes not in ``keep`` are dropped one at a time until it can be built."""
    agreement, clause = clause_of(t, key)
    tries = {"inside": True, "timing": "inside", "bound": True, "matching": True,
             "exempt": False if bearing_exemptions(agreement, clause) else None}
    tries.update({k: (_pick(draw, w) if isinstance(w, list) else w) for k, w in wishes.items()})
    attribution = _attribution_for(draw, profile)
    for loose in (None, *WISH_ORDER):
        if loose is not None:
            if loose in keep or tries.get(loose) is None:
                continue
            tries[loose] = None
        e = _build_event(draw, t, clause=key, profile=profile, attribution=attribution, event_id=event_id, **tries)
        if e is not None:
            return e
    return None


@st.composite
def aimed(draw, kinds=ENGINE_KINDS, keep: tuple[str, ...] = (), probes: int = 6, **wishes):
    """Terms, a profile and up to ``probes`` events, each aimed at a clause: ``[(clause key, event)]``.

    Every wish is tried (a list: one of its values per probe); wishes not in ``keep`` are dropped one at a
    time when they cannot be built together; a probe whose kept wishes cannot be built is left out.
    Several probes share one evaluation (findings about one event never depend on another: see
    ``test_adding_an_event_changes_only_the_findings_about_it``).
    """
    t = draw(terms(kinds=kinds), label="terms")
    profile = t.profiles["generated"]
    keys = checkable_keys(t, kinds)
    assume(keys)
    out = []
    for i in range(draw(st.integers(1, probes), label="probes")):
        key = draw(st.sampled_from(keys))
        e = draw(st.composite(lambda d, key=key, i=i: _probe(d, t, profile, key, keep, wishes, f"probe-{i}"))())
        if e is not None:
            out.append((key, e))
    if not out:
        reject()
    note(f"probes: {[(k, e.id) for k, e in out]}")
    return t, profile, out


def _about(findings, event_id: str, key: str):
    return findings[(findings["event_id"] == event_id) & (findings["clause"] == key)]


def _none_about(t: Terms, profile: Profile, probes) -> None:
    found = ref.run_engine(t, [e for _, e in probes], profile)
    for key, e in probes:
        about = _about(found, e.id, key)
        assert about.empty, f"{e.id} gives {about[['party', 'role', 'status']].to_dict('records')} under {key}"


# -- time and place ------------------------------------------------------------------------------------------


@ref.examples(0.2)
@given(aimed(keep=("timing",), timing=["before", "after"]))
def test_an_event_outside_a_clauses_window_never_breaches_it(case):
    _none_about(*case)


@ref.examples(0.2)
@given(aimed(keep=("inside",), inside=False))
def test_an_event_outside_a_clauses_zones_never_breaches_it(case):
    """Geometry alone decides here: under ``overrun_zones: lapsed`` a zone taken before the event no longer
    exists, so an event placed inside it *does* meet an ``outside`` condition (the reference agrees)."""
    t, profile, probes = case
    _none_about(t, profile.model_copy(update={"overrun_zones": "protected"}), probes)


def _someone_answers(t: Terms, clause: Clause, e: Event) -> bool:
    roles = _roles(clause)
    kind = clause.rule.kind
    if kind == "prohibition":
        return True
    if kind == "prevent":
        return bool(roles["obligor"])
    actor = ref.Parties(t).resolve(e.actor)
    return bool(roles["obligor"]) or answers_for(t.parties, actor, roles["actor"])


def _hits(t: Terms, profile: Profile, probes):
    return [(k, e) for k, e in probes if _someone_answers(t, clause_of(t, k)[1], e)
            and ref.rank(e.attribution) >= ref.rank(profile.min_attribution)]


@ref.examples(0.4)
@given(aimed(keep=("inside", "timing", "bound", "matching", "exempt")))
def test_an_event_meeting_every_condition_of_a_clause_breaches_it(case):
    """The positive twin of the two properties above: inside the window (boundary days often), inside the
    zones, by a bound party, matching the conduct, counted, not exempt: someone answers for it."""
    t, profile, probes = case
    probes = _hits(t, profile, probes)
    assume(probes)
    profile = profile.model_copy(update={"overrun_zones": "protected"})
    found = ref.run_engine(t, [e for _, e in probes], profile)
    for key, e in probes:
        about = _about(found, e.id, key)
        event(f"{clause_of(t, key)[1].rule.kind}: {sorted(set(about['status']))}")
        assert not about.empty, f"no finding for {e.id} under {key}"
        assert set(about["status"]) <= {"breach", "possible"}


# -- who answers ---------------------------------------------------------------------------------------------


@ref.examples(0.3)
@given(st.data())
def test_a_party_a_clause_does_not_bind_never_answers_for_it_and_findings_are_well_formed(data):
    t = data.draw(terms(), label="terms")
    profile = t.profiles["generated"]
    log = data.draw(logs(t, profile=profile), label="log")
    found = ref.run_engine(t, log, profile)
    names = ref.Parties(t)
    by_id = {e.id: e for e in log}
    for f in found.itertuples():
        _, clause = clause_of(t, f.clause)
        roles = _roles(clause)
        kind = clause.rule.kind
        if f.role == "actor":
            bound = roles["obligor"] if kind == "prevent" else roles["actor"]
            assert f.party in bound, f"{f.party} answers as actor for {f.clause} but is not bound so"
            actor = names.resolve(by_id[f.event_id].actor)
            assert answers_for(t.parties, actor, {f.party}), f"{f.party} answers for {actor}'s conduct"
        else:
            assert f.party in roles[f.role], f"{f.party} answers as {f.role} for {f.clause} but is not bound so"
    # and every finding is well formed
    ids = {e.id for e in log}
    checkable = set(checkable_keys(t))
    for f in found.itertuples():
        assert f.clause in checkable
        assert f.status in {"breach", "possible", "contested"}
        assert f.confidence in v.CONFIDENCE
        assert f.role in v.ROLES
        if isinstance(f.event_id, str):
            assert f.event_id in ids
        else:
            assert clause_of(t, f.clause)[1].rule.kind == "result"
        if f.confidence == "possible":
            assert f.status in ("possible", "contested")
        if f.status == "possible":
            assert f.confidence not in ("confirmed", "probable")


@ref.examples(0.2)
@given(aimed(kinds=("prohibition",), keep=("bound",), bound=False))
def test_an_event_by_an_unbound_party_never_breaches_a_prohibition(case):
    _none_about(*case)


# -- exemptions ----------------------------------------------------------------------------------------------


def _with_exemption(agreement: Agreement, clause: Clause, exemption: Exemption | None) -> Agreement:
    """The agreement without any exemption bearing on ``clause``, plus ``exemption`` if given."""
    gone = {x.id for x in bearing_exemptions(agreement, clause)}
    kept = [x for x in agreement.exemptions if x.id not in gone]
    clauses = [c.model_copy(update={"exemptions": [i for i in c.exemptions if i not in gone]})
               for c in agreement.clauses]
    return agreement.model_copy(update={"exemptions": kept + ([exemption] if exemption else []), "clauses": clauses})


def _condition_met_by(draw, e: Event, names: ref.Parties) -> Condition:
    """A condition the event meets, on a few of its own fields."""
    fields = {"actions": [e.action]}
    if e.weapons:
        fields["weapons"] = [draw(st.sampled_from(e.weapons))]
    if e.target.type:
        fields["target_types"] = [e.target.type]
    target_party = names.resolve(e.target.party)
    if target_party:
        fields["target_parties"] = [target_party]
    actor = names.resolve(e.actor)
    if actor:
        fields["actors"] = [actor]
    chosen = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=len(fields)))
    return Condition(**{k: fields[k] for k in chosen})


@ref.examples(0.2)
@given(aimed(keep=("inside", "timing", "bound", "matching"), probes=1), st.data())
def test_an_exempt_event_never_breaches_and_without_the_exemption_it_does(case, data):
    t, profile, probes = case
    probes = _hits(t, profile, probes)
    assume(probes)
    key, e = probes[0]
    agreement, clause = clause_of(t, key)
    frame = events_frame([e])
    profile = profile.model_copy(update={"overrun_zones": "protected"})
    cond = _condition_met_by(data.draw, e, ref.Parties(t))
    exemption = Exemption(id="the-exemption", text="generated", overrides=[clause.id], effect="exempt",
                          **{"if": cond})
    note(f"exemption: {exemption}")

    def findings(a: Agreement):
        t2 = Terms(parties=t.parties, agreements={**t.agreements, a.id: a}, zones=t.zones)
        return _about(evaluate(t2, frame, profile).findings, e.id, key)

    exempted = findings(_with_exemption(agreement, clause, exemption))
    assert exempted.empty, exempted[["party", "role", "status"]].to_dict("records")
    plain = findings(_with_exemption(agreement, clause, None))
    assert not plain.empty, "without the exemption the event breaches"


# -- the log as a whole --------------------------------------------------------------------------------------


def _records(findings) -> list[tuple]:
    return sorted(tuple(str(x) for x in row) for row in findings.itertuples(index=False))


@ref.examples(0.2)
@given(st.data())
def test_findings_do_not_depend_on_the_order_of_events(data):
    t = data.draw(terms(), label="terms")
    profile = t.profiles["generated"]
    log = data.draw(logs(t, profile=profile, min_size=2), label="log")
    order = data.draw(st.permutations(range(len(log))), label="order")
    frame = events_frame(log)
    # the table of the shuffled log is the table of the log, shuffled: events_frame works row by row
    shuffled = frame.iloc[list(order)].reset_index(drop=True)
    before = evaluate(t, frame, profile).findings
    after = evaluate(t, shuffled, profile).findings
    assert _records(before) == _records(after)


@ref.examples(0.2)
@given(st.data())
def test_adding_an_event_changes_only_the_findings_about_it(data):
    t = data.draw(terms(), label="terms")
    profile = t.profiles["generated"]
    log = data.draw(logs(t, profile=profile), label="log")
    extra = data.draw(logs(t, profile=profile, min_size=1, max_size=1), label="added")[0]
    extra = extra.model_copy(update={"id": "added"})
    period = (0, 2**40)  # the log covers all time: duties of result are judged either way
    frame = events_frame([*log, extra])
    before = evaluate(t, frame.iloc[:-1].reset_index(drop=True), profile, period=period).findings
    after = evaluate(t, frame, profile, period=period).findings
    is_event = after["event_id"].notna()
    others_after = after[is_event & (after["event_id"] != "added")]
    assert _records(before[before["event_id"].notna()]) == _records(others_after)
    # duties of result, checked separately: one more event can only fulfil one, never break it
    results_before = {(r.clause, r.party): r.status for r in before[before["event_id"].isna()].itertuples()}
    results_after = {(r.clause, r.party): r.status for r in after[after["event_id"].isna()].itertuples()}
    assert set(results_after) <= set(results_before)
    for k, status in results_after.items():
        assert (results_before[k], status) in {("breach", "breach"), ("possible", "possible"), ("breach", "possible")}


@ref.examples(0.2)
@given(st.data())
def test_raising_the_least_attribution_never_adds_findings(data):
    t = data.draw(terms(), label="terms")
    profile = t.profiles["generated"]
    log = data.draw(logs(t, profile=profile), label="log")
    low, high = sorted(data.draw(st.lists(st.sampled_from(v.ATTRIBUTION), min_size=2, max_size=2), label="levels"),
                       key=ref.rank)
    frame = events_frame(log)
    period = (0, 2**40)
    loose = evaluate(t, frame, profile.model_copy(update={"min_attribution": low}), period=period).findings
    strict = evaluate(t, frame, profile.model_copy(update={"min_attribution": high}), period=period).findings
    key = ["event_id", "clause", "party", "role", "status", "confidence"]

    def rows(f, results: bool):
        part = f[f["event_id"].isna() == results]
        return {tuple(str(x) for x in r) for r in part[key].itertuples(index=False)}

    assert rows(strict, False) <= rows(loose, False)
    # a duty of result is the other way round: fewer counted events can fulfil it
    assert {r[1:4] for r in rows(loose, True)} <= {r[1:4] for r in rows(strict, True)}


@ref.examples(0.2)
@given(st.data())
def test_guarantors_that_do_not_answer_remove_only_guarantor_findings(data):
    t = data.draw(terms(), label="terms")
    profile = t.profiles["generated"]
    log = data.draw(logs(t, profile=profile), label="log")
    frame = events_frame(log)
    on = evaluate(t, frame, profile.model_copy(update={"guarantors_answer": True})).findings
    off = evaluate(t, frame, profile.model_copy(update={"guarantors_answer": False})).findings
    assert _records(on[on["role"] != "guarantor"]) == _records(off)
