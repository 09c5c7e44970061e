"""Sentences that say why a finding holds: the event, the clause, the conditions met, and any doubt."""

from __future__ import annotations

import numpy as np

from compliance.engine.checks import HOLDS, MAYBE, time_check, where_checks
from compliance.engine.compile import CompiledClause
from compliance.engine.context import Prepared
from compliance.models.profiles import Profile


def _event_sentence(ctx: Prepared, row: int) -> str:
    f = ctx.frame
    actor = ctx.actor[row] or (str(f["actor"].iat[row]) or "an unknown actor")
    what = str(f["action"].iat[row])
    weapons = str(f["weapons"].iat[row])
    if weapons:
        what += f" ({weapons.replace(';', ', ')})"
    target = str(f["target_type"].iat[row])
    target_party = ctx.target_party[row]
    if target or target_party:
        what += " on " + " ".join(x for x in (f"{target_party}'s" if target_party else "", target or "target") if x)
    place = str(f["location"].iat[row]) or f"{f['lat'].iat[row]:.4f}, {f['lon'].iat[row]:.4f}"
    date = str(f["date"].iat[row])
    date_end = str(f["date_end"].iat[row])
    when = f"between {date} and {date_end}" if date_end else f"on {date}"
    return f"Event {f['id'].iat[row]}: {actor} carried out {what} at {place} {when}"


def _where_words(cc: CompiledClause) -> str:
    w = cc.where
    bits = []
    if w.inside:
        bits.append("inside " + ", ".join(w.inside))
    if w.within_km is not None:
        bits.append(f"within {w.within_km.km:g} km of " + ", ".join(w.within_km.of))
    if w.outside:
        bits.append("outside " + ", ".join(w.outside))
    return " and ".join(bits)


def doubts(cc: CompiledClause, ctx: Prepared, profile: Profile, row: int) -> list[str]:
    """Which conditions hold only within the stated precision of the event's date or place."""
    out = []
    idx = np.array([row])
    for check in [time_check(cc, ctx), *where_checks(cc.where, ctx, profile)]:
        if check.test(idx)[0] == MAYBE:
            out.append(f"{check.name}: {check.actual(row)} vs {check.expected}")
    return out


def explain_finding(cc: CompiledClause, ctx: Prepared, profile: Profile, row: int, party: str, role: str,
                    state: int, exemptions: str, fulfilling: np.ndarray | None = None) -> tuple[str, list[str]]:
    clause = f"{cc.agreement.id} art. {cc.clause.article} ({cc.clause.id})"
    if row < 0:
        deadline = cc.deadline.describe() if cc.deadline else "the deadline"
        text = (f"No event in the log fulfils {clause} by {deadline} "
                f"({', '.join(cc.conduct.actions) if cc.conduct else 'the result'}"
                f"{' ' + _where_words(cc) if _where_words(cc) else ''}); {party} undertook this result and "
                "answers as obligor. Absence of evidence in the log, not proof of absence.")
        uncertain = []
        if fulfilling is not None and len(fulfilling):
            ids = ", ".join(str(ctx.frame["id"].iat[i]) for i in fulfilling[:5])
            uncertain.append(f"events that may fulfil it, dated or placed imprecisely: {ids}")
        return text, uncertain
    parts = [_event_sentence(ctx, row)]
    where = _where_words(cc)
    if cc.kind == "prohibition":
        parts.append(f"{clause} forbids this conduct{' ' + where if where else ''}, in force "
                     f"from {cc.start.describe() if cc.start else 'signature'}")
    elif cc.kind == "deadline":
        parts.append(f"{clause} required this to be gone{' from ' + where.removeprefix('inside ') if where else ''}"
                     f" by {cc.deadline.describe() if cc.deadline else 'the deadline'}; this is evidence it was not")
    elif cc.kind == "prevent":
        parts.append(f"{clause} obliges {', '.join(sorted(cc.obligors))} to prevent such conduct"
                     f"{' ' + where if where else ''}")
    if role == "actor":
        actor = ctx.actor[row]
        parts.append(f"{party} answers as actor" + (f" (the forces of {actor} act under its command)"
                                                    if actor and actor != party else ""))
    elif role == "guarantor":
        parts.append(f"{party} answers as guarantor: under {cc.agreement.id} it guarantees the compliance of "
                     f"{ctx.actor[row]}")
    else:
        parts.append(f"{party} answers as obligor for a duty the clause puts on it")
    parts.append(f"attribution: {ctx.frame['attribution'].iat[row]} (counted: {profile.min_attribution} or "
                 "stronger)")
    if exemptions:
        parts.append(f"exemptions considered: {exemptions} (the breach stands)")
    elif cc.exemptions:
        parts.append(f"no exemption applies ({', '.join(e.id for e in cc.exemptions)} checked)")
    uncertain = doubts(cc, ctx, profile, row) if state < HOLDS else []
    if uncertain:
        parts.append("possible, not certain: " + "; ".join(uncertain))
    return ". ".join(parts) + ".", uncertain
