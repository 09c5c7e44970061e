"""Large logs: read in bounded chunks, with the same results as if read at once, in bounded time and memory.

* always run: CSVs of ~21 and ~42 MB read in 2 MB chunks grow the process by about the same, less than
  the file (the file is never held whole); a log cut into many chunks gives exactly what it gives in one;
  20,000 bad rows load in linear time;
* ``-m slow`` (or ``HOSTILE_SLOW=1``): a ~300 MB CSV (a block of events repeated with new ids) through
  ``compliance validate`` in a real process, with its time and peak memory printed (``-s`` shows them) and
  held to a budget.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.hostile.support import AGREEMENTS, HEADER, invoke, run, time_limit

from compliance.loading import events as loader


def _wide_log(path: Path, rows: int, note_chars: int) -> Path:
    """Rows with a long note and an unknown action: each row is set aside, so the result itself stays small."""
    note = "n" * note_chars
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            fh.write(f"wide-{i},2019-05-01,,syria-gov,bombardment,,,,Idlib,35.93,36.63,,,,,,,{note}\n")
    return path


PROBE = """
import json, pathlib, resource, sys, time
import compliance.loading.events as loader
loader.CHUNK_BYTES = int(sys.argv[2])
loader.load_events([pathlib.Path(sys.argv[3])])  # warm up: imports and first allocations
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
table = loader.load_events([pathlib.Path(sys.argv[1])])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
print(json.dumps({"seconds": time.perf_counter() - start, "growth": (peak - before) * scale,
                  "read": table.read, "aside": len(table.set_aside), "kept": len(table.frame)}))
"""


def _growth(path: Path, small: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path), str(2 * 1024 * 1024), str(small)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_large_csv_is_streamed_in_bounded_memory(tmp_path):
    """Twice the file, (about) the same memory: the growth is bounded by the chunk, not by the file."""
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "\nx,2019-05-01,,,air-strike,,,,,35.9,36.6,,,,,,,\n", encoding="utf-8")
    got = {}
    for rows in (700, 1400):
        path = _wide_log(tmp_path / f"wide-{rows}.csv", rows=rows, note_chars=30_000)
        got[rows] = {**_growth(path, small), "size": path.stat().st_size}
        assert (got[rows]["read"], got[rows]["aside"], got[rows]["kept"]) == (rows, rows, 0)
        print(f"\n{got[rows]['size'] / 1e6:.0f} MB CSV in 2 MB chunks: {got[rows]['seconds']:.1f} s, peak memory "
              f"grew by {got[rows]['growth'] / 1e6:.0f} MB", end="")
    half, whole = got[700], got[1400]
    # read whole, the growth was about 4.5 times the file: 95 MB more for the 21 MB more here
    assert whole["growth"] < half["growth"] + (whole["size"] - half["size"]) / 2, "memory grows with the file"
    assert whole["growth"] < whole["size"], "the loader held the whole file in memory"


def _mixed_log(path: Path) -> Path:
    """Everything that carries from one chunk to the next: quoted newlines, blank and empty rows, rows with a
    field too many (one spanning lines), bad rows, and ids repeated far apart."""
    rows = [HEADER]
    for i in range(150):
        row = f"m{i % 120},2019-05-{1 + i % 28:02d},,syria-gov,air-strike,,,,Idlib,35.93,36.63,,,,,,,"
        if i % 7 == 3:
            row += '"a note\nover\nthree lines"'
        if i % 23 == 5:
            row = row.replace(",Idlib,", ",Idlib, Idleb,")
        if i % 11 == 4:
            row = row.replace("air-strike", "bombardment")
        rows.append(row)
        if i % 13 == 0:
            rows.append("")
        if i % 17 == 0:
            rows.append("," * 17)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _result(path: Path):
    table = loader.load_events([path])
    return (table.read, table.frame.to_dict("list"), [(s.event_id, s.origin, s.reason) for s in table.set_aside],
            sorted(map(str, table.problems)))


def test_chunks_change_nothing(tmp_path, monkeypatch):
    path = _mixed_log(tmp_path / "mixed.csv")
    whole = _result(path)
    monkeypatch.setattr(loader, "CHUNK_BYTES", 1)  # the smallest chunks there are (ten rows)
    chunked = _result(path)
    assert chunked[0] == whole[0] and chunked[3] == whole[3]
    assert chunked[1] == whole[1]
    assert sorted(chunked[2]) == sorted(whole[2])
    read, _, _, problems = whole
    assert read == 150 and any("first at" in p for p in problems) and any("19 fields" in p for p in problems)


def test_big_yaml_log_loads_in_linear_time(tmp_path):
    """5,000 hand-written events (1.5 MB): each event's positions are found once, not by scanning them all."""
    event = ("  - id: ev-{i}\n    date: 2019-05-0{d}\n    actor: syria-gov\n    action: air-strike\n"
             "    location: {{name: Kafranbel, lat: 35.61, lon: 36.56}}\n    sources: [{{name: SNHR}}]\n")
    path = tmp_path / "big.yaml"
    for n in (500, 5000):
        path.write_text("events:\n" + "".join(event.format(i=i, d=1 + i % 9) for i in range(n)), encoding="utf-8")
        start = time.perf_counter()
        table = loader.load_events([path])
        seconds = time.perf_counter() - start
        assert (table.read, len(table.frame)) == (n, n)
        if n == 500:
            small = seconds
    print(f"\nYAML log: 500 events {small:.2f} s, 5,000 events {seconds:.2f} s")
    assert seconds < 40 * small + 5, "loading grows faster than the number of events"


def _repeated(path: Path, rows: int) -> Path:
    """The same event over and over: every row after the first is a duplicate, set aside with its line."""
    row = "same,2019-05-01,,syria-gov,air-strike,,,,Idlib,35.93,36.63,,,,,confirmed,,\n"
    path.write_text(HEADER + "\n" + row * rows, encoding="utf-8")
    return path



@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_many_bad_rows_load_in_linear_time(tmp_path):
    path = _repeated(tmp_path / "repeated.csv", 20_000)
    with _budget(20):
        table = loader.load_events([path])
    assert (table.read, len(table.frame), len(table.set_aside), len(table.problems)) == (20_000, 1, 19_999, 19_999)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@pytest.mark.parametrize("command", ["validate", "report"])
def test_many_bad_rows_through_the_cli(command, tmp_path):
    path = _repeated(tmp_path / "repeated.csv", 20_000)
    args = ["validate", path] if command == "validate" else \
        ["report", "--agreements", AGREEMENTS, "--events", path, "--format", "json"]
    with _budget(20):
        result = invoke(*args, cwd=tmp_path, catch=False)
    assert result.code == (1 if command == "validate" else 0)


def _budget(seconds: float):
    return time_limit(seconds, TimeoutError, f"over the {seconds} s budget")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_several_hundred_mb_csv(tmp_path):
    """~300 MB of events (a block of 1,000 rows repeated with new ids) through `compliance validate`."""
    path = tmp_path / "huge.csv"
    actions = ["air-strike", "shelling", "armed-clash", "drone-strike"]
    block = [f"{{n}}-{i},2019-{1 + i % 12:02d}-{1 + i % 28:02d},,syria-gov,{actions[i % 4]},artillery;mortar,"
             f"residential,,Village {i},{35 + (i % 100) / 100:.4f},{36 + (i % 90) / 100:.4f},Idleb,Ariha,{i % 7},"
             f"{i % 5},confirmed,SNHR;Airwars,\"a note, with a comma and enough words to make a realistic row\"\n"
             for i in range(1000)]
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        k = 0
        while fh.tell() < 300_000_000:
            fh.write("".join(line.replace("{n}", f"ev{k}") for line in block))
            rows += len(block)
            k += 1
    size = path.stat().st_size
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = run("validate", path, cwd=tmp_path, timeout=1800)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(f"\n{size / 1e6:.0f} MB, {rows:,} events: compliance validate took {seconds:.0f} s, peak memory "
          f"{peak / 1e9:.2f} GB" + (" (an earlier child may have peaked higher)" if before else ""))
    assert result.code == 0, result.stderr
    assert f"{rows} events; 0 problems" in result.stdout
    assert seconds < 900
    assert peak < 5 * size  # reading it whole took 6.7 times its size (2.0 GB) before the loader streamed
