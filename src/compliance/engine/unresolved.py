"""Events whose actor names no party: still evaluated for all that needs no actor, and listed with why.

A log can leave a hundred thousand events without a party, yet it names few distinct (actor, note,
involved) triples. So the list is held as columns: each event's row in id order and a code into the
distinct reasons, each reason written once. Records (and the ids as text) are made only when read.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import overload

import numpy as np
import pandas as pd

from compliance.engine.context import Prepared, combinations


@dataclass(frozen=True)
class Unresolved:
    event_id: str
    reason: str


class UnresolvedEvents(Sequence[Unresolved]):
    """The events without a party, in the order of their ids, each with its reason."""

    def __init__(self, ids: Callable[[], np.ndarray], codes: np.ndarray, reasons: list[str]) -> None:
        self._ids = ids
        self.codes = codes
        """Each event's reason, as an index into ``reasons``."""
        self.reasons = reasons

    @cached_property
    def ids(self) -> np.ndarray:
        """The events' ids as text (an object array), in order."""
        return self._ids()

    @cached_property
    def records(self) -> list[Unresolved]:
        with _no_cyclic_gc():  # records hold only strings: no cycles for the collector to find
            return list(map(Unresolved, self.ids.tolist(), np.array(self.reasons, dtype=object)[self.codes].tolist()))

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, index: int) -> Unresolved: ...

    @overload
    def __getitem__(self, index: slice) -> list[Unresolved]: ...

    def __getitem__(self, index: int | slice) -> Unresolved | list[Unresolved]:
        if isinstance(index, slice):
            rows = range(len(self))[index]
            return [Unresolved(str(self.ids[i]), self.reasons[int(self.codes[i])]) for i in rows]
        i = range(len(self))[index]  # negative indices, and IndexError beyond the end
        return Unresolved(str(self.ids[i]), self.reasons[int(self.codes[i])])

    def __iter__(self) -> Iterator[Unresolved]:
        return iter(self.records)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UnresolvedEvents | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like the list it stands for

    def __repr__(self) -> str:
        return f"UnresolvedEvents({len(self)} events, {len(self.reasons)} reasons)"


NONE = UnresolvedEvents(lambda: np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64), [])


def find_unresolved(ctx: Prepared) -> UnresolvedEvents:
    """The events whose actor resolves to no party, ordered by id, with the reason of each."""
    codes, names = ctx.actor_codes()
    missing = np.flatnonzero(np.array([not n for n in names] or [False])[codes]) if ctx.n else np.zeros(0, np.int64)
    if not len(missing):
        return NONE
    frame = ctx.frame
    column = frame["id"]
    ids_of: Callable[[], np.ndarray]
    arrow = isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"
    if arrow and _plain_arrow(column, missing):
        # ordered as text already by ``id_rank`` (which reads them alike); the text made when read
        order = missing[np.argsort(ctx.id_rank()[missing])]
        ids_of = lambda: column.iloc[order].to_numpy(dtype=object)  # noqa: E731
    else:
        ids = column.iloc[missing].to_numpy(dtype=object)
        plain = pd.api.types.infer_dtype(ids, skipna=False) == "string" and "\x00" not in "".join(ids)
        if plain:  # as ``astype(str)`` reads them, and ordered as text already by ``id_rank``
            by_id = np.argsort(ctx.id_rank()[missing])
        else:  # missing ids or NUL characters: ``astype(str)`` writes and trims them, and they are sorted as such
            ids = ids.astype(str)
            by_id = _text_order(ids)
        order = missing[by_id]
        ordered = ids[by_id]
        ids_of = lambda: ordered  # noqa: E731
    columns: list[tuple[np.ndarray, list[str]]] = []
    for name in ("actor", "attribution_note", "involved"):
        known = ctx.known_codes(name)
        if known is not None:  # the column's codes, made already (by the loader): read, not hashed again
            codes_of_all, words = known
            columns.append((codes_of_all[order], [w.strip() for w in words]))
            continue
        inverse, uniques = pd.factorize(frame[name].iloc[order], use_na_sentinel=False)
        # the text each value had as ``astype(str)`` of the object column (NA reads "<NA>")
        columns.append((inverse, [str(t).strip() for t in np.array(list(uniques), dtype=object).astype(str)]))
    triple, one = combinations([inverse for inverse, _ in columns])  # and one event of each triple
    reasons = [_reason(*(texts[int(codes_[row])] for codes_, texts in columns)) for row in one.tolist()]
    return UnresolvedEvents(ids_of, triple, reasons)


def _reason(name: str, note: str, involved: str) -> str:
    if name:
        reason = f"actor '{name}' matches no party or alias in the registry"
    else:
        reason = "actor unknown" + (f": {note}" if note else "")
    if involved:
        reason += f" (involved: {involved.replace(';', ', ')})"
    return reason


def _plain_arrow(column: pd.Series, rows: np.ndarray) -> bool:
    """Whether the ids at ``rows`` are all present and free of NUL characters (then Arrow's order of them
    is the order of their text, as ``id_rank`` has it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    taken = pc.take(pa.array(column.array), pa.array(rows))
    return taken.null_count == 0 and not pc.any(pc.match_substring(taken, "\x00")).as_py()


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic collector while making many small acyclic objects.

    Every few hundred new objects it would rescan the young heap, and each time enough survive, the
    whole heap; over a hundred thousand records that costs several times their making.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _text_order(texts: np.ndarray) -> np.ndarray:
    """The stable order of ``sorted`` on strings: by code point, as UTF-8 bytes sort, done by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = texts.tolist()
    try:
        return pc.sort_indices(pa.array(values, type=pa.large_string())).to_numpy()
    except (pa.ArrowException, UnicodeError):  # text UTF-8 cannot carry (lone surrogates): Python sorts it
        return np.array(sorted(range(len(values)), key=values.__getitem__), dtype=np.int64)
