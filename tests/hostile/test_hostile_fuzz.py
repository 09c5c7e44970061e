"""Fuzzing the loaders: whatever the bytes, a model or located problems; never an exception, never a hang.

* bytes -> the YAML loader and the YAML event loader;
* bytes -> the CSV event loader (and CSV built from hostile cells, whose line numbers are checked against
  Python's own csv reader);
* structured mutations of a valid event log and of a valid agreement -> ``compliance validate``, in process.

The budget is small for CI (``HOSTILE_FUZZ_EXAMPLES``, default 200 examples for the YAML byte tests, half
that for CSV bytes and a quarter for whole ``validate`` runs and CSV line checks; no deadline); every
example runs under a hang guard (``HOSTILE_FUZZ_SECONDS``, default 30 s) that fails the test if it is hit.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import math
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.hostile.support import AGREEMENTS, EVENTS, HEADER, LOCATED, SUMMARY, time_limit

from compliance.cli.validate import run_validate
from compliance.loading.events import load_events
from compliance.loading.problems import Problem
from compliance.loading.yamlpos import Located, YamlError, load_file, parse_text

EXAMPLES = int(os.environ.get("HOSTILE_FUZZ_EXAMPLES", "200"))
CLI_EXAMPLES = max(1, EXAMPLES // 4)  # whole `validate` runs cost more an example
SECONDS = float(os.environ.get("HOSTILE_FUZZ_SECONDS", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
FUZZ_CLI = settings(FUZZ, max_examples=CLI_EXAMPLES)
FUZZ_TABLE = settings(FUZZ, max_examples=max(1, EXAMPLES // 2))  # pandas costs more an example than YAML


class Hang(Exception):
    pass


def no_hang(seconds: float = SECONDS):
    """Fail (rather than wait forever) if one example takes longer than ``seconds``."""
    return time_limit(seconds, Hang, f"one example took more than {seconds} s")


def _write(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="hostile-fuzz-"))
    path = folder / f"fuzzed{suffix}"
    path.write_bytes(data)
    return path


def _located(problem: Problem, path: Path) -> None:
    assert problem.path == str(path), problem
    assert problem.line >= 1 and problem.col >= 1, problem
    assert problem.message.strip() and "\n" not in problem.message, problem
    assert len(problem.message) < 1000, problem


def _accounted(table) -> None:
    assert table.read == len(table.frame) + len(table.set_aside)
    for s in table.set_aside:
        assert s.reason and s.origin, s


# -- bytes ----------------------------------------------------------------------------------------------------

YAML_ISH = st.sampled_from([b"events:\n", b"  - ", b"id: ", b"{", b"}", b"[", b"]", b"&a ", b"*a ", b"!!python/object ",
                            b"<<: ", b"---\n", b"\t", b"\r\n", b": ", b"- ", b"'", b'"', b"\xef\xbb\xbf", b"\x00",
                            b"\xe9", b"2019-05-01", b".nan", b"9" * 50, b"#", b"|\n", b">-\n", b"? ", b"%YAML 1.1\n"])
FUZZ_BYTES = st.one_of(st.binary(max_size=2000), st.lists(YAML_ISH | st.binary(max_size=8), max_size=80).map(b"".join))


@FUZZ
@given(FUZZ_BYTES)
@example(b"a: &a [*a]")
@example(b"[" * 5000)
@example(b"\xff\xfe\x00a")
@example(b"a: 1\na: 2\n")
def test_yaml_loader_on_any_bytes(data):
    path = _write(data, ".yaml")
    with no_hang():
        try:
            located = load_file(path)
        except YamlError as exc:
            _located(exc.problem, path)
        else:
            assert isinstance(located, Located)
            for line, col in [*located.values.values(), *located.keys.values()]:
                assert line >= 1 and col >= 1


@FUZZ
@given(st.text(max_size=500))
def test_yaml_parser_on_any_text(text):
    with no_hang():
        try:
            parse_text(text, "text.yaml")
        except YamlError as exc:
            assert exc.problem.path == "text.yaml" and exc.problem.line >= 1


@FUZZ
@given(FUZZ_BYTES)
def test_yaml_event_loader_on_any_bytes(data):
    path = _write(b"events:\n" + data, ".yaml")
    with no_hang():
        table = load_events([path])
    _accounted(table)
    for p in table.problems:
        _located(p, path)


CSV_ISH = st.sampled_from([HEADER.encode(), b"\n", b"\r\n", b"\r", b",", b'"', b'""', b"=1+1", b"nan", b"inf",
                           b"2019-05-01", b"air-strike", b"35.9", b"36.6", b"\xef\xbb\xbf", b"\x00", b"\xe9",
                           b"\xe2\x80", b"id", b";", b" ", b"\t", b"9" * 40])
CSV_BYTES = st.one_of(st.binary(max_size=2000), st.lists(CSV_ISH | st.binary(max_size=6), max_size=120).map(b"".join),
                      st.lists(CSV_ISH, max_size=120).map(lambda parts: HEADER.encode() + b"\n" + b"".join(parts)))


@FUZZ_TABLE
@given(CSV_BYTES)
@example(HEADER.encode() + b'\n"open,2019-05-01\n')
@example(HEADER.encode() + b"\n" + b"," * 40 + b"\n")
@example(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\nx,\r")
def test_csv_loader_on_any_bytes(data):
    path = _write(data, ".csv")
    with no_hang():
        table = load_events([path])
    _accounted(table)
    for p in table.problems:
        _located(p, path)


# -- CSV from hostile cells: line numbers are exactly those Python's csv reader counts ---------------------------

CELL = st.one_of(
    st.sampled_from(["", "air-strike", "shelling", "2019-05-01", "2019-13-01", "35.93", "36.63", "nan", "-inf",
                     "=HYPERLINK(\"x\")", "+1", "@SUM(A1)", "syria-gov", "confirmed", "a, b", 'say "hi"',
                     "two\nlines", "three\n\nlines", "tab\there", "é", "  padded  ", "artillery;mortar"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=12),
)
ROW = st.tuples(*[CELL] * 18).map(list)


@FUZZ_CLI
@given(st.lists(ROW, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_csv_lines_match_the_csv_module(rows, newline):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(HEADER.split(","))
    for i, row in enumerate(rows):
        row[0] = f"row-{i}"  # unique ids, so that each row can be found again
        writer.writerow(row)
    text = buffer.getvalue()
    path = _write(text.encode(), ".csv")
    starts = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    for record in reader:
        if record and record[0].startswith("row-"):
            starts[record[0]] = last + 1
        last = reader.line_num
    with no_hang():
        table = load_events([path])
    _accounted(table)
    assert not [p for p in table.problems if p.line == 1], table.problems  # the header is fine
    for ident, origin in zip(table.frame["id"], table.frame["origin"], strict=True):
        assert origin == f"{path}:{starts[ident]}"
    for s in table.set_aside:
        assert s.origin.startswith(f"{path}:{starts[s.event_id]}:"), (s, starts[s.event_id])


# -- structured mutations of valid files -> `compliance validate`, in process -------------------------------------

GOOD_EVENTS = yaml.safe_load((EVENTS / "good.yaml").read_text())
GOOD_AGREEMENT = yaml.safe_load((AGREEMENTS / "test-truce.yaml").read_text())
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30), st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0]),
    st.text(max_size=30), st.sampled_from(["2019-02-30", "0001-01-01", "9999-12-31", "2020-03-06T00:30", "=1+1",
                                           "syria-gov", "air-strike", "x" * 500, "a: b", "- c", "*alias", "&anchor"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated(draw, base):
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        where = draw(st.sampled_from(paths))
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        key = where[-1]
        action = draw(st.sampled_from(["replace", "delete", "rename", "nest", "duplicate"]))
        if action == "replace":
            parent[key] = draw(ODD_VALUES)
        elif action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
        elif action == "nest":
            parent[key] = [parent[key]] if draw(st.booleans()) else {"value": parent[key]}
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    text = yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False, width=10**6)
    # and damage the text itself now and then: what hand-editing does
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        snippet = draw(st.sampled_from(["\t", "  ", ": ", "- ", "{", "]", "'", '"', "!!python/object:os.system ",
                                        "&a ", "*a", "\n", "#", "\x00", "\x07", "---\n", "<<: *a\n", "? "]))
        text = text[:at] + snippet + text[at:]
    return text


def _validate(files: dict[str, str]) -> tuple[int, str, str]:
    folder = Path(tempfile.mkdtemp(prefix="hostile-mutant-"))
    paths = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        paths.append(path)
    out, err = io.StringIO(), io.StringIO()
    with no_hang(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(folder):
        code = run_validate(paths)
    return code, out.getvalue(), err.getvalue()


def _check_validate(code: int, stdout: str, stderr: str) -> None:
    assert code in (0, 1)
    assert stdout.startswith("checked ")
    lines = [line for line in stderr.split("\n") if line.strip()]
    assert (code == 1) == bool(lines), (code, stderr)
    assert all(LOCATED.match(line) or SUMMARY.match(line) for line in lines), lines


@FUZZ_CLI
@given(mutated(GOOD_EVENTS))
def test_mutated_event_log_validates(text):
    _check_validate(*_validate({"events.yaml": text}))


@FUZZ_CLI
@given(mutated(GOOD_AGREEMENT))
def test_mutated_agreement_validates(text):
    parties = (AGREEMENTS / "parties.yaml").read_text()
    _check_validate(*_validate({"agreements/parties.yaml": parties, "agreements/test-truce.yaml": text}))


def test_quoted_line_break_in_a_message():
    """A value quoted in a message keeps its problem on one line."""
    text = (AGREEMENTS / "test-truce.yaml").read_text().replace("kind: prohibition", 'kind: "prohibition\\nx"')
    parties = (AGREEMENTS / "parties.yaml").read_text()
    _check_validate(*_validate({"agreements/parties.yaml": parties, "agreements/test-truce.yaml": text}))


def test_the_unmutated_files_are_valid():
    _check_validate(*_validate({"events.yaml": (EVENTS / "good.yaml").read_text()}))
    code, _, stderr = _validate({"agreements/parties.yaml": (AGREEMENTS / "parties.yaml").read_text(),
                                 "agreements/test-truce.yaml": (AGREEMENTS / "test-truce.yaml").read_text()})
    assert code == 0, stderr


@pytest.mark.parametrize("seconds", [0.2])
def test_the_hang_guard_works(seconds):
    import time

    with pytest.raises(Hang), no_hang(seconds):
        time.sleep(5)
