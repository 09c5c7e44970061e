"""Hypothesis strategies for writing property-based tests of agreements and of the engine.

Example tests show that rules work on the cases someone thought of; properties show that they hold on
the cases nobody thought of. The strategies here build agreements, zones, profiles and events from the
vocabulary and by geometric construction, so an author can state a property of their own rules::

    from hypothesis import given, settings
    from compliance.engine.evaluate import evaluate
    from compliance.loading.events import events_frame
    from compliance.testing import events, terms

    @given(terms())                      # random small agreements over synthetic zones
    def test_engine_never_crashes(t):
        evaluate(t, events_frame([]), t.profiles["generated"])

    # events aimed at one clause of *your* terms (loaded with compliance.loading.terms.load_terms):
    @given(events(TERMS, clause="sochi-2018/no-attacks-on-idlib", timing="before", profile=PROFILE))
    def test_nothing_breaches_before_the_memorandum(event):
        found = evaluate(TERMS, events_frame([event]), PROFILE).findings
        assert not (found["clause"] == "sochi-2018/no-attacks-on-idlib").any()

The main strategies:

* :func:`parties` – a registry over the contracts' party ids, with aliases and a random command tree;
* :func:`zones` – a :class:`~compliance.geometry.zones.ZoneSet` of small areas, lines, points, corridors
  and radii on an 80 km grid across Syria; :func:`zone` – one zone;
* :func:`conducts`, :func:`wheres`, :func:`clauses`, :func:`exemptions`, :func:`agreements` – models;
* :func:`profiles` – interpretation profiles choosing among an agreement's readings;
* :func:`terms` – everything :func:`compliance.engine.evaluate.evaluate` needs;
* :func:`events` – one event built to order: inside/outside/at the edge of a zone or of a clause's
  place conditions, before/inside/after/straddling a clause's window, by a bound or unbound party,
  meeting or missing the clause's conduct, meeting an exemption's condition or none;
* :func:`event_for` – like :func:`events` but drops wishes that cannot be built instead of rejecting;
* :func:`logs` – whole logs of events aimed at the clauses of some terms: hits, near misses (one thing
  wrong: place, time, party, conduct or exemption) and free events.

:mod:`compliance.testing.geometry` holds the constructive geometry (regions where a membership holds)
and :mod:`compliance.testing.timing` the windows, both usable on real zones and agreements;
:mod:`compliance.testing.files` writes models and logs as YAML, CSV and GeoJSON.
"""

from compliance.testing.strategies import (
    LISTED,
    PARTY_IDS,
    RULE_KINDS,
    TIMINGS,
    actor_names,
    agreements,
    answers_for,
    bearing_exemptions,
    checkable_keys,
    clause_of,
    clauses,
    commanders,
    condition_of,
    conditions,
    conducts,
    dated,
    days,
    event_for,
    events,
    exemptions,
    logs,
    moments,
    parties,
    profiles,
    reading_choices,
    terms,
    wheres,
    zone,
    zone_refs,
    zones,
)
from compliance.testing.timing import Window, clause_window, event_span

__all__ = [
    "LISTED", "PARTY_IDS", "RULE_KINDS", "TIMINGS", "Window", "actor_names", "agreements", "answers_for",
    "bearing_exemptions", "checkable_keys", "clause_of", "clause_window", "clauses", "commanders", "condition_of",
    "conditions", "conducts", "dated", "days", "event_for", "event_span", "events", "exemptions", "logs", "moments",
    "parties", "profiles", "reading_choices", "terms", "wheres", "zone", "zone_refs", "zones",
]
