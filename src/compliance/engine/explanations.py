"""Sentences that say why a finding holds: the event, the clause, the conditions met, and any doubt.

Built column-wise: a run over a million events can yield hundreds of thousands of findings, and a
Python call per finding would cost more than the whole evaluation. Only the rare uncertain findings
get a per-event look at which condition was in doubt.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compliance.engine.checks import HOLDS, MAYBE, time_check, where_checks
from compliance.engine.compile import CompiledClause
from compliance.engine.context import Prepared, combinations
from compliance.engine.strings import TEXT, arrow_text
from compliance.models.profiles import Profile


def event_sentences(ctx: Prepared, rows: np.ndarray) -> list[tuple[list[str] | pa.Array, np.ndarray | None]]:
    """The sentence of each event of ``rows`` (who did what to whom, where and when) as pieces to read one
    after the other: each piece is ``(values, codes)``, with one code per event of ``rows`` and one more,
    last, for findings that have no event (missed deadlines), whose sentence is empty. Codes None: the
    values are one per event already.

    Apart from the event's id, each piece takes few values (the actor's words, the conduct and target,
    the place, the dates): each is written once per distinct value, and the sentences are put together
    only for the findings being written.
    """
    n, frame = len(rows), ctx.frame
    if not n:
        return [([""], np.zeros(1, dtype=np.int64))]
    actor_codes, actors = ctx.actor_codes()
    raw_codes, raws = ctx.coded("actor")
    action_codes, actions = ctx.coded("action")
    weapon_codes, weapons = ctx.coded("weapons")
    party_codes, parties = ctx.target_party_codes()
    target_codes, targets = ctx.coded("target_type")
    actor_codes, raw_codes, action_codes, weapon_codes, party_codes, target_codes = (
        c[rows] for c in (actor_codes, raw_codes, action_codes, weapon_codes, party_codes, target_codes))
    who, who_rows = combinations([actor_codes, raw_codes])
    whom = [actors[actor_codes[r]] or raws[raw_codes[r]] or "an unknown actor" for r in who_rows.tolist()]
    what, what_rows = combinations([action_codes, weapon_codes])
    whats = [actions[action_codes[r]] + (" (" + weapons[weapon_codes[r]].replace(";", ", ") + ")"
                                         if weapons[weapon_codes[r]] else "") for r in what_rows.tolist()]
    on, on_rows = combinations([party_codes, target_codes])
    ons = [_on_words((parties[party_codes[r]], targets[target_codes[r]])) for r in on_rows.tolist()]
    combo, first = combinations([who, what, on])
    middles = [f": {whom[who[r]]} carried out {whats[what[r]]}{ons[on[r]]} at " for r in first.tolist()]
    place_codes, places = ctx.coded("location")
    place_codes = place_codes[rows].astype(np.int64)
    blank = np.flatnonzero(np.array([not p for p in places] or [False])[place_codes])
    if len(blank):  # no place name: the coordinates, as written for each such event
        lat = frame["lat"].to_numpy(dtype=np.float64)[rows[blank]].tolist()
        lon = frame["lon"].to_numpy(dtype=np.float64)[rows[blank]].tolist()
        place_codes[blank] = len(places) + np.arange(len(blank))
        places = [*places, *(f"{y:.4f}, {x:.4f}" for y, x in zip(lat, lon, strict=True))]
    date_codes, dates = ctx.coded("date")
    end_codes, ends = ctx.coded("date_end")
    date_codes, end_codes = date_codes[rows], end_codes[rows]
    span, span_rows = combinations([date_codes, end_codes])
    when = [f" between {dates[date_codes[r]]} and {ends[end_codes[r]]}" if ends[end_codes[r]] else
            f" on {dates[date_codes[r]]}" for r in span_rows.tolist()]
    ids = pa.concat_arrays([pc.fill_null(arrow_text(frame["id"]).take(pa.array(rows)), ""), pa.array([""], type=TEXT)])

    def coded(words: list[str], codes_: np.ndarray) -> tuple[list[str], np.ndarray]:
        return [*words, ""], np.append(codes_, len(words))  # the last entry: no event, no words

    return [coded(["Event "], np.zeros(n, dtype=np.int64)), (ids, None), coded(middles, combo),
            coded(places, place_codes), coded(when, span)]


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


def doubts(cc: CompiledClause, ctx: Prepared, profile: Profile, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """For each row, which conditions hold only within the stated precision of its date or place: a code
    into the distinct texts (``""`` where none does)."""
    out = np.zeros(len(rows), dtype=np.int64), [""]
    if not len(rows):
        return out
    checks = [time_check(cc, ctx), *where_checks(cc.where, ctx, profile)]
    maybe = np.zeros(len(rows), dtype=np.int64)
    for j, check in enumerate(checks):
        maybe |= (check.test(rows) == MAYBE).astype(np.int64) << j
    if not maybe.any():
        return out
    # the words depend on which conditions are in doubt and, for the time, on the event's dates:
    # written once per distinct combination
    date_codes, dates = ctx.coded("date")
    end_codes, ends = ctx.coded("date_end")
    timed = np.zeros(len(rows), dtype=bool)
    for j, check in enumerate(checks):
        if check.name == "time":
            timed |= (maybe >> j & 1).astype(bool)
    combo, first = combinations([maybe, np.where(timed, date_codes[rows], 0), np.where(timed, end_codes[rows], 0)])
    texts = []
    for r in first.tolist():
        words = []
        for j, check in enumerate(checks):
            if not maybe[r] >> j & 1:
                continue
            if check.name == "time":
                d, e = dates[date_codes[rows[r]]], ends[end_codes[rows[r]]]
                words.append(f"time: the event's dates {d + '..' + e if e else d} straddle the clause's window "
                             f"({check.expected})")
            else:
                words.append(f"{check.name}: within the stated precision of the event's place and the "
                             f"zone's edge ({check.expected})")
        texts.append("; ".join(words))
    return combo, texts


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
                 state: np.ndarray, exemption_codes: np.ndarray, exemption_words: list[str],
                 ) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """What follows the event's sentence in the explanations of one clause, one party and one role:
    the distinct tails and each finding's tail, then each finding's doubt as a code into the distinct
    doubts (``""`` when certain). ``exemption_codes`` give each row's exemptions considered, as codes
    into ``exemption_words``.

    After the event's sentence, the words depend only on the acting party, the attribution and the
    exemptions considered: each combination is written once.
    """
    n = len(rows)
    if not n:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), [""]
    clause_sentence = _clause_sentence(cc)
    actor_codes, actors = ctx.actor_codes()
    attribution_codes, attributions = ctx.coded("attribution") if ctx.n else (np.zeros(0, np.int32), [])
    combo, first = combinations([actor_codes[rows], attribution_codes[rows], exemption_codes])
    none_apply = f"no exemption applies ({', '.join(e.id for e in cc.exemptions)} checked)" if cc.exemptions else None
    tails = []
    for k in first.tolist():
        actor = actors[actor_codes[rows[k]]]
        attribution = attributions[attribution_codes[rows[k]]]
        exempt = exemption_words[exemption_codes[k]]
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
    uncertain = np.zeros(n, dtype=np.int64)
    unsure = np.flatnonzero(state < HOLDS)
    if not len(unsure):
        return tails, combo, uncertain, [""]
    codes, texts = doubts(cc, ctx, profile, rows[unsure])
    uncertain[unsure] = codes + 1
    return tails, combo, uncertain, ["", *texts]


def ending(doubt: str) -> str:
    """The end of an event finding's explanation: a full stop, or what leaves it uncertain."""
    return f". Possible, not certain: {doubt}." if doubt else "."
