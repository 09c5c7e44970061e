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

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

try:  # libyaml scans and parses several times faster; the composing (and its limits) stays ours
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None

from compliance.loading.problems import Problem

# Limits, named in the message when hit.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_NODES = 2_000_000  # values built, aliases expanded included ("billion laughs")
MAX_DEPTH = 64

_STANDARD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STANDARD}{t}" for t in ("str", "int", "float", "bool", "null")}
_ALLOWED_TAGS = _SCALAR_TAGS | {f"{_STANDARD}map", f"{_STANDARD}seq"}

Path_ = tuple[str | int, ...]


class _LimitHit(yaml.MarkedYAMLError):
    """A limit hit while composing; the message is already in plain words."""


class _Bounded:
    """Composer hooks that enforce MAX_DEPTH and MAX_NODES while the node tree is composed.

    Every node's expanded size (itself, its keys and values, with aliases expanded) is known when it is
    complete, so an alias adds the whole size of what it repeats at once: a "billion laughs" document is
    refused at the alias that crosses the limit, before anything is expanded. The depth is checked before
    descending, so deep nesting never reaches Python's recursion limit.
    """

    def _start_bounds(self) -> None:
        self._depth = 0
        self._total = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise _LimitHit(problem=f"the alias '*{event.anchor}' repeats the value that contains it "
                                    "(a recursive alias); write the value out", problem_mark=event.start_mark)
                self._total += size
                if self._total > MAX_NODES:
                    raise _LimitHit(problem=f"the alias '*{event.anchor}' expands the document to more than "
                                    f"{MAX_NODES:,} values (limit on alias expansion, MAX_NODES); remove repeated "
                                    "aliases or split the file", problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _LimitHit(problem=f"nesting is deeper than {MAX_DEPTH} levels (limit on depth, MAX_DEPTH); "
                                "flatten the structure", problem_mark=self.peek_event().start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        sizes = self._sizes
        if isinstance(node, SequenceNode):
            size = 1 + sum(sizes[id(child)] for child in node.value)
        elif isinstance(node, MappingNode):
            size = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
        else:
            size = 1
        sizes[id(node)] = size
        self._total += 1
        if self._total > MAX_NODES:
            raise _LimitHit(problem=f"the document holds more than {MAX_NODES:,} values (limit on size, MAX_NODES); "
                            "split the file, or use CSV for large logs", problem_mark=node.start_mark)
        return node


_NO_TIMESTAMPS = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_STANDARD}timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Loader(_Bounded, yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver (dates stay text for the models), with limits."""

    yaml_implicit_resolvers = _NO_TIMESTAMPS

    def __init__(self, stream: str):
        super().__init__(stream)
        self._start_bounds()


if CParser is not None:

    class _FastLoader(_Bounded, Composer, CParser, Resolver):
        """The same loader over libyaml's scanner and parser (events only: composing stays in Python)."""

        yaml_implicit_resolvers = _NO_TIMESTAMPS

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            Resolver.__init__(self)
            self._start_bounds()

    _LOADER: type = _FastLoader
else:  # pragma: no cover
    _LOADER = _Loader


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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _short(text: Any, limit: int = 60) -> str:
    """A value quoted in a message, on one line and cut short: a hostile file must not flood the terminal."""
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


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
                reason = ("it has too many digits" if "digits" in str(exc) else str(exc).splitlines()[0])
                self.fail(node, f"cannot read the value '{_short(node.value)}': {reason}")
        if isinstance(node, SequenceNode):
            return [self.build(child, (*loc, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                merge = key_node.value == "<<" and key_node.tag != f"{_STANDARD}str"
                if key_node.tag == f"{_STANDARD}merge" or merge:
                    self.fail(key_node, "merge keys ('<<') are not supported; write the keys out")
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, "a key must be a plain word, not a list or a mapping")
                key = self.build(key_node, (*loc, "\0key"), depth + 1)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if _CONTROL.search(key):
                    self.fail(key_node, f"the key '{_short(key)}' holds a line break or a control character; "
                              "a key is a plain word")
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


def _plain_message(exc: yaml.MarkedYAMLError, text: str, line: int, col: int) -> str:
    if isinstance(exc, _LimitHit):
        return exc.problem
    problem = (exc.problem or str(exc)).strip()
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem.lower() or _char_at(text, line, col) == "\t":
        return "a tab character is used for indentation; YAML needs spaces: replace the tab with spaces"
    if "another document" in problem:
        return "a second YAML document starts here ('---'); a file holds one document: split it into two files"
    context = f" {exc.context}" if exc.context else ""
    return f"the YAML cannot be read: {problem}{context}; check the indentation and punctuation here"


def _char_at(text: str, line: int, col: int) -> str:
    """The character at 1-based ``line`` and ``col`` of ``text`` (or "")."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    index = start + col - 1
    return text[index] if 0 <= index < len(text) else ""


def _position(text: str, offset: int, in_bytes: bool) -> tuple[int, int]:
    """1-based line and column of a character (or UTF-8 byte) offset into ``text``."""
    before = text.encode("utf-8")[:offset].decode("utf-8", errors="ignore") if in_bytes else text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _compose(loader_class: type, text: str) -> Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse_text(text: str, path: str) -> Located:
    """Parse one YAML document from ``text``; raise :class:`YamlError` with a located problem."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise YamlError(Problem(path, line, 1, "the file contains a NUL byte; it is binary, not YAML text"))
    try:
        try:
            root = _compose(_LOADER, text)
        except yaml.MarkedYAMLError as exc:
            if _LOADER is _Loader or "nesting depth" not in str(exc.problem):
                raise
            # libyaml (PyYAML 6.0.4 and later) stops at its own depth, far past ours and while scanning
            # ahead; Python's parser reads on to where our limit is crossed, and says so there
            root = _compose(_Loader, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(Problem(path, line, col, _plain_message(exc, text, line, col))) from None
    except yaml.reader.ReaderError as exc:
        line, col = _position(text, exc.position, in_bytes=exc.encoding != "unicode")
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise YamlError(Problem(path, line, col, f"the file contains the control character U+{char:04X}, "
                                "which YAML does not allow; remove it")) from None
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
                                "limit for YAML (limit on document size, MAX_DOCUMENT_BYTES); split it, or use CSV "
                                "for large logs"))
    with path.open("rb") as fh:  # never more than the limit, whatever the size says (a device, a growing file)
        raw = fh.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise YamlError(Problem(shown, 1, 1, f"the file is over the {MAX_DOCUMENT_BYTES:,}-byte limit for YAML "
                                "(limit on document size, MAX_DOCUMENT_BYTES); split it, or use CSV for large logs"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        message = ("the file is UTF-16 text, not UTF-8; save it as UTF-8" if utf16 else
                   f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")
        raise YamlError(Problem(shown, line, col, message)) from None


def load_file(path: Path, display: str | None = None) -> Located:
    """Load one YAML file with positions."""
    return parse_text(read_text(path, display), display or str(path))
