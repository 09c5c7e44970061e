"""``compliance test``: run every rule test, a table per clause, exit 1 if any case fails."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from compliance.cli.common import INVALID, OK, fail
from compliance.loading.terms import _Collector, term_files
from compliance.project import default_agreements
from compliance.ruletests import coverage, run_all


def run_rule_tests(paths: list[Path], agreements: Path | None, as_json: bool) -> int:
    root = agreements or default_agreements()
    collector = _Collector(None)
    extra = [p for p in paths if p.resolve() != root.resolve()]
    for f in term_files(root):
        if not extra or f.parent.name != "tests":
            collector.add_file(f)
    for p in extra:
        for f in term_files(p) if p.is_dir() else [p]:
            collector.add_file(f, "tests")
    collector.check_references()
    if collector.problems:
        raise fail(collector.problems)
    terms = collector.terms
    results = run_all(terms)
    cover = coverage(terms, results)
    failed = [r for r in results if not r.passed]
    if as_json:
        print(json.dumps({"results": [asdict(r) for r in results], "coverage": cover,
                          "passed": len(results) - len(failed), "failed": len(failed)}, indent=2))
        return INVALID if failed else OK
    console = Console(file=sys.stdout, width=140, color_system=None, highlight=False)
    table = Table(title="Rule tests by clause")
    for col in ("clause", "cases", "passed", "failed", "breach cases", "near misses"):
        table.add_column(col)
    by_clause: dict[str, list] = {}
    for r in results:
        by_clause.setdefault(r.clause, []).append(r)
    for clause in sorted(set(by_clause) | set(cover)):
        rs = by_clause.get(clause, [])
        c = cover.get(clause, {"breach": 0, "near miss": 0})
        table.add_row(clause, str(len(rs)), str(sum(r.passed for r in rs)), str(sum(not r.passed for r in rs)),
                      str(c["breach"]), str(c["near miss"]))
    console.print(table)
    for r in failed:
        console.print(f"FAILED {r.clause}: {r.name} ({r.file})")
        console.print(f"  expected: {', '.join(r.expected) or 'no finding'}")
        console.print(f"  actual:   {', '.join(r.actual) or 'no finding'}")
        for text in r.explanations[:3]:
            console.print(f"  why: {text}")
    missing = [k for k, c in cover.items() if not c["breach"] or not c["near miss"]]
    for k in missing:
        c = cover[k]
        lacking = " and ".join(w for w, n in (("a breach case", c["breach"]), ("a near miss", c["near miss"])) if not n)
        console.print(f"no {lacking}: {k}")
    console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return INVALID if failed else OK
