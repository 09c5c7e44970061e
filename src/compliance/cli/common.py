"""What every command shares: printing located problems, exit codes, and safe writing of outputs."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import typer

from compliance.loading.problems import Problem

OK, INVALID, USAGE = 0, 1, 2


def fail(problems: Iterable[Problem], summary: str | None = None) -> typer.Exit:
    """Print every problem as ``path:line:col: message`` on stderr; exit 1 (invalid input)."""
    problems = sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))
    for p in problems:
        print(str(p), file=sys.stderr)
    count = len(problems)
    print(summary or f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
    return typer.Exit(INVALID)


def usage(message: str) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(USAGE)


def write_atomic(path: Path, data: str | bytes, inputs: Iterable[Path] = ()) -> None:
    """Write through a temporary file renamed into place; refuse to overwrite one of the inputs."""
    with open_atomic(path, inputs, binary=isinstance(data, bytes)) as fh:
        fh.write(data)


@contextmanager
def open_atomic(path: Path, inputs: Iterable[Path] = (), *, binary: bool = False) -> Iterator[IO[Any]]:
    """A file to write a report into: written beside its target and renamed into place only when whole,
    so a run that fails or is interrupted never leaves half a report; refuses to overwrite an input."""
    target = path.resolve()
    for source in inputs:
        try:
            if source.exists() and source.resolve() == target:
                raise typer.Exit(_refuse(path))
        except OSError:
            continue
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a report is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _refuse(path: Path) -> int:
    print(f"error: {path} is one of the inputs; refusing to overwrite it. Choose another --output.",
          file=sys.stderr)
    return USAGE
