"""Why and why not, for one event and every clause: each condition with expected and actual values.

Uses the very checks the engine evaluates (compliance.engine.checks), on this one event, without
stopping at the first failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compliance.engine.checks import HOLDS, MAYBE, clause_checks, exemption_condition
from compliance.engine.compile import compile_clauses
from compliance.engine.context import Prepared
from compliance.engine.parties import Registry
from compliance.loading.terms import Terms
from compliance.models.profiles import Profile

WORDS = {2: "holds", 1: "possibly holds", 0: "fails"}


@dataclass
class ConditionTrace:
    name: str
    expected: str
    actual: str
    result: str


@dataclass
class ClauseTrace:
    clause: str
    article: str
    kind: str
    checkable: bool
    conditions: list[ConditionTrace] = field(default_factory=list)
    exemptions: list[tuple[str, str, list[ConditionTrace]]] = field(default_factory=list)
    verdict: str = ""


def trace_event(terms: Terms, frame, row: int, profile: Profile) -> list[ClauseTrace]:
    ctx = Prepared.build(frame, Registry.build(terms.parties), terms.zones)
    idx = np.array([row])
    compiled = {cc.key: cc for cc in compile_clauses(terms, profile)}
    out: list[ClauseTrace] = []
    for agreement_id in sorted(terms.agreements):
        agreement = terms.agreements[agreement_id]
        for clause in agreement.clauses:
            key = f"{agreement_id}/{clause.id}"
            trace = ClauseTrace(key, clause.article, clause.rule.kind, clause.checkable)
            cc = compiled.get(key)
            if cc is None:
                trace.verdict = "not checkable: the point creates no duty that events can show broken"
                out.append(trace)
                continue
            worst = HOLDS
            for check in clause_checks(cc, ctx, profile):
                result = int(check.test(idx)[0])
                worst = min(worst, result)
                trace.conditions.append(ConditionTrace(check.name, check.expected, check.actual(row), WORDS[result]))
            for ex in cc.exemptions:
                conds = []
                state = HOLDS
                for check in exemption_condition(ex, ctx):
                    result = int(check.test(idx)[0])
                    state = min(state, result)
                    conds.append(ConditionTrace(check.name.split(": ", 1)[-1], check.expected, check.actual(row),
                                                WORDS[result]))
                applies = "applies" if state == HOLDS else "does not apply"
                trace.exemptions.append((ex.id, f"{applies} ({ex.exemption.effect}"
                                         f"{', reading ' + ex.reading.split('=')[1] if ex.reading else ''})", conds))
            if cc.kind == "result":
                trace.verdict = ("fulfils the duty" if worst == HOLDS else
                                 "may fulfil the duty" if worst == MAYBE else "does not fulfil the duty")
            else:
                failed = [c.name for c in trace.conditions if c.result == "fails"]
                trace.verdict = ("conditions hold" if worst == HOLDS else "conditions possibly hold"
                                 if worst == MAYBE else f"does not apply: {', '.join(failed)} fails")
            out.append(trace)
    return out
