"""Sentences that say why a finding holds: the event, the clause, the conditions met, and any doubt.

Built column-wise: a run over a million events can yield hundreds of thousands of findings, and a
Python call per finding would cost more than the whole evaluation. Only the rare uncertain findings
get a per-event look at which condition was in doubt.
"""

from __future__ import annotations

import numpy as np

from compliance.engine.checks import HOLDS, MAYBE, time_check, where_checks
from compliance.engine.compile import CompiledClause
from compliance.engine.context import Prepared
from compliance.models.profiles import Profile


def event_sentences(ctx: Prepared, rows: np.ndarray) -> dict[int, str]:
    """One sentence per event row: who did what to whom, where and when."""
    rows = np.unique(rows[rows >= 0])
    if not len(rows):
        return {}
    col = ctx.column
    resolved = ctx.actor[rows].astype(object)
    raw = col("actor")[rows]
    actor = np.where(resolved != "", resolved, np.where(raw != "", raw, "an unknown actor"))
    weapons = np.array([w.replace(";", ", ") for w in col("weapons")[rows]], dtype=object)
    what = col("action")[rows] + np.where(weapons != "", " (" + weapons + ")", "")
    target = col("target_type")[rows]
    tparty = ctx.target_party[rows].astype(object)
    on = np.where(tparty != "", " on " + tparty + "'s " + np.where(target != "", target, "target"),
                  np.where(target != "", " on " + target, ""))
    lat = ctx.frame["lat"].to_numpy()[rows]
    lon = ctx.frame["lon"].to_numpy()[rows]
    location = col("location")[rows]
    place = np.array([loc or f"{a:.4f}, {o:.4f}" for loc, a, o in zip(location, lat, lon, strict=True)],
                     dtype=object)
    date, date_end = col("date")[rows], col("date_end")[rows]
    when = np.where(date_end != "", "between " + date + " and " + date_end, "on " + date)
    text = "Event " + col("id")[rows] + ": " + actor + " carried out " + what + on + " at " + place + " " + when
    return dict(zip(rows.tolist(), text.tolist(), strict=True))


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


def doubts(cc: CompiledClause, ctx: Prepared, profile: Profile, rows: np.ndarray) -> np.ndarray:
    """For each row, which conditions hold only within the stated precision of its date or place."""
    out = np.full(len(rows), "", dtype=object)
    if not len(rows):
        return out
    dates, ends = ctx.column("date")[rows], ctx.column("date_end")[rows]
    span = np.where(ends != "", dates + ".." + ends, dates)
    for check in [time_check(cc, ctx), *where_checks(cc.where, ctx, profile)]:
        maybe = check.test(rows) == MAYBE
        if not maybe.any():
            continue
        if check.name == "time":
            words = "time: the event's dates " + span + f" straddle the clause's window ({check.expected})"
        else:
            words = np.full(len(rows), f"{check.name}: within the stated precision of the event's place and the "
                            f"zone's edge ({check.expected})", dtype=object)
        joined = np.where(out == "", words, out + "; " + words)
        out = np.where(maybe, joined, out)
    return out


def _clause_sentence(cc: CompiledClause) -> str:
    clause = f"{cc.agreement.id} art. {cc.clause.article} ({cc.clause.id})"
    where = _where_words(cc)
    if cc.kind == "prohibition":
        return (f"{clause} forbids this conduct{' ' + where if where else ''}, in force from "
                f"{cc.start.describe() if cc.start else 'signature'}")
    if cc.kind == "deadline":
        place = " from " + where.removeprefix("inside ") if where else ""
        return (f"{clause} required this to be gone{place} by "
                f"{cc.deadline.describe() if cc.deadline else 'the deadline'}; this is evidence it was not")
    return f"{clause} obliges {', '.join(sorted(cc.obligors))} to prevent such conduct{' ' + where if where else ''}"


def result_explanation(cc: CompiledClause, ctx: Prepared, party: str,
                       fulfilling: np.ndarray | None) -> tuple[str, str]:
    """A duty of result not met: the sentence, and the doubt if some events may have fulfilled it."""
    clause = f"{cc.agreement.id} art. {cc.clause.article} ({cc.clause.id})"
    deadline = cc.deadline.describe() if cc.deadline else "the deadline"
    where = _where_words(cc)
    text = (f"No event in the log fulfils {clause} by {deadline} "
            f"({', '.join(cc.conduct.actions) if cc.conduct else 'the result'}{' ' + where if where else ''}); "
            f"{party} undertook this result and answers as obligor. Absence of evidence in the log, not proof "
            "of absence.")
    doubt = ""
    if fulfilling is not None and len(fulfilling):
        ids = ", ".join(str(ctx.frame["id"].iat[i]) for i in fulfilling[:5])
        doubt = f"events that may fulfil it, dated or placed imprecisely: {ids}"
        text += f" Possible, not certain: {doubt}."
    return text, doubt


def explain_part(cc: CompiledClause, ctx: Prepared, profile: Profile, rows: np.ndarray, party: str, role: str,
                 state: np.ndarray, exemptions: np.ndarray, sentences: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Explanations and doubts for the findings of one clause, one party and one role."""
    n = len(rows)
    actors = ctx.actor[rows]
    actors = actors.astype(object)
    if role == "actor":
        commanded = np.where((actors != "") & (actors != party), " (the forces of " + actors +
                             " act under its command)", "")
        role_text = f"{party} answers as actor" + commanded
    elif role == "guarantor":
        role_text = f"{party} answers as guarantor: under {cc.agreement.id} it guarantees the compliance of " + actors
    else:
        role_text = np.full(n, f"{party} answers as obligor for a duty the clause puts on it", dtype=object)
    attribution_text = "attribution: " + ctx.column("attribution")[rows] + \
        f" (counted: {profile.min_attribution} or stronger)"
    if cc.exemptions:
        none_apply = f"no exemption applies ({', '.join(e.id for e in cc.exemptions)} checked)"
        exemption_text = np.where(exemptions != "", "exemptions considered: " + exemptions +
                                  " (the breach stands)", none_apply)
    else:
        exemption_text = None
    text = (np.array([sentences[r] for r in rows.tolist()], dtype=object) + ". " + _clause_sentence(cc) + ". "
            + role_text + ". " + attribution_text)
    if exemption_text is not None:
        text = text + ". " + exemption_text
    uncertain = np.full(n, "", dtype=object)
    unsure = np.flatnonzero(state < HOLDS)
    if len(unsure):
        uncertain[unsure] = doubts(cc, ctx, profile, rows[unsure])
        flagged = uncertain != ""
        text = np.where(flagged, text + ". Possible, not certain: " + uncertain, text)
    return text + ".", uncertain
