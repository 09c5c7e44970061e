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


LIGHT_COLUMNS = ("event_id", "date", "agreement", "clause", "party", "role", "status")
"""What summaries and filters need: no event text, no explanation (cheap at any size)."""


def empty_findings(columns: tuple[str, ...] = FINDING_COLUMNS) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("lat", "lon") else object) for c in columns})


def materialize(outcome: Outcome, select: np.ndarray | None = None,
                columns: tuple[str, ...] = FINDING_COLUMNS) -> pd.DataFrame:
    """The findings table of contracts.md: one row per finding, with the event's fields and the explanation.

    ``select`` (positions in ``outcome.core``, in the order wanted) makes only those findings, so a
    renderer can stream a large report a slice at a time; ``columns`` makes only those columns.
    """
    parts, ctx, core = outcome.parts, outcome.context, outcome.core
    if not parts or ctx is None:
        return empty_findings(columns)
    if select is not None:
        core = core.iloc[select]
    rows = core["row"].to_numpy()
    part = core["part"].to_numpy()
    position = core["position"].to_numpy()
    state = core["state"].to_numpy()
    is_event = rows >= 0
    safe = np.where(is_event, rows, 0)
    groups = _groups(part)

    def per_part(values: list[object]) -> np.ndarray:
        return np.array(values, dtype=object)[part]

    def per_row(name: str) -> np.ndarray:
        # each part's own per-row values, gathered in the final order
        out = np.empty(len(rows), dtype=object)
        for k, at in groups:
            out[at] = getattr(parts[k], name)[position[at]]
        return out

    def event_col(name: str, default: object = "") -> np.ndarray:
        if not ctx.n:
            return np.full(len(rows), default, dtype=object)
        values = ctx.column(name)[safe]
        return values if is_event.all() else np.where(is_event, values, default)

    def coordinate(name: str) -> np.ndarray:
        if not ctx.n:
            return np.full(len(rows), np.nan)
        return np.where(is_event, ctx.frame[name].to_numpy(dtype=np.float64)[safe], np.nan)

    makers = {
        "event_id": lambda: np.where(is_event, event_col("id"), None),
        "date": lambda: np.where(is_event, event_col("date"), per_part(
            [day_of(p.clause.deadline.seconds - 1) if p.clause.deadline else "" for p in parts])),
        "agreement": lambda: per_part([p.clause.agreement.id for p in parts]),
        "clause": lambda: per_part([p.clause.key for p in parts]),
        "article": lambda: per_part([p.clause.clause.article for p in parts]),
        "party": lambda: per_part([p.party for p in parts]),
        "role": lambda: per_part([p.role for p in parts]),
        "confidence": lambda: _confidence(event_col("attribution", "probable"), state),
        "status": lambda: per_row("status"),
        "actor": lambda: np.where(is_event, ctx.actor[safe] if ctx.n else "", ""),
        "action": lambda: event_col("action"),
        "location": lambda: event_col("location"),
        "lat": lambda: coordinate("lat"),
        "lon": lambda: coordinate("lon"),
        "admin1": lambda: event_col("admin1"),
        "target_type": lambda: event_col("target_type"),
        "event_sources": lambda: event_col("sources"),
        "exemptions": lambda: per_row("exemptions"),
        "readings": lambda: per_part(["; ".join(p.clause.readings()) for p in parts]),
    }
    made = {c: makers[c]() for c in columns if c in makers}
    if "explanation" in columns or "uncertain" in columns:
        text, doubt = _explanations(outcome, rows, groups, position) if outcome.explain else (
            np.full(len(rows), "", dtype=object), np.full(len(rows), "", dtype=object))
        made["explanation"], made["uncertain"] = text, doubt
    # object columns, not pandas' inferred strings: findings are rendered, not computed on, and the
    # inference costs more than the evaluation
    out = pd.DataFrame({c: pd.Series(made[c], dtype="float64" if c in ("lat", "lon") else object, copy=False)
                        for c in columns})
    if "confidence" in columns:
        assert set(out["confidence"].unique()) <= set(CONFIDENCE)
    return out


def _groups(part: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The positions of each part's findings among those being made."""
    if not len(part):
        return []
    order = np.argsort(part, kind="stable")
    bounds = np.flatnonzero(np.diff(part[order])) + 1
    return [(int(part[group[0]]), group) for group in np.split(order, bounds)]


def _explanations(outcome: Outcome, rows: np.ndarray, groups: list[tuple[int, np.ndarray]],
                  position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The explanation and doubt of each finding, written part by part for the findings asked for."""
    ctx = outcome.context
    assert ctx is not None
    sentences = event_sentences(ctx, rows)
    text = np.empty(len(rows), dtype=object)
    doubt = np.empty(len(rows), dtype=object)
    for k, group in groups:
        p = outcome.parts[k]
        if p.clause.kind == "result":
            one, why = result_explanation(p.clause, ctx, p.party, p.fulfilling)
            text[group], doubt[group] = one, why
        else:
            at = position[group]
            text[group], doubt[group] = explain_part(p.clause, ctx, outcome.profile, p.rows[at], p.party, p.role,
                                                     p.state[at], p.exemptions[at], sentences)
    return text, doubt


def day_of(seconds: int) -> str:
    from compliance.engine.compile import LOCAL

    return dt.datetime.fromtimestamp(seconds, LOCAL).date().isoformat()
