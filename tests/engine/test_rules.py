"""Every kind of rule on small hand-made logs: a breach, a near miss, and an exemption.

The terms live in tests/engine/project (a small agreement with one clause of every kind); each test
writes the few events it needs, evaluates, and checks the findings for one clause exactly.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from compliance.engine.evaluate import evaluate
from compliance.loading.events import events_frame
from compliance.models.events import Event
from compliance.models.profiles import Profile
from compliance.project import load_terms_dir

PROJECT = Path(__file__).parent / "project"
IN_BOX = {"lat": 35.85, "lon": 36.65, "name": "inside the box"}
OUT_OF_BOX = {"lat": 35.3, "lon": 36.65, "name": "south of the box"}
ON_ROAD = {"lat": 35.505, "lon": 36.7, "name": "on the road"}


@pytest.fixture(scope="module")
def terms():
    terms, problems = load_terms_dir(PROJECT)
    assert not problems, [str(p) for p in problems]
    return terms


def event(ident: str, date: str, actor: str | None, action: str, place=IN_BOX, **extra) -> Event:
    data = {"id": ident, "date": date, "actor": actor, "action": action, "location": dict(place),
            "attribution": extra.pop("attribution", "confirmed"), **extra}
    return Event.model_validate(data)


def findings(terms, events, clause: str | None = None, **profile):
    outcome = evaluate(terms, events_frame(events), Profile(id="test", **profile))
    f = outcome.findings
    if clause:
        f = f[f["clause"] == f"test-accord/{clause}"]
    return {(r.event_id, r.party, r.role, r.status) for r in f.itertuples()}, outcome


# -- prohibition ----------------------------------------------------------------------------------------


def test_prohibition_breach_names_actor_and_guarantor(terms):
    found, _ = findings(terms, [event("e1", "2020-02-01", "gov", "air-strike")], "no-strikes")
    assert found == {("e1", "gov", "actor", "breach"), ("e1", "patron", "guarantor", "breach")}


@pytest.mark.parametrize("case", [
    event("outside", "2020-02-01", "gov", "air-strike", OUT_OF_BOX),
    event("before", "2019-12-31", "gov", "air-strike"),
    event("after", "2021-01-01", "gov", "air-strike"),
    event("unbound", "2020-02-01", "sponsor", "air-strike"),
    event("other-conduct", "2020-02-01", "gov", "patrol"),
])
def test_prohibition_near_misses(terms, case):
    found, _ = findings(terms, [case], "no-strikes")
    assert found == set()


def test_forces_under_command_answer_through_their_commander(terms):
    found, outcome = findings(terms, [event("m1", "2020-02-01", "militia", "shelling")], "no-strikes")
    assert found == {("m1", "gov", "actor", "breach"), ("m1", "patron", "guarantor", "breach")}
    text = outcome.findings.iloc[0]["explanation"]
    assert "act under its command" in text


def test_alias_with_wildcard_resolves(terms):
    found, _ = findings(terms, [event("a1", "2020-02-01", "Government Army 4th Division", "shelling")],
                        "no-strikes")
    assert ("a1", "gov", "actor", "breach") in found


# -- exemptions -----------------------------------------------------------------------------------------


def test_counter_terrorism_exempts_a_strike_on_a_listed_groups_position(terms):
    e = event("ct", "2020-02-01", "gov", "air-strike", target={"type": "military-position", "party": "jihadis"})
    assert findings(terms, [e], "no-strikes")[0] == set()
    assert findings(terms, [e], "prevent-attacks")[0] == set()


def test_a_hospital_in_the_same_town_is_never_covered(terms):
    e = event("hosp", "2020-02-01", "gov", "air-strike", target={"type": "hospital", "party": "jihadis"})
    found, _ = findings(terms, [e], "no-strikes")
    assert ("hosp", "gov", "actor", "breach") in found
    # under the broad reading the carve-out would cover it, and the more specific exemption overrides it
    found, outcome = findings(terms, [e], "no-strikes", readings={"test-accord/ct-scope": "broad"})
    assert ("hosp", "gov", "actor", "breach") in found
    row = outcome.findings[outcome.findings["clause"] == "test-accord/no-strikes"].iloc[0]
    assert row["exemptions"] == "civilians-never-covered"


def test_the_profile_chooses_how_wide_the_carve_out_is(terms):
    e = event("vague", "2020-02-01", "gov", "air-strike", target={"party": "jihadis"})
    assert findings(terms, [e], "no-strikes")[0]  # narrow (default): target type unknown, not exempt
    broad = findings(terms, [e], "no-strikes", readings={"test-accord/ct-scope": "broad"})[0]
    assert broad == set()


def test_two_exemptions_that_disagree_are_a_conflict_not_a_guess(terms):
    e = event("pipe", "2020-02-01", "gov", "shelling", target={"type": "infrastructure"})
    found, outcome = findings(terms, [e], "no-strikes")
    assert ("pipe", "gov", "actor", "contested") in found
    assert outcome.conflicts == [{"event_id": "pipe", "clause": "test-accord/no-strikes",
                                  "exemptions": "infrastructure-protected, repair-window"}]


# -- deadline -------------------------------------------------------------------------------------------


def test_weapons_still_there_after_the_deadline(terms):
    e = event("tanks", "2020-03-02", "gov", "heavy-weapons-presence", weapons=["tank"])
    found, _ = findings(terms, [e], "withdraw-guns")
    assert found == {("tanks", "gov", "actor", "breach"), ("tanks", "patron", "obligor", "breach")}


@pytest.mark.parametrize("case", [
    event("deadline-day", "2020-03-01", "gov", "heavy-weapons-presence", weapons=["tank"]),
    event("elsewhere", "2020-03-02", "gov", "heavy-weapons-presence", OUT_OF_BOX, weapons=["tank"]),
    event("light", "2020-03-02", "gov", "heavy-weapons-presence", weapons=["small-arms"]),
    event("not-by", "2020-03-02", "rebels", "heavy-weapons-presence", weapons=["tank"]),
])
def test_deadline_near_misses(terms, case):
    assert findings(terms, [case], "withdraw-guns")[0] == set()


# -- result ---------------------------------------------------------------------------------------------


def test_no_fulfilling_event_by_the_deadline(terms):
    span = [event("first", "2020-01-10", "gov", "patrol"), event("last", "2020-08-01", "gov", "patrol")]
    found, outcome = findings(terms, span, "open-road")
    assert found == {(None, "patron", "obligor", "breach"), (None, "sponsor", "obligor", "breach")}
    assert set(outcome.findings[outcome.findings["clause"] == "test-accord/open-road"]["date"]) == {"2020-06-30"}


def test_a_log_that_does_not_span_the_deadline_cannot_show_the_result_missed(terms):
    found, outcome = findings(terms, [event("later", "2020-08-01", "gov", "patrol")], "open-road")
    assert found == set()
    assert outcome.notes == ["test-accord/open-road (a duty of result) was not checked: the log covers 2020-08-01 "
                             "to 2020-08-01, not its deadline (end of 2020-06-30)"]


def test_the_road_opened_in_time(terms):
    found, _ = findings(terms, [event("open", "2020-05-01", "patron", "road-opened", ON_ROAD)], "open-road")
    assert found == set()


def test_the_road_opened_too_late(terms):
    events = [event("early", "2020-01-10", "gov", "patrol"),
              event("late", "2020-07-01", "patron", "road-opened", ON_ROAD)]
    found, _ = findings(terms, events, "open-road")
    assert {f[1] for f in found} == {"patron", "sponsor"}


# -- prevent --------------------------------------------------------------------------------------------


def test_a_duty_to_prevent_others_attacks(terms):
    found, _ = findings(terms, [event("g", "2020-02-01", "gov", "shelling")], "prevent-attacks")
    assert found == {("g", "patron", "obligor", "breach")}


def test_the_obligor_attacking_itself_answers_as_actor(terms):
    found, _ = findings(terms, [event("p", "2020-02-01", "patron", "air-strike")], "prevent-attacks")
    assert found == {("p", "patron", "actor", "breach")}


def test_prevent_near_miss_party_not_watched(terms):
    assert findings(terms, [event("r", "2020-02-01", "rebels", "shelling")], "prevent-attacks")[0] == set()


# -- precision, attribution, profiles -----------------------------------------------------------------------


def test_a_span_straddling_the_start_is_possible_not_certain(terms):
    e = event("span", "2019-12-30", "gov", "air-strike", date_end="2020-01-02")
    found, outcome = findings(terms, [e], "no-strikes")
    assert ("span", "gov", "actor", "possible") in found
    row = outcome.findings.iloc[0]
    assert row["confidence"] == "possible"
    assert "time" in row["uncertain"]


def test_a_place_near_an_approximate_edge_is_possible(terms):
    # 2 km outside fuzzy-box, whose edge is only known to 5 km
    near = {"lat": 35.85, "lon": 37.822, "name": "just east of the fuzzy box"}
    found, outcome = findings(terms, [event("edge", "2020-02-01", "gov", "shelling", near)], "no-strikes")
    assert ("edge", "gov", "actor", "possible") in found
    assert outcome.findings.iloc[0]["uncertain"].startswith("place: within the stated precision")
    far = {"lat": 35.85, "lon": 37.95, "name": "well east of the fuzzy box"}
    assert findings(terms, [event("far", "2020-02-01", "gov", "shelling", far)], "no-strikes")[0] == set()


def test_an_event_with_a_time_is_compared_to_the_minute(terms):
    # in force from local midnight 1 Jan 2020 in Damascus (UTC+2 in winter then): 21:59Z is before, 22:01Z after
    before = event("b", "2019-12-31T21:59+00:00", "gov", "air-strike")
    after = event("a", "2019-12-31T22:01+00:00", "gov", "air-strike")
    found, _ = findings(terms, [before, after], "no-strikes")
    assert {f[0] for f in found} == {"a"}


def test_the_least_attribution_that_counts(terms):
    e = event("rumour", "2020-02-01", "gov", "air-strike", attribution="alleged")
    assert findings(terms, [e], "no-strikes")[0]
    assert findings(terms, [e], "no-strikes", min_attribution="confirmed")[0] == set()


def test_guarantors_answer_only_if_the_profile_says_so(terms):
    e = event("g", "2020-02-01", "gov", "air-strike")
    found, _ = findings(terms, [e], "no-strikes", guarantors_answer=False)
    assert found == {("g", "gov", "actor", "breach")}


def test_which_start_reading_applies_is_the_profiles_choice(terms):
    e = event("early", "2020-01-03", "gov", "air-strike")
    assert findings(terms, [e], "no-strikes")[0]
    assert findings(terms, [e], "no-strikes", readings={"test-accord/start": "late"})[0] == set()


def test_an_overrun_zone_lapses_only_under_that_reading(terms):
    e = event("after-overrun", "2020-10-01", "gov", "air-strike")
    assert findings(terms, [e], "no-strikes", overrun_zones="protected")[0]
    assert findings(terms, [e], "no-strikes", overrun_zones="lapsed")[0] == set()


# -- accounting and determinism -----------------------------------------------------------------------------


def test_an_unresolved_actor_is_listed_and_still_checked_for_what_needs_no_actor(terms):
    events = [event("who", "2020-02-01", "Unknown gunmen", "shelling"),
              event("road", "2020-05-01", None, "road-opened", ON_ROAD)]
    found, outcome = findings(terms, events)
    assert [(u.event_id, u.reason) for u in outcome.unresolved] == [
        ("road", "actor unknown"), ("who", "actor 'Unknown gunmen' matches no party or alias in the registry")]
    assert not any(f[1] == "patron" and f[2] == "obligor" and f[0] is None for f in found)  # road fulfilled
    assert outcome.evaluated == 2


def test_findings_do_not_depend_on_the_order_of_events(terms):
    events = [event(f"e{i}", f"2020-02-{1 + i % 27:02d}", ["gov", "rebels", "militia", "patron"][i % 4],
                    ["air-strike", "shelling", "heavy-weapons-presence"][i % 3],
                    [IN_BOX, OUT_OF_BOX][i % 2] | {"name": f"place {i}"}, weapons=["tank"])
              for i in range(40)]
    baseline = evaluate(terms, events_frame(events), Profile(id="t")).findings
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    again = evaluate(terms, events_frame(shuffled), Profile(id="t")).findings
    assert baseline.to_json() == again.to_json()
    assert len(baseline) > 0
