"""Reading input files: YAML mappings, CSV tables, and the messages for what is wrong.

Every problem names the file, the key path or row and column, the bad value and what was
expected.  Rows are numbered as in a spreadsheet or editor: the header is row 1, the first
data row is row 2.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import types
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from capplan.config.schema import TABLE_KEYS, TABLE_ROWS
from capplan.config.spreadsheet import (
    delimiter,
    is_workbook,
    normalise,
    trim_trailing,
    workbook_rows,
)
from capplan.errors import (
    MAX_PROBLEMS_PER_FILE,
    InputError,
    Problem,
    ProblemCollector,
    more_problems,
)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_YAML_BYTES = 1024 * 1024  # model, scenario and policy files are a few kB
MAX_YAML_VALUES = 100_000  # values in a YAML document with every alias written out
MAY_BE_EMPTY = {"campaigns"}  # a model may have no training campaigns
MAX_RAGGED_ROWS = 20  # ragged rows reported per table (a wrong delimiter breaks them all)
LINES_ATTR = "lines"  # DataFrame.attrs key: the file row number of each table row

RowLabel = Callable[[int, list[Any]], str]
Locate = Callable[[tuple[Any, ...]], tuple[str, str]]  # key path -> (file, where)


# --------------------------------------------------------------------------- YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last) and
    a document whose aliases would expand to more than MAX_YAML_VALUES values.

    Aliases (``*name``) share one node, so PyYAML loads an alias bomb ("billion laughs")
    in milliseconds; it is every later walk over the data (validation, merging) that
    would expand it.  The guard counts the values as if every alias were written out.
    """

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            _check_expansion(node)
        return node


class YamlTooLargeError(yaml.YAMLError):
    """The document would expand to too many values, or refers to itself."""


def _check_expansion(root: yaml.Node) -> None:
    """Raise YamlTooLargeError if ``root`` expands to over MAX_YAML_VALUES values or has a
    cycle (an alias inside its own anchor).  Iterative: nodes are counted once each."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    shared = False  # a node reached twice: the document uses aliases
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > MAX_YAML_VALUES and shared:
                raise YamlTooLargeError(
                    f"the YAML expands to more than {MAX_YAML_VALUES:,} values (an alias "
                    "bomb?) through its aliases; expected a plain settings file with few or "
                    "no aliases (*name)"
                )
            if size[key] > MAX_YAML_VALUES:
                raise YamlTooLargeError(
                    f"the YAML has more than {MAX_YAML_VALUES:,} keys and values; expected a "
                    "settings file (model, scenario and policy files hold a few hundred)"
                )
            continue
        if key in size:
            shared = True
            continue
        if key in on_path:
            raise YamlTooLargeError(
                f"an alias refers to the value that contains it (line {node.start_mark.line + 1}); "
                "expected no recursive aliases"
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """Build a mapping, first checking that no key appears twice in it."""
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            seen = key in first_line
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key {key!r} appears twice (first on line {first_line[key]}); "
                "expected each key once",
                key_node.start_mark,
            )
        first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def parse_yaml(text: str, file: str, where: str = "") -> Any:
    """Parse YAML text safely (any value); raise InputError naming ``file`` on failure."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        place = ", ".join(p for p in (where, _yaml_place(exc)) if p)
        raise input_error(file, place, _yaml_message(exc)) from None
    except YamlTooLargeError as exc:
        raise input_error(file, where, str(exc)) from None
    except yaml.YAMLError as exc:
        raise input_error(file, where, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise input_error(
            file, where, "nested too deeply: expected a plain settings file"
        ) from None


def read_yaml(path: Path, display: str) -> dict[str, Any]:
    """Parse a YAML mapping safely; raise InputError naming the file and line on failure."""
    text = _read_text(path, display, "a YAML file", MAX_YAML_BYTES)
    data = parse_yaml(text, display)
    if data is None:
        raise input_error(display, "", "file is empty: expected a YAML mapping of keys to values")
    if not isinstance(data, dict):
        raise input_error(
            display, "", f"expected a YAML mapping of keys to values, got {_kind(data)}"
        )
    return data


def _yaml_place(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    """A parser error in words, with the context it started in and a hint at the usual fix."""
    problem = str(exc.problem or exc.context)
    msg = f"malformed YAML: {problem}"
    if exc.problem and exc.context and exc.context_mark is not None:
        msg += f" ({exc.context} at line {exc.context_mark.line + 1})"
    context = str(exc.context or "")
    if "'\\t'" in problem:
        msg += "; expected spaces, not tabs, for indentation"
    elif "flow" in context:
        msg += "; expected a closing ] or } (is a bracket left open?)"
    elif "block" in context or "block" in problem or "mapping values" in problem:
        msg += "; expected consistent indentation (check the spaces before the keys)"
    return msg


def _read_text(path: Path, display: str, expected: str, limit: int = MAX_FILE_BYTES) -> str:
    """A text file's contents; missing, huge or non-UTF-8 files are input errors."""
    if not path.is_file():
        what = "a folder" if path.is_dir() else "file not found"
        raise input_error(display, "", f"{what}: expected {expected}")
    if path.stat().st_size > limit:
        raise input_error(
            display, "", f"file is larger than {limit // 2**20} MiB: expected {expected}"
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise input_error(
            display, "", f"not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8"
        ) from None


def input_error(file: str, where: str, message: str) -> InputError:
    """One problem as an error, for ``raise input_error(...)``."""
    return InputError([Problem(file, where, message)])


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {
        list: "a list",
        dict: "a mapping",
        str: "a text",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- messages


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


# --------------------------------------------------------------------------- CSV


def _read_rows(path: Path, display: str, fields: list[str]) -> list[tuple[int, list[str]]]:
    """Parse a CSV file into (row number, cells) pairs, the header first; skip blank rows."""
    expected = f"a CSV table with columns {', '.join(fields)}"
    text = _read_text(path, display, expected)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter(text), skipinitialspace=True
    )
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, [c.strip() for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise input_error(
            display, f"row {reader.line_num}", f"not a readable CSV row: {exc}"
        ) from None
    if not rows:
        raise input_error(display, "", f"file is empty: expected {expected}")
    return rows


def _header_problems(
    header: list[str], fields: dict[str, FieldInfo], display: str
) -> list[Problem]:
    """Missing, unknown and repeated columns of a table's header row.

    A misspelt column is reported once, as unknown with a suggestion, not also as missing.
    """
    out: list[Problem] = []
    where = "row 1 (header)"
    names = list(fields)
    expected = f"expected columns: {', '.join(names)}"
    given = set(header)  # linear in the columns: a 100k-column header is read in ms
    missing = [c for c in names if fields[c].is_required() and c not in given]
    unknown = [c for c in dict.fromkeys(header) if c not in fields]
    repeated = sorted(c for c, n in Counter(header).items() if n > 1)
    absent = [n for n in names if n not in given]
    unlisted = max(len(unknown) - MAX_PROBLEMS_PER_FILE, 0)
    for col in unknown[:MAX_PROBLEMS_PER_FILE]:
        close = difflib.get_close_matches(col, absent, n=1)
        if close:
            hint = f" (did you mean {close[0]!r}?)"
            missing = [c for c in missing if c != close[0]]
        elif len(header) == 1 and any(s in col for s in ";\t|"):
            hint = " (columns must be separated by commas)"
        else:
            hint = ""
        out.append(Problem(display, where, f"unknown column {col!r}{hint}; {expected}"))
    if missing:
        out.insert(
            0, Problem(display, where, f"missing column(s) {', '.join(missing)}; {expected}")
        )
    if repeated:
        out.append(
            Problem(
                display,
                where,
                f"column(s) given twice: {', '.join(repeated)}; expected each column once",
            )
        )
    if unlisted:
        out.append(more_problems(display, unlisted))
    return out


def read_table(name: str, path: Path, display: str) -> pd.DataFrame:
    """Read and validate one CSV table; return a typed DataFrame (one column per field).

    The DataFrame's ``attrs["lines"]`` holds the file row number of each of its rows.
    """
    fields = TABLE_ROWS[name].model_fields
    if is_workbook(path):  # one sheet per table (config.spreadsheet)
        rows = workbook_rows(path, name, display)
        display = f"{display} [sheet {name}]"
    else:
        rows = _read_rows(path, display, list(fields))
    rows, trailing = trim_trailing(rows, display)
    (_, header), body = rows[0], rows[1:]
    collector = ProblemCollector()
    collector.extend(trailing)
    collector.extend(_header_problems(header, fields, display))
    ragged = [(n, cells) for n, cells in body if len(cells) != len(header)]
    for n, cells in ragged[:MAX_RAGGED_ROWS]:
        collector.add(
            display,
            f"row {n}",
            f"{len(cells)} values, expected {len(header)} "
            "(one per column of the header; is a comma missing, extra or unquoted?)",
        )
    if len(ragged) > MAX_RAGGED_ROWS:
        collector.add(
            display,
            "",
            f"... and {len(ragged) - MAX_RAGGED_ROWS} more rows with the wrong number of values",
        )
    collector.raise_if_any()
    if not body and name not in MAY_BE_EMPTY:
        raise input_error(display, "", "table has a header but no rows: expected at least one row")
    lines = [n for n, _ in body]
    records = [{k: (v or None) for k, v in zip(header, cells, strict=True)} for _, cells in body]
    collector.extend(normalise(name, records, lines, display))
    collector.raise_if_any()
    return validate_table(name, records, lines, display)


def table_row_label(name: str, records: list[dict[str, Any]], lines: list[int]) -> RowLabel:
    """``row 5 (part=H20, market=china), column units``: a table row by line number and key."""
    keys = TABLE_KEYS[name]

    def row_label(i: int, rest: list[Any]) -> str:
        cells = {k: records[i].get(k) for k in keys}
        ident = ", ".join(f"{k}={v}" for k, v in cells.items() if v is not None and v != "")
        col = f", column {rest[0]}" if rest else ""
        return f"row {lines[i]}" + (f" ({ident})" if ident else "") + col

    return row_label


def validate_table(
    name: str,
    records: list[dict[str, Any]],
    lines: list[int],
    display: str,
    row_label: RowLabel | None = None,
    row_file: Callable[[int], str] | None = None,
) -> pd.DataFrame:
    """Validate a table's rows with its row schema; return a typed DataFrame.

    ``records[i]`` is row i as {column: value} (None for an empty cell): the text cells of a
    CSV file, or the values after a scenario's edits, which are checked the same way.
    ``lines[i]`` is the row's number in the file (kept in ``attrs["lines"]``).  Problems name
    the row with ``row_label`` (default :func:`table_row_label`) and blame ``row_file(i)``
    (default ``display``).  A key given twice is an error.
    """
    row_model = TABLE_ROWS[name]
    fields = row_model.model_fields
    keys = TABLE_KEYS[name]
    label = row_label or table_row_label(name, records, lines)
    parsed = _validate_rows(row_model, records, lines, display, label, row_file)
    frame = pd.DataFrame.from_records([r.model_dump() for r in parsed], columns=list(fields))
    collector = ProblemCollector()
    first: dict[tuple[Any, ...], int] = {}
    for i, key in enumerate(frame[list(keys)].itertuples(index=False, name=None)):
        if key in first:
            collector.add(
                row_file(i) if row_file is not None else display,
                label(i, []),
                f"duplicate {'/'.join(keys)}: row "
                f"{lines[first[key]]} has the same; expected one row per {'/'.join(keys)}",
            )
        else:
            first[key] = i
    collector.raise_if_any()
    frame.attrs[LINES_ATTR] = lines
    return frame


CHUNK_ROWS = 2000  # rows validated at a time; checking stops once a file has enough problems


def _validate_rows(
    row_model: type[BaseModel],
    records: list[dict[str, Any]],
    lines: list[int],
    display: str,
    label: RowLabel,
    row_file: Callable[[int], str] | None,
) -> list[BaseModel]:
    """Validate rows a chunk at a time; stop after MAX_PROBLEMS_PER_FILE problems, so a
    huge bad file costs time and memory in proportion to the rows read, not its errors."""
    fields = row_model.model_fields
    adapter: TypeAdapter[list[BaseModel]] = TypeAdapter(list[row_model])  # type: ignore[valid-type]
    parsed: list[BaseModel] = []
    problems: list[Problem] = []
    for start in range(0, len(records), CHUNK_ROWS):
        chunk = [
            {k: v for k, v in r.items() if v is not None or fields[k].is_required()}
            for r in records[start : start + CHUNK_ROWS]
        ]
        try:
            parsed += adapter.validate_python(chunk)
        except ValidationError as exc:

            def shifted(i: int, rest: list[Any], start: int = start) -> str:
                return label(start + i, rest)

            def blamed(i: int, start: int = start) -> str:
                return row_file(start + i) if row_file is not None else display

            problems += validation_problems(exc, display, shifted, row_model, row_file=blamed)
        end = start + CHUNK_ROWS
        if len(problems) > MAX_PROBLEMS_PER_FILE and end < len(records):
            note = Problem(
                display,
                f"rows {lines[end]}-{lines[-1]}",
                "not checked: too many problems above (fix those first)",
            )
            keep = MAX_PROBLEMS_PER_FILE - 1  # the note is listed, the rest counted
            problems = [*problems[:keep], note, *problems[keep:]]
            break
    if problems:
        raise InputError(problems)
    return parsed


def show_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
