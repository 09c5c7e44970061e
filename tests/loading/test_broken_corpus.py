"""The broken files authors really write get every error, at the right line and column, in plain words."""

from __future__ import annotations

import pytest
from tests.conftest import REPO

BROKEN = REPO / "tests" / "loading" / "broken"

CASES = {
    "misspelt-key.yaml": [
        "misspelt-key.yaml:10:5: 'article' is missing under clauses.0; add it",
        "misspelt-key.yaml:11:5: unknown key 'artcle' (did you mean 'article'?)",
    ],
    "unknown-party.yaml": [
        "unknown-party.yaml:6:13: unknown party 'rusia' (did you mean 'russia'?)",
        "unknown-party.yaml:15:17: unknown party 'syria-govt' (did you mean 'syria-gov'?)",
    ],
    "bad-date.yaml": [
        "bad-date.yaml:3:16: '2018-13-40' is not a real date (month must be in 1..12); write YYYY-MM-DD",
        "bad-date.yaml:16:17: '2018-02-30' is not a real date (day is out of range for month); write YYYY-MM-DD",
    ],
    "tab-indent.yaml": [
        "tab-indent.yaml:4:1: a tab character is used for indentation; YAML needs spaces: replace the tab with spaces",
    ],
    "empty.yaml": ["empty.yaml:1:1: the file is empty; it should hold a YAML mapping"],
    "list-not-mapping.yaml": [
        "list-not-mapping.yaml:4:3: signed should be a mapping of keys and values, but it is a list",
    ],
    "dup-clause.yaml": [
        "dup-clause.yaml:17:9: duplicate clause id 'dup-clause/ceasefire': already defined at "
        "tests/loading/broken/dup-clause.yaml:10:9; clause ids must be unique within an agreement",
    ],
    "across": [
        "across/two/twice.yaml:1:5: duplicate agreement id 'twice': already defined at "
        "tests/loading/broken/across/one/twice.yaml:1:5; ids must be unique",
        "across/two/twice.yaml:10:9: duplicate clause id 'twice/ceasefire': already defined at "
        "tests/loading/broken/across/one/twice.yaml:10:9",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_error_is_reported_exactly(cli, name):
    result = cli("validate", f"tests/loading/broken/{name}")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    problems = [line.removeprefix("tests/loading/broken/") for line in result.stderr.splitlines() if line.strip()]
    assert problems == CASES[name]


def test_corpus_covers_every_file():
    files = {p.name for p in BROKEN.glob("*.yaml")} | {"across"}
    assert files == set(CASES)
