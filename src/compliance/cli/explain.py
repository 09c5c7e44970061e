"""``compliance explain EVENT_ID``: for every clause, why it applies or which condition fails."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from compliance.cli.common import OK, fail
from compliance.engine.evaluate import evaluate
from compliance.engine.explain import trace_event
from compliance.engine.findings import materialize
from compliance.loading.problems import Problem, did_you_mean
from compliance.project import load_inputs


def run_explain(event_id: str, agreements: Path | None, events: list[Path] | None, profile: str | None) -> int:
    inputs, problems = load_inputs(agreements, events, profile)
    if inputs is None:
        raise fail(problems)
    frame = inputs.events.frame
    matches = (frame["id"] == event_id).to_numpy().nonzero()[0]
    if not len(matches):
        aside = [s for s in inputs.events.set_aside if s.event_id == event_id]
        if aside:
            print(f"event {event_id} was set aside and not evaluated: {aside[0]}")
            return OK
        ids = frame["id"].tolist()
        raise fail([Problem("--", 0, 0, f"no event '{event_id}' in the log{did_you_mean(event_id, ids)}")])
    row = int(matches[0])
    outcome = evaluate(inputs.terms, frame, inputs.profile)
    mine = materialize(outcome, np.flatnonzero(outcome.core["row"].to_numpy() == row))  # this event's findings only
    e = frame.iloc[row]
    out = sys.stdout
    out.write(f"Event {event_id}: {e['actor'] or 'unknown actor'} {e['action']} at {e['location']} "
              f"({e['lat']:.4f}, {e['lon']:.4f}) on {e['date']}{' to ' + e['date_end'] if e['date_end'] else ''}; "
              f"attribution {e['attribution']}\n")
    out.write(f"Profile: {inputs.profile.id} ({inputs.profile_source}); {len(mine)} finding(s)\n")
    for trace in trace_event(inputs.terms, frame, row, inputs.profile):
        found = mine[mine["clause"] == trace.clause]
        out.write(f"\n{trace.clause} (art. {trace.article}, {trace.kind})\n")
        if len(found):
            who = "; ".join(f"{r.party} as {r.role} ({r.confidence}, {r.status})" for r in found.itertuples())
            out.write(f"  BREACH: {who}\n")
        else:
            out.write(f"  no breach: {trace.verdict}\n")
        for c in trace.conditions:
            out.write(f"  - {c.name}: {c.result}; expected {c.expected}; actual {c.actual}\n")
        for ex_id, state, conds in trace.exemptions:
            out.write(f"  exemption {ex_id}: {state}\n")
            for c in conds:
                out.write(f"      - {c.name}: {c.result}; expected {c.expected}; actual {c.actual}\n")
    return OK
