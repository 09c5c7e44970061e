"""The Arrow text helpers write exactly what Python's json module writes, for any text and any float."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.engine.strings import TEXT, join_each, json_escaped, json_numbers, json_strings, json_values, text_of

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=20))
def test_json_strings_match_json_dumps(values):
    encoded = json_strings(pa.array(values, type=pa.string())).to_pylist()
    assert encoded == [json.dumps(v, ensure_ascii=False) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_escaping_pieces_then_joining_equals_escaping_the_whole(pieces):
    escaped = "".join(json_escaped(pa.array([p], type=TEXT)).to_pylist()[0] for p in pieces)
    assert '"' + escaped + '"' == json.dumps("".join(pieces), ensure_ascii=False)


def test_escaping_leaves_clean_text_untouched_and_fixes_only_what_needs_it():
    values = pa.array(["plain", 'a "quote"', "back\\slash", "tab\there", "nul\x00", "é ü ✓", None], type=TEXT)
    out = json_escaped(values).to_pylist()
    assert out[0] == "plain" and out[-1] is None
    assert out[1:6] == [json.dumps(v, ensure_ascii=False)[1:-1] for v in values.to_pylist()[1:6]]


coordinates = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(coordinates, st.floats(32, 43), st.integers(-180, 180).map(float),
                          st.decimals(32, 43, places=6).map(float)), max_size=30))
def test_json_numbers_match_python_rounding(values):
    out = json_numbers(np.array(values, dtype=np.float64), 5).to_pylist()
    assert out == ["null" if not math.isfinite(v) else json.dumps(round(v, 5)) for v in values]


def test_numbers_on_a_half_round_as_python_rounds():
    values = [35.123455, 35.123465, 2.675, 0.000015, 1e-5, 0.0, -0.0, 36.0, 1e20]
    assert json_numbers(np.array(values), 5).to_pylist() == [json.dumps(round(v, 5)) for v in values]


def test_json_values_cover_strings_numbers_and_null():
    assert json_values(["a\"b", 3, None, 1.5, True]).to_pylist() == ['"a\\"b"', "3", "null", "1.5", "true"]


def test_join_each_and_text_of_give_the_rows_back_to_back():
    rows = join_each("<", pa.array(["a", "bé", ""], type=TEXT), ">")
    assert rows.to_pylist() == ["<a>", "<bé>", "<>"]
    assert text_of(rows).tobytes().decode() == "<a><bé><>"
    assert text_of(rows.slice(1, 2)).tobytes().decode() == "<bé><>"
    assert text_of(pa.array(["x", "yz"], type=pa.string()).slice(1)).tobytes() == b"yz"
    assert text_of(pa.array([], type=TEXT)).tobytes() == b""
