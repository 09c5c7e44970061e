"""Sentences that say why a finding holds: the event, the clause, the conditions met, and any doubt.

Built column-wise: a run over a million events can yield hundreds of thousands of findings, and a
Python call per finding would cost more than the whole evaluation. Only the rare uncertain findings
get a per-event look at which condition was in doubt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from compliance.engine.checks import HOLDS, MAYBE, time_check, where_checks
from compliance.engine.compile import CompiledClause
from compliance.engine.context import Prepared, each_distinct
from compliance.models.profiles import Profile


class Sentences:
    """One sentence per event row (who did what to whom, where and when), looked up by row."""

    def __init__(self, rows: np.ndarray, texts: np.ndarray) -> None:
        self.rows, self.texts = rows, texts

    def of(self, rows: np.ndarray) -> np.ndarray:
        return self.texts[np.searchsorted(self.rows, rows)]


def event_sentences(ctx: Prepared, rows: np.ndarray) -> Sentences:
    """The sentence of every event among ``rows``, each written once however many findings it has.

    The parts that take few values (the actor's words, the conduct, the target) are built once per
    distinct value; only the final join is per event.
    """
    rows = np.unique(rows[rows >= 0])
    if not len(rows):
        return Sentences(rows, np.zeros(0, dtype=object))
    col = ctx.column
    resolved = ctx.actor[rows].astype(object)
    raw = col("actor")[rows]
    actor = each_distinct(np.where(resolved != "", resolved, np.where(raw != "", raw, "an unknown actor")), str)
    what = _few_pairs(col("action")[rows], col("weapons")[rows],
                      lambda aw: aw[0] + (" (" + aw[1].replace(";", ", ") + ")" if aw[1] else ""))
    on = _few_pairs(ctx.target_party[rows].astype(object), col("target_type")[rows], _on_words)
    lat = ctx.frame["lat"].to_numpy(dtype=np.float64)[rows].tolist()
    lon = ctx.frame["lon"].to_numpy(dtype=np.float64)[rows].tolist()
    location = col("location")[rows].tolist()
    ids, dates, ends = col("id")[rows].tolist(), col("date")[rows].tolist(), col("date_end")[rows].tolist()
    texts = [
        f"Event {i}: {a} carried out {w}{o} at {loc or f'{y:.4f}, {x:.4f}'} "
        + (f"between {d} and {e}" if e else f"on {d}")
        for i, a, w, o, loc, y, x, d, e in zip(ids, actor, what, on, location, lat, lon, dates, ends, strict=True)
    ]
    return Sentences(rows, np.array(texts, dtype=object))


def _few_pairs(a: np.ndarray, b: np.ndarray, words) -> list[str]:
    """``words((a, b))`` for every pair of values, computed once per distinct pair."""
    codes_a, uniques_a = pd.factorize(a, sort=False)
    codes_b, uniques_b = pd.factorize(b, sort=False)
    codes, pairs = pd.factorize(codes_a.astype(np.int64) * max(len(uniques_b), 1) + codes_b, sort=False)
    width = max(len(uniques_b), 1)
    table = [words((str(uniques_a[k // width]), str(uniques_b[k % width]))) for k in pairs.tolist()]
    return [table[c] for c in codes.tolist()]


def _on_words(party_target: tuple[str, str]) -> str:
    party, target = party_target
    if party:
        return f" on {party}'s {target or 'target'}"
    return f" on {target}" if target else ""


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
                 state: np.ndarray, exemptions: np.ndarray, sentences: Sentences) -> tuple[np.ndarray, np.ndarray]:
    """Explanations and doubts for the findings of one clause, one party and one role.

    After the event's sentence, the words depend only on the acting party, the attribution and the
    exemptions considered: each combination is written once, then joined to each event's sentence.
    """
    n = len(rows)
    if not n:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=object)
    clause_sentence = _clause_sentence(cc)
    actor_codes, actors = pd.factorize(ctx.actor[rows].astype(object), sort=False)
    attribution_codes, attributions = pd.factorize(ctx.column("attribution")[rows], sort=False)
    exemption_codes, considered = pd.factorize(np.asarray(exemptions, dtype=object), sort=False)
    combo = (actor_codes.astype(np.int64) * len(attributions) + attribution_codes) * len(considered) + exemption_codes
    combo_codes, combos = pd.factorize(combo, sort=False)
    none_apply = f"no exemption applies ({', '.join(e.id for e in cc.exemptions)} checked)" if cc.exemptions else None
    tails = []
    for c in combos.tolist():
        actor = str(actors[c // (len(attributions) * len(considered))])
        attribution = str(attributions[(c // len(considered)) % len(attributions)])
        exempt = str(considered[c % len(considered)])
        if role == "actor":
            commanded = f" (the forces of {actor} act under its command)" if actor and actor != party else ""
            role_text = f"{party} answers as actor{commanded}"
        elif role == "guarantor":
            role_text = f"{party} answers as guarantor: under {cc.agreement.id} it guarantees the compliance of {actor}"
        else:
            role_text = f"{party} answers as obligor for a duty the clause puts on it"
        tail = (f". {clause_sentence}. {role_text}. attribution: {attribution} "
                f"(counted: {profile.min_attribution} or stronger)")
        if none_apply is not None:
            tail += f". exemptions considered: {exempt} (the breach stands)" if exempt else f". {none_apply}"
        tails.append(tail)
    head = sentences.of(rows)
    uncertain = np.full(n, "", dtype=object)
    unsure = np.flatnonzero(state < HOLDS)
    if len(unsure):
        uncertain[unsure] = doubts(cc, ctx, profile, rows[unsure])
    flagged = np.flatnonzero(uncertain != "")
    text = head + np.array([t + "." for t in tails], dtype=object)[combo_codes]
    if len(flagged):
        text[flagged] = [f"{h}{tails[c]}. Possible, not certain: {u}." for h, c, u in
                         zip(head[flagged], combo_codes[flagged].tolist(), uncertain[flagged], strict=True)]
    return text, uncertain
