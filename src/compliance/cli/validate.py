"""``compliance validate``: every problem in every file, located, and a one-line summary."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.cli.common import INVALID, OK
from compliance.loading.events import load_events
from compliance.loading.problems import Problems
from compliance.loading.terms import _Collector, classify, term_files
from compliance.project import _peek, default_agreements, default_events, split_paths


def _context_files(given: list[Path]) -> list[Path]:
    """Registry and zones to check references against, when the given files do not include their own."""
    kinds = {classify(f, _peek(f)) for f in given}
    if "parties" in kinds:
        return []
    root = default_agreements()
    if not root.is_dir():
        return []
    given_resolved = {f.resolve() for f in given}
    return [f for f in term_files(root) if f.resolve() not in given_resolved
            and classify(f, _peek(f)) in ("parties", "zones")]


def run_validate(paths: list[Path]) -> int:
    if not paths:
        paths = [default_agreements(), *[p for p in default_events() if p.exists()]]
    missing = [p for p in paths if not p.exists()]
    problems = Problems()
    for p in missing:
        problems.add(str(p), 0, 0, "no such file or folder")
    terms_files, event_files = split_paths([p for p in paths if p.exists()])
    collector = _Collector(None)
    context = _context_files(terms_files) if terms_files else []
    for f in context:
        collector.add_file(f)
    context_shown = {str(f) for f in context}
    for f in terms_files:
        collector.add_file(f)
    collector.check_references()
    problems.extend(p for p in collector.problems if p.path not in context_shown)
    table = load_events(event_files, base=None) if event_files else None
    if table is not None:
        problems.extend(table.problems)
    for p in problems:
        print(str(p), file=sys.stderr)
    terms = collector.terms
    n_files = len(terms_files) + len(event_files)
    events_read = table.read if table else 0
    print(f"checked {n_files} file{'s' * (n_files != 1)}: {len(terms.agreements)} agreements, "
          f"{terms.clause_count} clauses, {len(terms.parties) if not context else 0} parties, "
          f"{len(terms.zones.zones)} zones, {events_read} events; "
          f"{len(problems)} problem{'s' * (len(problems) != 1)}")
    return INVALID if problems else OK
