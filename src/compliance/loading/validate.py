"""Turning pydantic's validation errors into located, plain-language problems.

Pydantic reports a location as a tuple of keys that can include union tags and validator names;
we walk it against the data actually loaded so that each error lands on the line and column of the
offending key or value, and we rewrite the error in words an author who is not a programmer can act on.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from compliance.loading.problems import Problem, did_you_mean
from compliance.loading.yamlpos import Located

M = TypeVar("M", bound=BaseModel)


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Split a pydantic loc into the part that exists in ``data`` and the rest (a missing key)."""
    path: list[Any] = []
    node = data
    rest: list[Any] = []
    for part in loc:
        if rest:
            rest.append(part)
            continue
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.endswith("_") and part[:-1] in node:
            path.append(part[:-1])
            node = node[part[:-1]]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_tag(part, node):
            rest.append(part)
        # otherwise: a union tag or validator name; skip it
    return tuple(path), tuple(rest)


def _is_tag(part: str, node: dict[str, Any]) -> bool:
    """Whether ``part`` is a discriminator tag or function name rather than a missing key."""
    return part in {"moment", "readings", "function-after", "function-before", "function-plain"} or (
        node.get("kind") == part
    )


def _fields_at(model: type[BaseModel], path: tuple[Any, ...], data: Any) -> list[str]:
    """Field names (by alias) allowed at ``path``, for "did you mean" on unknown keys."""
    current: Any = model
    node = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) else node
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = _field_by_alias(current, part)
        if field is None:
            return []
        node = node.get(part) if isinstance(node, dict) else None
        current = _model_of(field.annotation, node)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _field_by_alias(model: type[BaseModel], key: str):
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _model_of(annotation: Any, node: Any) -> Any:
    """The model class behind an annotation (through lists, optionals, unions and Annotated)."""
    import typing

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is typing.Annotated:
        return _model_of(args[0], node)
    if origin in (list, tuple, set) and args:
        return _model_of(args[0], node[0] if isinstance(node, list) and node else node)
    if args:
        candidates = [_model_of(a, node) for a in args]
        models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        kind = node.get("kind") if isinstance(node, dict) else None
        for m in models:
            field = m.model_fields.get("kind")
            if kind is not None and field is not None and kind in typing.get_args(field.annotation):
                return m
        return models[0] if len(models) == 1 else None
    return None


def _words(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) if loc else "the file"


def _message(err: dict[str, Any], model: type[BaseModel], located: Located, path: tuple, rest: tuple) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    where = _words(path)
    if kind == "extra_forbidden":
        key = path[-1] if path else rest[-1]
        allowed = _fields_at(model, path[:-1], located.data)
        hint = did_you_mean(str(key), allowed)
        listed = f"; allowed here: {', '.join(sorted(allowed))}" if allowed and not hint else ""
        quote = (" (if this is part of a text, put the whole text in quotes: inside { } a ',' or ': ' ends it)"
                 if " " in str(key) and not hint else "")
        return f"unknown key '{key}'{hint}{listed}{quote}"
    if kind == "missing":
        missing = rest[0] if rest else (path[-1] if path else "?")
        parent = path if rest else path[:-1]
        return f"'{missing}' is missing under {_words(parent)}; add it" if parent else f"'{missing}' is missing; add it"
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        choices = [c.strip().strip("'") for c in str(expected).replace(" or ", ",").split(",") if c.strip()]
        hint = did_you_mean(str(value), choices)
        if kind == "literal_error" and path and path[-1] == "kind":
            return f"'{value}' is not a kind known here{hint}; use one of: {', '.join(choices)}"
        if hint:
            return f"'{value}' is not allowed for {where}{hint}"
        return f"'{value}' is not allowed for {where}; use one of: {', '.join(choices)}"
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        return f"unknown kind '{ctx.get('tag')}' for {where}; use one of: {expected}"
    if kind == "union_tag_not_found":
        return f"{where} needs a 'kind' key; use one of the rule kinds"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        wanted = "a list (lines starting with '- ')" if kind == "list_type" else "a mapping of keys and values"
        got = type(value).__name__.replace("dict", "a mapping").replace("list", "a list").replace("str", "text")
        return f"{where} should be {wanted}, but it is {got}"
    if kind == "string_pattern_mismatch":
        return f"'{value}' is not a valid id for {where}: use lower-case letters, digits and '-'"
    if kind in ("string_type",):
        if isinstance(value, dict):
            return (f"{where} should be text, but YAML read a mapping: text that contains ': ' must be put in "
                    "quotes")
        return f"{where} should be text, got {value!r}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{where} should be a whole number, got {value!r}"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"{where} should be a finite number, got {value!r}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{where} should be true or false, got {value!r}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where} is {value!r}: {err['msg'].lower()}"
    if kind in ("too_short", "too_long"):
        return f"{where}: {err['msg'].lower()}"
    return f"{where}: {err['msg']}"


def validate(model: type[M], located: Located) -> tuple[M | None, list[Problem]]:
    """Validate loaded data against ``model``; every error becomes a located problem."""
    try:
        return model.model_validate(located.data), []
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            path, rest = _data_path(located.data, tuple(err["loc"]))
            message = _message(err, model, located, path, rest)
            at_key = err["type"] == "extra_forbidden"
            line, col = located.where(path, key=at_key)
            problems.append(Problem(located.path, line, col, message))
        return None, _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
