"""Text columns made by Arrow: JSON-escaped, formatted and joined without a Python string per row.

A million findings make about a gigabyte of report text. Made one Python string at a time, that costs
tens of seconds; here every value is written once (a column's distinct values, or one entry per event)
and the rows are put together by Arrow (``take``, then a row-wise join), which copies bytes and makes no
Python objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'  # what json.dumps(ensure_ascii=False) escapes in a string
_quoted = json.encoder.encode_basestring  # the C encoder json.dumps uses for a string


def arrow_text(values: Any) -> pa.Array:
    """A text column (pandas Series, numpy or Python sequence, Arrow array) as one large-string array."""
    if hasattr(values, "array") and hasattr(values, "dtype"):  # a pandas Series: its Arrow data, if it has some
        values = values.array
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(values, type=TEXT, from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(TEXT) if values.type != TEXT else values


def json_escaped(values: pa.Array) -> pa.Array:
    """Each string as it reads between the quotes of a JSON string (nulls stay null).

    Escaping is per character, so escaped pieces joined equal the joined text escaped: the report
    escapes the parts of an explanation once each, not every explanation.
    """
    values = arrow_text(values)
    needs = pc.fill_null(pc.match_substring_regex(values, _NEEDS_ESCAPE), False)
    if not pc.any(needs).as_py():
        return values
    hits = np.flatnonzero(needs.to_numpy(zero_copy_only=False))
    fixed = [_quoted(v)[1:-1] for v in values.take(pa.array(hits)).to_pylist()]
    return pc.replace_with_mask(values, needs, pa.array(fixed, type=TEXT))


def json_strings(values: pa.Array) -> pa.Array:
    """Each value as a JSON string, nulls as ``null``."""
    escaped = json_escaped(values)
    quoted = join_each('"', escaped, '"')
    return pc.fill_null(quoted, "null") if escaped.null_count else quoted


def json_values(values: Sequence[Any]) -> pa.Array:
    """A few Python values as JSON text, each encoded as json.dumps(ensure_ascii=False) writes it."""
    return pa.array([_quoted(v) if type(v) is str else json.dumps(v, ensure_ascii=False, default=str)
                     for v in values], type=TEXT)


def json_numbers(x: np.ndarray, digits: int) -> pa.Array:
    """Floats rounded to ``digits`` decimals, as ``json.dumps(round(x, digits))`` writes them; NaN as null.

    Arrow writes the shortest text that reads back to the same float, as Python's repr does, but
    without repr's ``.0`` on whole numbers and in its own notation for tiny and large ones (those, far
    from any coordinate, are written by Python). So are values whose rounding numpy could decide
    differently from Python's correctly rounded ``round`` (within a hair of a half).
    """
    x = np.asarray(x, dtype=np.float64)
    finite = np.isfinite(x)
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow here; Python writes them
        scaled = np.where(finite, x, 0.0) * 10.0**digits
        near_half = ~(np.abs(scaled - np.floor(scaled) - 0.5) >= 1e-6)
        rounded = np.round(np.where(finite, x, 0.0), digits)
    odd = finite & (near_half | (np.abs(rounded) < 1e-4) | (np.abs(rounded) >= 1e6))
    text = pc.cast(pa.array(rounded), TEXT)
    odd |= pc.match_substring(text, "e").to_numpy(zero_copy_only=False)  # exponents: as Python writes them
    whole = pc.invert(pc.match_substring(text, "."))
    text = pc.if_else(whole, join_each(text, ".0"), text)
    python = odd | ~finite
    if python.any():
        at = np.flatnonzero(python)
        fixed = [json.dumps(round(v, digits)) if np.isfinite(v) else "null" for v in x[at].tolist()]
        text = pc.replace_with_mask(text, pa.array(python), pa.array(fixed, type=TEXT))
    return text


def join_each(*columns: pa.Array | str) -> pa.Array:
    """Row by row, the columns' strings joined (a ``str`` stands for the same text on every row)."""
    pieces = [pa.scalar(c, TEXT) if isinstance(c, str) else arrow_text(c) for c in columns]
    return pc.binary_join_element_wise(*pieces, pa.scalar("", TEXT))


def text_of(rows: pa.Array) -> memoryview:
    """The strings of an Arrow array one after the other, as UTF-8 bytes (to write without decoding)."""
    if not len(rows):
        return memoryview(b"")
    width = 8 if pa.types.is_large_string(rows.type) else 4
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64 if width == 8 else np.int32,
                            count=len(rows) + 1, offset=rows.offset * width)
    return memoryview(rows.buffers()[2])[int(offsets[0]):int(offsets[-1])]

