"""Accounting: for every event log in the repository, events read = events evaluated + events set aside.

Every set-aside event carries its place (``path:line`` or ``path:line:col``) and a reason; nothing read is
dropped without saying so. Checked file by file, for all of them at once (ids repeat across fixtures), and
through the engine (its ``evaluated`` is what it actually evaluated).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import REPO
from tests.hostile.support import AGREEMENTS

from compliance.engine.evaluate import evaluate
from compliance.loading.events import load_events
from compliance.loading.terms import classify
from compliance.models.profiles import Profile
from compliance.project import _peek, load_terms_dir

PLACE = re.compile(r"^.+:\d+(:\d+)?$")


def _event_logs() -> list[Path]:
    roots = [*REPO.glob("tests/**/fixtures"), REPO / "tests" / "hostile" / "corpus" / "events", REPO / "events"]
    found = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path.suffix.lower() in (".csv", ".parquet", ".yaml", ".yml") \
                    and classify(path, _peek(path)) == "events":
                found.add(path)
    return sorted(found)


LOGS = _event_logs()


@pytest.fixture(scope="module")
def terms():
    loaded, problems = load_terms_dir(AGREEMENTS)
    assert not problems, "\n".join(map(str, problems))
    return loaded


def _check(paths: list[Path], terms) -> tuple[int, int, int]:
    table = load_events(paths, base=REPO)
    read, kept, aside = table.read, len(table.frame), len(table.set_aside)
    assert read == kept + aside, f"read {read} != evaluated {kept} + set aside {aside}"
    for s in table.set_aside:
        assert s.reason.strip(), s
        assert PLACE.match(s.origin), s
    assert table.frame["id"].is_unique
    outcome = evaluate(terms, table.frame, Profile(id="default"), read=table.read, set_aside=table.set_aside)
    assert outcome.read == outcome.evaluated + len(outcome.set_aside)
    return read, kept, aside


def test_there_are_logs_to_check():
    names = {p.name for p in LOGS}
    assert {"good.csv", "good.yaml", "formulas.csv", "dates.yaml"} <= names
    assert any(p.parent == REPO / "events" for p in LOGS)


@pytest.mark.parametrize("path", LOGS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_event_read_is_evaluated_or_set_aside(path, terms):
    _check([path], terms)


def test_all_logs_together(terms):
    """Ids repeat across fixtures: each repeat is set aside naming the first, and the sum still holds."""
    read, kept, aside = _check(LOGS, terms)
    assert aside > 0 and kept > 0 and read == kept + aside
