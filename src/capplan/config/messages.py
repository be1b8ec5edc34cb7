"""Messages for schema errors: pydantic's errors as one Problem per place.

Each problem names the file (or the layer a value came from), the key path or row and
column, the bad value and what was expected, with a hint at the usual YAML pitfalls.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from capplan.config.yaml_files import _kind
from capplan.errors import InputError, Problem

RowLabel = Callable[[int, list[Any]], str]
Locate = Callable[[tuple[Any, ...]], tuple[str, str]]  # key path -> (file, where)


def validation_problems(
    exc: ValidationError,
    file: str,
    row_label: RowLabel | None = None,
    schema: type[BaseModel] | None = None,
    locate: Locate | None = None,
    row_file: Callable[[int], str] | None = None,
) -> list[Problem]:
    """Turn pydantic errors into Problems: key path or row, bad value and what was expected.

    ``row_label(i, rest)`` names row ``i`` of a table (errors located ``(i, column)``) and
    ``row_file(i)`` the file to blame for it (default ``file``); ``locate(loc)`` gives the
    (file, key path) of a YAML value that came from elsewhere (a scenario, ``--set``);
    ``schema`` is the model validated, used to suggest keys and name missing ones.
    """
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        if loc in seen:  # one message per place
            continue
        seen.add(loc)
        blame = file
        if row_label is not None and loc and isinstance(loc[0], int):
            where = row_label(loc[0], list(loc[1:]))
            path = loc[1:]
            blame = row_file(loc[0]) if row_file is not None else file
        elif locate is not None:
            blame, where = locate(loc)
            path = loc
        else:
            where = key_path(loc)
            path = loc
        problems.append(
            Problem(blame, where, _message(err, schema, path, yaml_input=row_label is None))
        )
    return problems


def key_path(loc: Sequence[Any]) -> str:
    """``("horizon", "periods", 0)`` -> ``horizon.periods[0]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_EXPECTED_BY_TYPE = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "finite_number": "a finite number (not NaN or infinity)",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list, such as [a, b]",
}
_TYPE_ERRORS = {k for k in _EXPECTED_BY_TYPE if k != "finite_number"}


def _message(
    err: Any, schema: type[BaseModel] | None, loc: Sequence[Any], *, yaml_input: bool
) -> str:
    """What is wrong with one value, what was expected, and a hint for YAML pitfalls."""
    kind = err["type"]
    parent, info = _field_at(schema, loc) if schema is not None else (None, None)
    what = "column" if not yaml_input else "key"
    if kind == "missing":
        about = _describe(info)
        return f"missing required {what}" + (f": {about}" if about else "")
    if kind == "extra_forbidden":
        known = list(parent.model_fields) if parent is not None else []
        name = str(loc[-1]) if loc else ""
        hint = _did_you_mean(name, known)
        expected = f"; expected one of: {', '.join(known)}" if known else ""
        return f"unknown {what}{hint}{expected}"
    value = err.get("input")
    if value is None:
        blank = "empty cell" if not yaml_input else "missing value (null)"
        return f"{blank}: expected {_expected(err)}"
    expected = _expected(err)
    if kind == "string_pattern_mismatch" and _describe(info):
        expected += f" ({_describe(info)})"
    msg = f"expected {expected}, got {_show_value(value)}"
    if yaml_input and kind in _TYPE_ERRORS:
        msg += _yaml_hint(kind, value)
    return msg


def _describe(info: FieldInfo | None) -> str:
    """A field's description, or the first line of its section's docstring."""
    if info is None:
        return ""
    section = _submodel(info.annotation)
    text = info.description or (section.__doc__ if section is not None else None) or ""
    return text.strip().splitlines()[0].rstrip(".") if text.strip() else ""


def _expected(err: Any) -> str:
    """Pydantic's "Input should be greater than 0" -> "a number greater than 0"."""
    kind = err["type"]
    if kind in _EXPECTED_BY_TYPE:
        return _EXPECTED_BY_TYPE[kind]
    msg = str(err["msg"])
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    msg = re.sub(r"^Input should be ", "", msg)
    msg = re.sub(r"^(String|List|Dictionary|Tuple|Set) should have ", "", msg)
    msg = re.sub(r"^String should match pattern ", "text matching the pattern ", msg)
    msg = re.sub(r" after validation, not \d+$", "", msg)
    if msg.startswith(("greater", "less")):
        msg = "a number " + msg
    return msg


def _show_value(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{_kind(value)} ({text[:40]}...)"


def _yaml_hint(kind: str, value: object) -> str:
    """Why YAML 1.1 read a value as the wrong type, and how to write it."""
    if isinstance(value, str) and _looks_numeric(value):
        return " (YAML 1.1 reads numbers like 1e6 as text: write 1.0e+6 or 1000000)"
    if isinstance(value, bool):
        fix = ": put it in quotes" if kind == "string_type" else ""
        return f" (YAML reads yes/no/on/off/true/false as a boolean{fix})"
    if kind == "string_type" and isinstance(value, int | float):
        return " (YAML read it as a number: put it in quotes)"
    return ""


def _looks_numeric(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _did_you_mean(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _field_at(
    schema: type[BaseModel], loc: Sequence[Any]
) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model that holds the last key of ``loc``, and that key's field if it is one."""
    cls = schema
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        info = cls.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            return (cls if last else None), None
        if last:
            return cls, info
        sub = _submodel(info.annotation)
        if sub is None:
            return None, None
        cls = sub
    return None, None


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model in ``annotation`` (through ``X | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            sub = _submodel(arg)
            if sub is not None:
                return sub
    return None


def validate_yaml(
    model: type[BaseModel], data: dict[str, Any], file: str, locate: Locate | None = None
) -> Any:
    """Validate parsed YAML against ``model``; raise InputError with every problem.

    ``locate(loc)`` names the (file, key path) a value came from when it is not ``file``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, file, schema=model, locate=locate)) from None
