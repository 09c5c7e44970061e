"""Located problems: every mistake in a user's file is reported as `path:line:col: message`.

Loading never stops at the first problem; it collects them all so that an author can fix a file
in one pass. The CLI turns a non-empty collection into exit status 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


def _visible(text: str) -> str:
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake at one place. Line and column are 1-based; 0 means "the whole file"."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        # one problem, one line: control characters from the input (a quoted line break, ESC) are shown
        # escaped, so a file cannot break the output's shape or drive the reader's terminal
        return _visible(f"{self.path}:{self.line}:{self.col}: {self.message}")


@dataclass
class Problems:
    """An ordered, de-duplicated collection of problems."""

    items: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, init=False, repr=False, compare=False)

    def add(self, path: str, line: int, col: int, message: str) -> None:
        problem = Problem(str(path), line, col, message)
        if problem not in self._seen:  # a set beside the list: a log can hold a problem per row
            self._seen.add(problem)
            self.items.append(problem)

    def extend(self, other: Iterable[Problem]) -> None:
        for p in other:
            self.add(p.path, p.line, p.col, p.message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(sorted(self.items, key=lambda p: (p.path, p.line, p.col, p.message)))


class InputError(Exception):
    """Raised at the edges when input is invalid; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` suffix when a close match exists, else ``""``."""
    choices = [c for c in choices if isinstance(c, str)]
    match = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in choices}
        if str(word).lower() in lowered:
            match = [lowered[str(word).lower()]]
    return f" (did you mean '{match[0]}'?)" if match else ""
