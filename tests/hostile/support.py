"""Helpers for the hostile-input tests: run the CLI (in process, or as a real process), read its problems.

Every problem the tool prints must be ``path:line:col: message``; every run must end with a documented
exit code (0, 1 or 2) and never with a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from compliance.cli.main import app

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
AGREEMENTS = CORPUS / "agreements"
EVENTS = CORPUS / "events"
YAML = CORPUS / "yaml"

LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
SUMMARY = re.compile(r"^\d+ problems? found; nothing was written\.$")
HEADER = ("id,date,date_end,actor,action,weapons,target_type,target_party,location,lat,lon,admin1,admin2,"
          "killed,civilians_killed,attribution,sources,notes")


@dataclass(frozen=True)
class Located:
    path: str
    line: int
    col: int
    message: str


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    problems: list[Located] = field(default_factory=list)

    def json(self) -> dict:
        return json.loads(self.stdout)

    def at(self, name: str) -> list[tuple[int, int]]:
        """(line, col) of every problem in the file called ``name``."""
        return sorted((p.line, p.col) for p in self.problems if Path(p.path).name == name)


def _outcome(code: int, stdout: str, stderr: str) -> Outcome:
    assert "Traceback" not in stdout + stderr, stdout + stderr
    assert code in (0, 1, 2), f"undocumented exit status {code}\n{stderr}"
    problems = []
    for line in stderr.splitlines():
        m = LOCATED.match(line)
        if m:
            problems.append(Located(m["path"], int(m["line"]), int(m["col"]), m["message"]))
    if code == 1:  # invalid input: every line on stderr is a located problem (or the closing summary)
        loose = [line for line in stderr.splitlines() if line.strip() and not LOCATED.match(line)
                 and not SUMMARY.match(line)]
        assert not loose, f"problems not written as path:line:col: message: {loose}"
        assert problems, "exit 1 without a located problem"
    return Outcome(code, stdout, stderr, problems)


@contextlib.contextmanager
def _cwd(path: Path):
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def invoke(*args: str | Path, cwd: Path, catch: bool = True) -> Outcome:
    """Run the command in this process (fast); an exception escaping the command fails the test (or, with
    ``catch=False``, is raised as it is)."""
    with _cwd(cwd):
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=catch)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("the command raised instead of reporting:\n"
                             + "".join(traceback.format_exception(result.exception)))
    return _outcome(result.exit_code, result.stdout, result.stderr)


def run(*args: str | Path, cwd: Path, timeout: float = 300, preamble: str = "") -> Outcome:
    """Run the real entry point in a fresh process, as a user would (``preamble`` runs first, e.g. to set a limit)."""
    code = f"{preamble}\nfrom compliance.cli.main import run\nrun()"
    proc = subprocess.run([sys.executable, "-c", code, *[str(a) for a in args]], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    return _outcome(proc.returncode, proc.stdout, proc.stderr)


def expect(outcome: Outcome, code: int, *located: tuple[str, int, int, str]) -> None:
    """The exit code, and exactly these problems: (file name, line, col, words the message must hold)."""
    assert outcome.code == code, f"exit {outcome.code}, expected {code}\n{outcome.stderr}"
    got = sorted((Path(p.path).name, p.line, p.col) for p in outcome.problems)
    want = sorted((name, line, col) for name, line, col, _ in located)
    assert got == want, f"problems at {got}, expected {want}\n{outcome.stderr}"
    for name, line, col, words in located:
        messages = [p.message for p in outcome.problems if (Path(p.path).name, p.line, p.col) == (name, line, col)]
        assert any(words.lower() in m.lower() for m in messages), f"{name}:{line}:{col}: no '{words}' in {messages}"


def accounting(report: dict) -> tuple[int, int, int]:
    """(read, evaluated, set aside) from a JSON report, checking that they add up."""
    events = report["events"]
    read, evaluated, aside = events["read"], events["evaluated"], len(events["set_aside"])
    assert read == evaluated + aside, f"read {read} != evaluated {evaluated} + set aside {aside}"
    return read, evaluated, aside


@contextlib.contextmanager
def time_limit(seconds: float, error: type[BaseException], message: str):
    """Raise ``error(message)`` if the block runs longer than ``seconds`` (no guard where SIGALRM is missing)."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows: the CI timeout still applies
        yield
        return

    def alarm(signum, frame):
        raise error(message)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
