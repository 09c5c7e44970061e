"""Running the rule tests that live beside the agreements (pure: terms in, results out).

Each case evaluates its own small log against the whole set of terms, then compares the findings
for the case's clause with the expected ones, exactly: a missing finding and an extra one both fail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from compliance.engine.evaluate import evaluate
from compliance.loading.events import events_frame
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile
from compliance.models.ruletests import Case


@dataclass
class CaseResult:
    file: str
    clause: str
    name: str
    kind: str  # "breach" or "near miss"
    passed: bool
    expected: list[str]
    actual: list[str]
    explanations: list[str] = field(default_factory=list)


def _profile(terms: Terms, case: Case) -> Profile:
    base = terms.profiles.get("default") or Profile(id="default")
    if not case.profile:
        return base
    return Profile.model_validate({**base.model_dump(by_alias=True), **case.profile})


def run_case(terms: Terms, agreement: str, case: Case, file: str = "") -> CaseResult:
    frame = events_frame(list(case.events))
    # a case's log is the whole world of the case: it covers all time, so duties of result are judged
    outcome = evaluate(terms, frame, _profile(terms, case), period=(-(2**62), 2**62))
    key = f"{agreement}/{case.clause}"
    found = outcome.findings[outcome.findings["clause"] == key]
    with_confidence = {e.party: e.confidence for e in case.expect if e.confidence}
    actual = Counter(f"{r.party} as {r.role}" + (f" ({r.confidence})" if r.party in with_confidence else "")
                     for r in found.itertuples())
    expected = Counter(f"{e.party} as {e.role}" + (f" ({e.confidence})" if e.confidence else "") for e in case.expect)
    return CaseResult(file, key, case.name, "breach" if case.expect else "near miss", actual == expected,
                      sorted(expected.elements()), sorted(actual.elements()), found["explanation"].tolist())


def run_all(terms: Terms) -> list[CaseResult]:
    results = []
    for path, tests, _located in sorted(terms.tests, key=lambda t: t[0]):
        for case in tests.cases:
            results.append(run_case(terms, tests.agreement, case, path))
    return results


def coverage(terms: Terms, results: list[CaseResult]) -> dict[str, dict[str, int]]:
    """For every checkable clause: how many breach cases and near misses it has."""
    out = {f"{a.id}/{c.id}": {"breach": 0, "near miss": 0}
           for a in terms.agreements.values() for c in a.clauses if c.checkable}
    for r in results:
        if r.clause in out:
            out[r.clause][r.kind] += 1
    return out
