"""Hostile YAML: bombs, tags that would run code, deep nesting, broken encodings and bytes.

Each case runs ``compliance validate`` and asserts the exit code and every located problem (file, line,
column and the words of the message). Files that are binary, large or encoding-specific are made in
``tmp_path`` from the committed text fixtures, so that git never rewrites them.
"""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest
from tests.hostile.support import AGREEMENTS, EVENTS, YAML, expect, invoke, run

from compliance.loading import yamlpos

PARTIES = AGREEMENTS / "parties.yaml"  # given with a terms file, so that no other registry is loaded for context


def validate(*paths: Path, cwd: Path):
    return invoke("validate", *paths, cwd=cwd)


# -- committed fixtures ------------------------------------------------------------------------------------

COMMITTED = {
    "alias-bomb.yaml": (8, 16, "the alias '*f' expands the document to more than 2,000,000 values (limit on alias "
                              "expansion, MAX_NODES)"),
    "alias-recursive.yaml": (2, 5, "the alias '*loop' repeats the value that contains it (a recursive alias)"),
    "python-object.yaml": (4, 11, "the tag '!!python/object/apply:os.system' is not allowed"),
    "python-name.yaml": (1, 5, "the tag '!!python/name:os.system' is not allowed"),
    "local-tag.yaml": (2, 5, "the tag '!event' is not allowed"),
    "merge-key.yaml": (3, 5, "merge keys ('<<') are not supported"),
    "duplicate-key.yaml": (6, 5, "the key 'actor' appears twice in this mapping (first at line 4)"),
    "two-documents.yaml": (3, 1, "a second YAML document starts here ('---')"),
    "huge-number.yaml": (6, 26, "it has too many digits"),
}


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_yaml_attack(name, tmp_path):
    line, col, words = COMMITTED[name]
    result = validate(PARTIES, YAML / name, cwd=tmp_path)
    expect(result, 1, (name, line, col, words))
    assert all(len(p.message) < 300 for p in result.problems), "a hostile value must not flood the terminal"


def test_every_committed_yaml_fixture_has_a_case():
    assert {p.name for p in YAML.glob("*.yaml")} == set(COMMITTED)


def test_python_tags_are_never_run(tmp_path):
    """A real process, in a folder where the payload would leave a file: nothing runs, exit 1."""
    result = run("validate", YAML / "python-object.yaml", cwd=tmp_path)
    expect(result, 1, ("python-object.yaml", 4, 11, "is not allowed; write plain values without tags"))
    assert not (tmp_path / "PWNED").exists()


def test_alias_bomb_is_refused_fast_in_a_real_process(tmp_path):
    """Refused while composing, before any expansion: well within a small time budget."""
    result = run("validate", PARTIES, YAML / "alias-bomb.yaml", cwd=tmp_path, timeout=60)
    expect(result, 1, ("alias-bomb.yaml", 8, 16, "limit on alias expansion"))


# -- tags: every non-standard or unsafe one is refused at its place -------------------------------------------

TAGS = ["!!python/object:os.system", "!!python/object/new:subprocess.Popen", "!!python/tuple", "!!python/module:os",
        "!!binary", "!!set", "!!omap", "!!pairs", "!!timestamp", "!custom", "!<tag:example.com,2024:x>"]


@pytest.mark.parametrize("tag", TAGS)
def test_tag_refused(tag, tmp_path):
    path = tmp_path / "tagged.yaml"
    path.write_text(f"events:\n  - id: tagged\n    notes: {tag} [1, 2]\n", encoding="utf-8")
    result = validate(path, cwd=tmp_path)
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    expect(result, 1, ("tagged.yaml", 3, 12, "is not allowed; write plain values without tags"))
    assert shown.strip("!<>").split(":")[0] in result.problems[0].message


# -- nesting and size limits -----------------------------------------------------------------------------------

def test_deep_flow_nesting(tmp_path):
    path = tmp_path / "deep-flow.yaml"
    path.write_text("events: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    expect(validate(path, cwd=tmp_path), 1,
           ("deep-flow.yaml", 1, 9 + yamlpos.MAX_DEPTH, "nesting is deeper than 64 levels (limit on depth, MAX_DEPTH)"))


def test_deep_block_nesting(tmp_path):
    path = tmp_path / "deep-block.yaml"
    path.write_text("events:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)), encoding="utf-8")
    expect(validate(path, cwd=tmp_path), 1,
           ("deep-block.yaml", 65, 129, "nesting is deeper than 64 levels (limit on depth, MAX_DEPTH)"))


def test_nesting_at_the_limit_is_read(tmp_path):
    """Exactly MAX_DEPTH levels is allowed: the only problem is that the list is not an event."""
    path = tmp_path / "at-limit.yaml"
    depth = yamlpos.MAX_DEPTH - 1  # the root mapping and 'events' are the first level
    path.write_text("events: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    result = validate(path, cwd=tmp_path)
    assert result.code == 1
    assert not any("nesting" in p.message for p in result.problems), result.stderr
    assert any("an event should be a mapping" in p.message for p in result.problems), result.stderr


def test_many_values_without_aliases(tmp_path, monkeypatch):
    """The same limit counts plain values: a long file is refused by name, at the value that crosses it."""
    monkeypatch.setattr(yamlpos, "MAX_NODES", 1000)
    path = tmp_path / "long.yaml"
    path.write_text("events:\n" + "".join(f"  - {i}\n" for i in range(2000)), encoding="utf-8")
    expect(validate(path, cwd=tmp_path), 1, ("long.yaml", 1001, 5, "holds more than 1,000 values (limit on size, "
                                                                   "MAX_NODES)"))


def test_oversized_yaml_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # sparse: nothing is written, and nothing may be read
        fh.write(b"events:\n")
        fh.truncate(yamlpos.MAX_DOCUMENT_BYTES + 1)
    expect(validate(path, cwd=tmp_path), 1,
           ("huge.yaml", 1, 1, "over the 67,108,864-byte limit for YAML (limit on document size, MAX_DOCUMENT_BYTES)"))


# -- encodings and bytes ----------------------------------------------------------------------------------------

GOOD = (EVENTS / "good.yaml").read_bytes()


def _variant(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name,data", [
    ("bom.yaml", codecs.BOM_UTF8 + GOOD),
    ("crlf.yaml", GOOD.replace(b"\n", b"\r\n")),
    ("cr.yaml", GOOD.replace(b"\n", b"\r")),
], ids=lambda v: v if isinstance(v, str) else "")
def test_accepted_encodings_and_line_ends(name, data, tmp_path):
    result = validate(_variant(tmp_path, name, data), cwd=tmp_path)
    expect(result, 0)
    assert "1 events; 0 problems" in result.stdout


@pytest.mark.parametrize("name,data,where,words", [
    ("latin1.yaml", GOOD.replace(b"Kafranbel", "Kafranbél".encode("latin-1")), (8, 29),
     "the file is not UTF-8 text (byte 0xe9); save it as UTF-8"),
    ("utf16.yaml", GOOD.decode().encode("utf-16"), (1, 1), "the file is UTF-16 text, not UTF-8"),
    ("nul.yaml", GOOD.replace(b"syria-gov", b"syria\x00gov"), (4, 1), "the file contains a NUL byte; it is binary"),
    ("bell.yaml", GOOD.replace(b"Kafranbel", b"Kafran\x07bel"), (8, 28), "control character U+0007"),
    ("escape.yaml", GOOD.replace(b"SNHR", b"SN\x1bHR"), (12, 18), "control character U+001B"),
    ("empty.yaml", b"", (1, 1), "the file is empty"),
    ("comments.yaml", b"# nothing but a comment\n", (1, 1), "the file is empty"),
], ids=lambda v: v if isinstance(v, str) and v.endswith(".yaml") else "")
def test_refused_encodings_and_bytes(name, data, where, words, tmp_path):
    expect(validate(_variant(tmp_path, name, data), cwd=tmp_path), 1, (name, *where, words))


@pytest.mark.parametrize("seed", range(5))
def test_binary_garbage_yaml(seed, tmp_path):
    data = random.Random(seed).randbytes(4096)
    result = validate(_variant(tmp_path, f"garbage-{seed}.yaml", data), cwd=tmp_path)
    assert result.code == 1
    assert len(result.problems) == 1 and result.problems[0].path.endswith(f"garbage-{seed}.yaml")
    assert any(w in result.problems[0].message for w in ("NUL byte", "not UTF-8", "control character", "YAML"))
