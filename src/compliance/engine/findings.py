"""The findings table of contracts.md, made from the engine's integer findings when someone reads it.

Kept apart from the evaluation: this is where text is made (event fields, explanations), which costs
more than finding the breaches. Every column is first *coded*: its distinct values, written once, and
each finding's position among them. Renderers read a slice of findings at a time by looking the codes
up; the JSON report encodes each value once and joins the codes' texts with Arrow, making no Python
object per finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from compliance.engine.checks import HOLDS
from compliance.engine.explanations import ending, event_sentences, explain_part, result_explanation
from compliance.engine.strings import TEXT, arrow_text
from compliance.vocabulary import CONFIDENCE

if TYPE_CHECKING:
    from compliance.engine.evaluate import Outcome

STATUSES = ("possible", "breach", "contested")
"""A finding's status; parts hold each row's as a code into this."""

FINDING_COLUMNS = (
    "event_id", "date", "agreement", "clause", "article", "party", "role", "confidence", "status",
    "explanation", "actor", "action", "location", "lat", "lon", "admin1", "target_type", "event_sources",
    "uncertain", "exemptions", "readings",
)

LIGHT_COLUMNS = ("event_id", "date", "agreement", "clause", "party", "role", "status")
"""What summaries and filters need: no event text, no explanation (cheap at any size)."""

NUMBERS = ("lat", "lon")
EVENT_TEXT = {"action": "action", "location": "location", "admin1": "admin1", "target_type": "target_type",
              "event_sources": "sources"}
PART_TEXT = ("agreement", "clause", "article", "party", "role", "readings")


@dataclass(frozen=True)
class Column:
    """A column of findings as its values and the codes that pick among them.

    ``over`` names what the codes are indexed by: ``"finding"`` (one code per finding), ``"event"``
    (one per event row, plus a last entry for findings that have no event, i.e. missed deadlines) or
    ``"part"`` (one per clause, party and role). ``codes`` None means the values are already one per
    item (the code of item ``i`` is ``i``).
    """

    values: np.ndarray | pa.Array
    codes: np.ndarray | None
    over: str


class Coded:
    """Every column of every finding, coded; each column is made once, when first asked for."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        core = outcome.core
        self.row = core["row"].to_numpy()
        self.part = core["part"].to_numpy()
        self.state = core["state"].to_numpy()
        ctx = outcome.context
        self.events = ctx.n if ctx is not None else 0
        # the events that have findings, in log order: columns over events are made for these alone (a
        # million events may yield findings on a quarter of them); one entry more, last, for no event
        has = np.zeros(self.events + 1, dtype=bool)
        has[self.row[self.row >= 0]] = True
        self.used = np.flatnonzero(has[:self.events])
        place = np.zeros(self.events + 1, dtype=np.int64)
        place[self.used] = np.arange(len(self.used))
        place[self.events] = len(self.used)
        self.event = place[np.where(self.row >= 0, self.row, self.events)]  # each finding's entry
        sizes = np.array([len(p.rows) for p in outcome.parts], dtype=np.int64)
        # each finding's place among the parts' own per-row arrays laid end to end
        self.flat = (np.cumsum(sizes) - sizes)[self.part] + core["position"].to_numpy() if len(sizes) else self.row
        self._columns: dict[str, Column | tuple[Column, ...]] = {}

    def __len__(self) -> int:
        return len(self.row)

    def index(self, over: str) -> np.ndarray | None:
        """The finding-to-item index of a column's ``over`` (None for per-finding codes)."""
        return {"event": self.event, "part": self.part}.get(over)

    def codes(self, column: Column, select: np.ndarray | None = None) -> np.ndarray:
        """Each selected finding's position in ``column.values``."""
        index = self.index(column.over)
        if index is None:
            assert column.codes is not None
            return column.codes if select is None else column.codes[select]
        at = index if select is None else index[select]
        return at if column.codes is None else column.codes[at]

    def column(self, name: str) -> Column | tuple[Column, ...]:
        """The column ``name`` of FINDING_COLUMNS; the explanation is several columns read one after the
        other: the pieces of the event's sentence, what the clause and the party's role add, the ending."""
        if name not in self._columns:
            if name in ("explanation", "uncertain"):
                *pieces, doubt = self._explanations()
                self._columns["explanation"] = tuple(pieces)
                self._columns["uncertain"] = doubt
            else:
                self._columns[name] = self._make(name)
        return self._columns[name]

    def values(self, name: str, select: np.ndarray | None = None) -> np.ndarray:
        """The selected findings' values of column ``name``, as the findings table holds them."""
        column = self.column(name)
        if isinstance(column, tuple):
            pieces = [self._decode(c, self.codes(c, select)) for c in column]
            text = pieces[0]
            for piece in pieces[1:]:
                text = text + piece
            return text
        return self._decode(column, self.codes(column, select))

    @staticmethod
    def _decode(column: Column, codes: np.ndarray) -> np.ndarray:
        if isinstance(column.values, pa.Array):
            return column.values.take(pa.array(codes)).to_numpy(zero_copy_only=False).astype(object)
        return column.values[codes]

    # -- the columns --------------------------------------------------------------------------------

    @cached_property
    def _deadlines(self) -> list[str]:
        """The day each part's deadline falls on (the date of a missed deadline's finding), "" if none."""
        return [day_of(p.clause.deadline.seconds - 1) if p.clause.deadline else "" for p in self.outcome.parts]

    @cached_property
    def _parts_text(self) -> dict[str, list[str]]:
        parts = self.outcome.parts
        return {
            "agreement": [p.clause.agreement.id for p in parts],
            "clause": [p.clause.key for p in parts],
            "article": [p.clause.clause.article for p in parts],
            "party": [p.party for p in parts],
            "role": [p.role for p in parts],
            "readings": ["; ".join(p.clause.readings()) for p in parts],
        }

    def _flat(self, codes: str, words: Callable[[Any], list[str]]) -> Column:
        """A per-row column of the parts (status, exemptions) laid end to end: each part's codes into its
        own words, renumbered into the distinct words of all parts (in order of first use)."""
        numbering: dict[str, int] = {}
        laid = [np.array([numbering.setdefault(w, len(numbering)) for w in words(p)] or [0], dtype=np.int64)
                [getattr(p, codes)] for p in self.outcome.parts]
        flat = np.concatenate(laid) if laid else np.zeros(0, dtype=np.int64)
        return Column(np.array(list(numbering), dtype=object), flat[self.flat], "finding")

    def _make(self, name: str) -> Column:
        ctx = self.outcome.context
        if name in PART_TEXT:
            return Column(np.array(self._parts_text[name], dtype=object), None, "part")
        if name == "status":
            return self._flat("status_codes", lambda p: list(STATUSES))
        if name == "exemptions":
            return self._flat("exemption_codes", lambda p: p.exemption_words)
        if name == "confidence":
            return self._confidence()
        if ctx is None or not ctx.n:  # no events: every finding is a missed deadline
            if name == "date":
                return Column(np.array(self._deadlines, dtype=object), None, "part")
            default = np.nan if name in NUMBERS else (None if name == "event_id" else "")
            return Column(np.array([default], dtype=float if name in NUMBERS else object), None, "event")
        frame = ctx.frame
        used = self.used
        if name == "event_id":
            ids = pa.concat_arrays([arrow_text(frame["id"]).take(pa.array(used)).fill_null(""),
                                    pa.array([None], type=TEXT)])
            return Column(ids, None, "event")
        if name in NUMBERS:
            return Column(np.append(frame[name].to_numpy(dtype=np.float64)[used], np.nan), None, "event")
        if name == "actor":
            codes, names = ctx.actor_codes()
            return Column(np.array([*names, ""], dtype=object), np.append(codes[used], len(names)), "event")
        if name == "date":
            codes, days = ctx.coded("date")
            safe = np.where(self.row >= 0, self.row, 0)
            return Column(np.array([*days, *self._deadlines], dtype=object),
                          np.where(self.row >= 0, codes[safe], len(days) + self.part.astype(np.int64)), "finding")
        codes, words = ctx.coded(EVENT_TEXT[name])
        return Column(np.array([*words, ""], dtype=object), np.append(codes[used], len(words)), "event")

    def _confidence(self) -> Column:
        """Attribution capped at "possible" where the date or place leaves the breach uncertain."""
        ctx = self.outcome.context
        if ctx is not None and ctx.n:
            codes, words = ctx.coded("attribution")
            attribution = np.where(self.row >= 0, codes[np.where(self.row >= 0, self.row, 0)], len(words))
        else:
            words, attribution = [], np.zeros(len(self.row), dtype=np.int64)
        base = ["disputed" if w == "unknown" else w for w in [*words, "probable"]]
        capped = ["possible" if b in ("confirmed", "probable") else b for b in base]
        codes = attribution + np.where(self.state < HOLDS, len(base), 0)
        values = np.array(base + capped, dtype=object)
        assert set(values[np.unique(codes)].tolist()) <= set(CONFIDENCE)
        return Column(values, codes, "finding")

    def _explanations(self) -> tuple[Column, ...]:
        """The explanation's pieces and, last, the doubt of every finding, written part by part."""
        outcome, ctx = self.outcome, self.outcome.context
        if not outcome.explain or ctx is None:
            blank = Column(np.array([""], dtype=object), np.zeros(len(self), dtype=np.int64), "finding")
            return blank, blank
        tails: list[str] = []
        tail_codes, doubt_codes, is_result = [], [], []
        doubt_words: dict[str, int] = {}  # each distinct doubt, numbered in order of first use
        for p in outcome.parts:
            if p.clause.kind == "result":
                one, why = result_explanation(p.clause, ctx, p.party, p.fulfilling)
                own, codes = [one], np.zeros(len(p.rows), dtype=np.int64)
                doubt, words = np.zeros(len(p.rows), dtype=np.int64), [why]
            else:
                own, codes, doubt, words = explain_part(p.clause, ctx, outcome.profile, p.rows, p.party, p.role,
                                                        p.state, p.exemption_codes, p.exemption_words)
            tail_codes.append(codes + len(tails))
            tails.extend(own)
            doubt_codes.append(np.array([doubt_words.setdefault(w, len(doubt_words)) for w in words],
                                        dtype=np.int64)[doubt])
            is_result.append(np.full(len(p.rows), p.clause.kind == "result"))
        sentence = [Column(values if isinstance(values, pa.Array) else np.array(values, dtype=object), codes, "event")
                    for values, codes in event_sentences(ctx, self.used)]
        if not tails:
            blank = Column(np.array([""], dtype=object), np.zeros(0, dtype=np.int64), "finding")
            return *sentence, blank, blank, blank
        texts = list(doubt_words)
        pair_codes, pairs = pd.factorize(np.concatenate(doubt_codes) * 2 + np.concatenate(is_result), sort=False)
        words = [texts[k // 2] for k in pairs.tolist()]
        endings = ["" if k % 2 else ending(w) for k, w in zip(pairs.tolist(), words, strict=True)]
        at = pair_codes[self.flat]
        return (*sentence,
                Column(np.array(tails, dtype=object), np.concatenate(tail_codes)[self.flat], "finding"),
                Column(np.array(endings, dtype=object), at, "finding"),
                Column(np.array(words, dtype=object), at, "finding"))


def empty_findings(columns: tuple[str, ...] = FINDING_COLUMNS) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in NUMBERS else object) for c in columns})


def materialize(outcome: Outcome, select: np.ndarray | None = None,
                columns: tuple[str, ...] = FINDING_COLUMNS) -> pd.DataFrame:
    """The findings table of contracts.md: one row per finding, with the event's fields and the explanation.

    ``select`` (positions in ``outcome.core``, in the order wanted) makes only those findings, so a
    renderer can stream a large report a slice at a time; ``columns`` makes only those columns.
    """
    if not outcome.parts or outcome.context is None:
        return empty_findings(columns)
    coded = outcome.coded
    # object columns, not pandas' inferred strings: findings are rendered, not computed on, and the
    # inference costs more than the evaluation
    return pd.DataFrame({c: pd.Series(coded.values(c, select), dtype="float64" if c in NUMBERS else object,
                                      copy=False) for c in columns})


def day_of(seconds: int) -> str:
    from compliance.engine.compile import LOCAL

    return dt.datetime.fromtimestamp(seconds, LOCAL).date().isoformat()
