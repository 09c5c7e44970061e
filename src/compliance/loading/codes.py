"""The log's categorical columns as integer codes, made by the loader while it checks their values.

Checking a column's values against the vocabulary hashes every cell; hashing them into an Arrow
dictionary instead costs no more, and the check then runs once per distinct value. The codes it
leaves are the ones the engine groups events by (``engine.context.distinct``): handed over with the
log, they spare the engine hashing a million cells per column again.

Codes number the distinct values in the order they first appear, as ``pandas.factorize`` does, so
the engine gets the same numbers whether it is given them or makes them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CODED_COLUMNS = ("actor", "target_party", "action", "target_type", "attribution", "weapons")
"""The columns the engine groups events by (parties, conduct, attribution)."""

Coded = tuple[np.ndarray, list[str]]
"""Per row, a code (int32) into the distinct values; the values in order of first appearance."""


def dictionary(values: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """Arrow text (no nulls) as a dictionary: each distinct value once, in order of first appearance."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.dictionary_encode(values)


def per_value(encoded: pa.DictionaryArray, test: Callable[[pa.Array], pa.Array]) -> np.ndarray:
    """An Arrow boolean kernel (``test``) of each cell, run once per distinct value and read back per cell."""
    answers = np.asarray(test(encoded.dictionary).to_numpy(zero_copy_only=False), dtype=bool)
    return answers[encoded.indices.to_numpy(zero_copy_only=False)]


def coded(encoded: pa.DictionaryArray, words: Sequence[str] | None = None) -> Coded:
    """Codes from a dictionary whose values read as ``words`` (by default, as they are). Two values that read
    the same (an empty attribution read as "unknown") become one; the first of them in the dictionary is where
    the word first appears, so the order of first appearance holds."""
    words = encoded.dictionary.to_pylist() if words is None else list(words)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    numbered: dict[str, int] = {}
    table = np.array([numbered.setdefault(w, len(numbered)) for w in words] or [0], dtype=np.int32)
    if len(numbered) == len(words):
        return indices.astype(np.int32, copy=False), list(numbered)
    return table[indices], list(numbered)


def of_frame(frame: pd.DataFrame) -> dict[str, Coded]:
    """The codes of a frame's categorical columns, hashed afresh (a chunk that lost rows to the checks)."""
    out: dict[str, Coded] = {}
    for c in CODED_COLUMNS:
        column = frame[c].astype("string").fillna("")
        out[c] = coded(dictionary(pa.array(column.array, type=pa.large_string())))
    return out


def joined(chunks: list[dict[str, Coded]]) -> dict[str, Coded]:
    """The codes of consecutive chunks as those of one log: each chunk's values numbered after those of the
    chunks before it, so the order of first appearance holds across the whole log."""
    out: dict[str, Coded] = {}
    for c in CODED_COLUMNS:
        numbered: dict[str, int] = {}
        parts: list[np.ndarray] = []
        for chunk in chunks:
            codes, words = chunk[c]
            table = np.array([numbered.setdefault(w, len(numbered)) for w in words] or [0], dtype=np.int32)
            same = len(words) == 0 or np.array_equal(table[:len(words)], np.arange(len(words)))
            parts.append(codes if same else table[codes])
        out[c] = (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32), list(numbered))
    return out
