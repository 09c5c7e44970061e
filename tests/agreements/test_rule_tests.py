"""The rule tests beside the shipped agreements run under pytest too, one test per case."""

from __future__ import annotations

import pytest
from tests.conftest import REPO

from compliance.project import load_terms_dir
from compliance.ruletests import coverage, run_all, run_case

TERMS, PROBLEMS = load_terms_dir(REPO / "agreements")
CASES = [(path, tests.agreement, case) for path, tests, _ in TERMS.tests for case in tests.cases]


def test_the_shipped_terms_load_without_problems():
    assert not PROBLEMS, [str(p) for p in PROBLEMS]


@pytest.mark.parametrize("path,agreement,case", CASES, ids=[f"{a}/{c.clause}: {c.name}" for _, a, c in CASES])
def test_rule_case(path, agreement, case):
    result = run_case(TERMS, agreement, case, path)
    assert result.passed, f"expected {result.expected}, got {result.actual}; why: {result.explanations[:2]}"


def test_every_checkable_clause_has_a_breach_case_and_a_near_miss():
    lacking = {k: c for k, c in coverage(TERMS, run_all(TERMS)).items() if not c["breach"] or not c["near miss"]}
    assert not lacking


def test_a_failing_case_makes_compliance_test_exit_1(cli, tmp_path):
    broken = tmp_path / "wrong.tests.yaml"
    broken.write_text(
        "agreement: sochi-2018\ncases:\n  - name: expects a finding that cannot happen\n"
        "    clause: heavy-weapons-withdrawal\n    expect: [{party: turkey, role: actor}]\n"
        "    events:\n      - {id: t1, date: 2018-09-01, actor: syria-gov, action: heavy-weapons-presence,"
        " weapons: [tank], location: {lat: 35.9, lon: 36.7}, attribution: confirmed}\n")
    result = cli("test", str(broken))
    assert result.returncode == 1
    assert "FAILED sochi-2018/heavy-weapons-withdrawal: expects a finding that cannot happen" in result.stdout
    assert "expected: turkey as actor" in result.stdout
    assert "0 passed, 1 failed" in result.stdout
