"""Mutation check: the property suite must catch deliberately broken engines.

Run from the repository root::

    python tests/properties/mutants.py                      # the unbroken engine, then every mutant
    python tests/properties/mutants.py deadline-off-by-one  # one mutant

Each run is ``pytest tests/properties`` in a fresh process with this module loaded as a plugin
(``-p mutants``), which breaks the engine in memory before any test runs when ``COMPLIANCE_MUTANT``
names a mutant, and the ``mutant`` Hypothesis profile (no example database, so a mutant's failures are
never replayed in normal runs; no shrinking, so a caught mutant is reported fast). The script prints,
for each mutant, which properties failed; a mutant that no property catches makes it exit 1.

This file is not collected by pytest (its name does not start with ``test_``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DAY = 86_400


def _deadline_off_by_one() -> None:
    """Deadlines one day late: evidence on the first day after the deadline no longer breaches."""
    import compliance.engine.evaluate as evaluate
    from compliance.engine import compile as compile_

    real = compile_.compile_clauses

    def late(terms, profile):
        out = real(terms, profile)
        for cc in out:
            if cc.kind == "deadline" and cc.deadline is not None:
                cc.deadline = dataclasses.replace(cc.deadline, seconds=cc.deadline.seconds + DAY)
                cc.start = cc.deadline
        return out

    evaluate.compile_clauses = late


def _zone_inverted() -> None:
    """Zone membership inverted: inside reads as outside and outside as inside (the edge stays the edge)."""
    from compliance.geometry.zones import ZoneSet

    real = ZoneSet.membership

    def inverted(self, zid, x, y, tolerance_km):
        return (2 - real(self, zid, x, y, tolerance_km)).astype("int8")

    ZoneSet.membership = inverted


MUTANTS = {"deadline-off-by-one": _deadline_off_by_one, "zone-inverted": _zone_inverted}


def pytest_configure(config) -> None:
    """Plugin hook: break the engine named by COMPLIANCE_MUTANT, if any."""
    name = os.environ.get("COMPLIANCE_MUTANT")
    if name:
        MUTANTS[name]()


def run(name: str | None) -> tuple[int, list[str], str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    env.pop("COMPLIANCE_MUTANT", None)
    if name:
        env["COMPLIANCE_MUTANT"] = name
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/properties", "-q", "-p", "mutants", "-p",
                           "no:cacheprovider", "--hypothesis-profile=mutant", "-rf", "-W", "ignore"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    failed = sorted(set(re.findall(r"^FAILED (\S+)", proc.stdout, flags=re.M)))
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-300:]
    return proc.returncode, failed, summary, time.monotonic() - started


def main(argv: list[str]) -> int:
    names = argv or [None, *MUTANTS]
    missed = []
    for name in names:
        code, failed, summary, seconds = run(name)
        title = name or "no mutant (the engine as it is)"
        print(f"== {title}: {summary} ({seconds:.0f} s)")
        for test in failed:
            print(f"   caught by {test.split('::', 1)[1]}")
        if name and not failed:
            missed.append(name)
        if not name and code != 0:
            print("   the unbroken engine fails the properties: fix that first")
            return 1
    if missed:
        print(f"NOT CAUGHT: {', '.join(missed)}")
        return 1
    print("every mutant was caught")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
