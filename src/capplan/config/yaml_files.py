"""Reading text and YAML files safely: size limits, UTF-8, duplicate keys, alias bombs.

Every problem names the file and, for YAML, the line and column.  Part of the readers of
:mod:`capplan.config.readers` (YAML here, tables in :mod:`capplan.config.tables`, the
messages for schema errors in :mod:`capplan.config.messages`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from capplan.errors import InputError, Problem

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_YAML_BYTES = 1024 * 1024  # model, scenario and policy files are a few kB
MAX_YAML_VALUES = 100_000  # values in a YAML document with every alias written out


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


def show_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
