"""The findings table of contracts.md, made from the engine's integer findings when someone reads it.

Kept apart from the evaluation: this is where text is made (event fields, explanations), which costs
more than finding the breaches, so renderers that stream can ask for it a slice at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from compliance.engine.checks import HOLDS
from compliance.engine.explanations import event_sentences, explain_part, result_explanation
from compliance.vocabulary import CONFIDENCE

if TYPE_CHECKING:
    from compliance.engine.evaluate import Outcome

FINDING_COLUMNS = (
    "event_id", "date", "agreement", "clause", "article", "party", "role", "confidence", "status",
    "explanation", "actor", "action", "location", "lat", "lon", "admin1", "target_type", "event_sources",
    "uncertain", "exemptions", "readings",
)



def _confidence(attribution: np.ndarray, state: np.ndarray) -> np.ndarray:
    """Attribution capped at "possible" where the date or place leaves the breach uncertain."""
    base = np.where(attribution == "unknown", "disputed", attribution).astype(object)
    cap = (state < HOLDS) & np.isin(base, ["confirmed", "probable"])
    return np.where(cap, "possible", base)


def materialize(outcome: Outcome) -> pd.DataFrame:
    """The findings table of contracts.md: one row per finding, with the event's fields and the explanation."""
    parts, ctx, core = outcome.parts, outcome.context, outcome.core
    if not parts or ctx is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    rows = core["row"].to_numpy()
    part = core["part"].to_numpy()
    position = core["position"].to_numpy()
    state = core["state"].to_numpy()
    is_event = rows >= 0
    safe = np.where(is_event, rows, 0)

    def per_part(values: list[object]) -> np.ndarray:
        return np.array(values, dtype=object)[part]

    def per_row(name: str) -> np.ndarray:
        # each part's own per-row values, gathered in the final order
        flat = np.concatenate([getattr(p, name) for p in parts])
        starts = np.cumsum([0] + [len(p.rows) for p in parts])[:-1]
        return flat[starts[part] + position]

    def event_col(name: str, default: object = "") -> np.ndarray:
        if not ctx.n:
            return np.full(len(rows), default, dtype=object)
        values = ctx.column(name)[safe]
        return values if is_event.all() else np.where(is_event, values, default)

    deadline_day = per_part([day_of(p.clause.deadline.seconds - 1) if p.clause.deadline else "" for p in parts])
    lat = ctx.frame["lat"].to_numpy(dtype=np.float64)[safe] if ctx.n else np.full(len(rows), np.nan)
    lon = ctx.frame["lon"].to_numpy(dtype=np.float64)[safe] if ctx.n else np.full(len(rows), np.nan)
    columns = {
        "event_id": np.where(is_event, event_col("id"), None),
        "date": np.where(is_event, event_col("date"), deadline_day),
        "agreement": per_part([p.clause.agreement.id for p in parts]),
        "clause": per_part([p.clause.key for p in parts]),
        "article": per_part([p.clause.clause.article for p in parts]),
        "party": per_part([p.party for p in parts]),
        "role": per_part([p.role for p in parts]),
        "confidence": _confidence(event_col("attribution", "probable"), state),
        "status": per_row("status"),
        "explanation": np.full(len(rows), "", dtype=object),
        "actor": np.where(is_event, ctx.actor[safe] if ctx.n else "", ""),
        "action": event_col("action"),
        "location": event_col("location"),
        "lat": np.where(is_event, lat, np.nan),
        "lon": np.where(is_event, lon, np.nan),
        "admin1": event_col("admin1"),
        "target_type": event_col("target_type"),
        "event_sources": event_col("sources"),
        "uncertain": np.full(len(rows), "", dtype=object),
        "exemptions": per_row("exemptions"),
        "readings": per_part(["; ".join(p.clause.readings()) for p in parts]),
    }
    if outcome.explain:
        sentences = event_sentences(ctx, rows)
        texts, doubts_ = [], []
        for p in parts:
            if p.clause.kind == "result":
                text, doubt = result_explanation(p.clause, ctx, p.party, p.fulfilling)
                texts.append(np.array([text], dtype=object))
                doubts_.append(np.array([doubt], dtype=object))
            else:
                text, doubt = explain_part(p.clause, ctx, outcome.profile, p.rows, p.party, p.role, p.state,
                                           p.exemptions, sentences)
                texts.append(text)
                doubts_.append(doubt)
        starts = np.cumsum([0] + [len(p.rows) for p in parts])[:-1]
        columns["explanation"] = np.concatenate(texts)[starts[part] + position]
        columns["uncertain"] = np.concatenate(doubts_)[starts[part] + position]
    # object columns, not pandas' inferred strings: findings are rendered, not computed on, and the
    # inference costs more than the evaluation
    out = pd.DataFrame({c: pd.Series(columns[c], dtype="float64" if c in ("lat", "lon") else object, copy=False)
                        for c in FINDING_COLUMNS})
    assert set(out["confidence"].unique()) <= set(CONFIDENCE)
    return out


def day_of(seconds: int) -> str:
    from compliance.engine.compile import LOCAL

    return dt.datetime.fromtimestamp(seconds, LOCAL).date().isoformat()
