"""``compliance diff OLD.json NEW.json``: the findings added, removed and changed between two JSON reports."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.cli.common import OK, fail, write_atomic
from compliance.reports.diff import compare, load, render


def run_diff(old: Path, new: Path, fmt: str, output: Path | None) -> int:
    problems = []
    reports = []
    for path in (old, new):
        data, found = load(path)
        problems += found
        reports.append(data)
    if problems:
        raise fail(problems)
    text = render(compare(reports[0], reports[1], str(old), str(new)), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text, [old, new])
        print(f"wrote {output}", file=sys.stderr)
    return OK
