"""Safe YAML loading that remembers where every value came from.

PyYAML's ``SafeLoader`` composes the node tree (which carries line and column marks); we then build
plain Python values ourselves so that we can

* record the position of every key and value, to report ``path:line:col`` for any later error;
* keep dates as text, so that ``2018-13-40`` reaches the model's validation (with its position)
  instead of failing inside the YAML parser or being turned silently into something else;
* refuse non-standard tags (``!!python/object`` and the like) instead of executing them;
* bound alias expansion, nesting depth and document size, naming the limit when it is hit;
* reject duplicate keys, which PyYAML otherwise resolves silently (the last one wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from compliance.loading.problems import Problem

# Limits, named in the message when hit.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_NODES = 2_000_000  # values built, aliases expanded included ("billion laughs")
MAX_DEPTH = 64

_STANDARD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STANDARD}{t}" for t in ("str", "int", "float", "bool", "null")}
_ALLOWED_TAGS = _SCALAR_TAGS | {f"{_STANDARD}map", f"{_STANDARD}seq"}

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver: dates stay text for the models."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_STANDARD}timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Located:
    """A loaded document with the position of every value and of every mapping key."""

    path: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value (or its key) at ``loc``; the nearest known ancestor if absent."""
        loc = tuple(loc)
        while True:
            if key and loc in self.keys:
                return self.keys[loc]
            if loc in self.values:
                return self.values[loc]
            if not loc:
                return (1, 1)
            loc = loc[:-1]


    def sub(self, prefix: Path_) -> Located:
        """The part of the document under ``prefix``, with positions relative to it."""
        data = self.data
        for part in prefix:
            data = data[part]
        n = len(prefix)
        return Located(
            self.path, data,
            {k[n:]: v for k, v in self.values.items() if k[:n] == prefix},
            {k[n:]: v for k, v in self.keys.items() if k[:n] == prefix},
        )


class YamlError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.out = Located(path, None)
        self.count = 0
        self.constructor = SafeConstructor()

    def fail(self, node: Node, message: str) -> None:
        line, col = _mark(node)
        raise YamlError(Problem(self.path, line, col, message))

    def build(self, node: Node, loc: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(node, f"the document expands to more than {MAX_NODES:,} values (limit on aliases and "
                      "size); remove repeated aliases or split the file")
        if depth > MAX_DEPTH:
            self.fail(node, f"nesting is deeper than {MAX_DEPTH} levels (limit on depth); flatten the structure")
        if node.tag not in _ALLOWED_TAGS:
            self.fail(node, f"the tag '{node.tag.replace(_STANDARD, '!!')}' is not allowed; "
                      "write plain values without tags")
        self.out.values[loc] = _mark(node)
        if isinstance(node, ScalarNode):
            if node.tag == f"{_STANDARD}str":
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError) as exc:
                self.fail(node, f"cannot read the value '{node.value}': {exc}")
        if isinstance(node, SequenceNode):
            return [self.build(child, (*loc, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if key_node.tag == f"{_STANDARD}merge" or key_node.value == "<<" and key_node.tag != f"{_STANDARD}str":
                    self.fail(key_node, "merge keys ('<<') are not supported; write the keys out")
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, "a key must be a plain word, not a list or a mapping")
                key = self.build(key_node, (*loc, "\0key"), depth + 1)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in seen:
                    line, _ = seen[key]
                    self.fail(key_node, f"the key '{key}' appears twice in this mapping (first at line {line}); "
                              "keep one")
                seen[key] = _mark(key_node)
                self.out.keys[(*loc, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*loc, key), depth + 1)
            self.out.values.pop((*loc, "\0key"), None)
            return result
        self.fail(node, "unsupported YAML node")  # pragma: no cover - composer yields only the three kinds
        return None


def _plain_message(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or str(exc)).strip()
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem.lower():
        return "a tab character is used for indentation; YAML needs spaces: replace the tab with spaces"
    context = f" {exc.context}" if exc.context else ""
    return f"the YAML cannot be read: {problem}{context}; check the indentation and punctuation here"


def parse_text(text: str, path: str) -> Located:
    """Parse one YAML document from ``text``; raise :class:`YamlError` with a located problem."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise YamlError(Problem(path, line, 1, "the file contains a NUL byte; it is binary, not YAML text"))
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(Problem(path, line, col, _plain_message(exc))) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(path, 1, 1, f"the YAML cannot be read: {exc}")) from None
    except RecursionError:
        raise YamlError(Problem(path, 1, 1, f"nesting is too deep to read (limit on depth: {MAX_DEPTH})")) from None
    if root is None:
        raise YamlError(Problem(path, 1, 1, "the file is empty; it should hold a YAML mapping"))
    builder = _Builder(path)
    try:
        builder.out.data = builder.build(root, (), 0)
    except RecursionError:
        raise YamlError(Problem(path, 1, 1, f"nesting is too deep to read (limit on depth: {MAX_DEPTH})")) from None
    return builder.out


def read_text(path: Path, display: str | None = None) -> str:
    """Read a text file as UTF-8 (a BOM is allowed), naming the limit and the encoding problem if any."""
    shown = display or str(path)
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise YamlError(Problem(shown, 1, 1, f"the file is {size:,} bytes, over the {MAX_DOCUMENT_BYTES:,}-byte "
                                "limit for YAML (limit on document size); split it, or use CSV for large logs"))
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(Problem(shown, line, col, "the file is not UTF-8 text (byte "
                                f"0x{raw[exc.start]:02x}); save it as UTF-8")) from None


def load_file(path: Path, display: str | None = None) -> Located:
    """Load one YAML file with positions."""
    return parse_text(read_text(path, display), display or str(path))
