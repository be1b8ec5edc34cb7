"""Read a model file and its input tables into a validated :class:`Config`.

Every problem found is collected and reported at once (:class:`InputError`), each naming
the file, the key path or row and column, the bad value and what was expected.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from capplan.config.checks import cross_check
from capplan.config.schema import TABLE_KEYS, TABLE_ROWS, ModelFile, Policy
from capplan.errors import InputError, Problem, ProblemCollector

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    """A validated model: its settings, its policy and its input tables (typed DataFrames)."""

    model: ModelFile
    policy: Policy
    tables: dict[str, pd.DataFrame]
    model_path: Path
    files: dict[str, Path]
    input_hash: str


# --------------------------------------------------------------------------- YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def read_yaml(path: Path, display: str) -> dict[str, Any]:
    """Parse a YAML mapping safely; raise InputError naming the file and line on failure."""
    text = _read_text(path, display)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise input_error(display, where, f"malformed YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise input_error(display, "", f"malformed YAML: {exc}") from None
    if data is None:
        raise input_error(display, "", "file is empty: expected a YAML mapping of keys to values")
    if not isinstance(data, dict):
        raise input_error(display, "", f"expected a YAML mapping of keys to values, got {_kind(data)}")
    return data


def _read_text(path: Path, display: str) -> str:
    if not path.is_file():
        raise input_error(display, "", "file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise input_error(display, "", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise input_error(display, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def input_error(file: str, where: str, message: str) -> InputError:
    """One problem as an error, for ``raise input_error(...)``."""
    return InputError([Problem(file, where, message)])


def _kind(value: object) -> str:
    return {list: "a list", str: "a text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def validation_problems(
    exc: ValidationError, file: str, row_label: Any = None
) -> list[Problem]:
    """Turn pydantic errors into Problems with key paths and hints for YAML pitfalls."""
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        value = err.get("input")
        if row_label is not None and loc and isinstance(loc[0], int):
            where = row_label(loc[0], loc[1:])
        else:
            where = ".".join(str(part) for part in loc) or "(top level)"
        problems.append(Problem(file, where, _message(err, value)))
    return problems


def _message(err: Any, value: object) -> str:
    kind = err["type"]
    if kind == "missing":
        return "missing: " + err["msg"].lower()
    if kind == "extra_forbidden":
        return "unknown key (not part of the schema; check the spelling)"
    if value is None:
        return "missing value: expected " + _expected(err["msg"])
    msg = f"{err['msg']}, got {value!r}"
    if isinstance(value, str) and _looks_numeric(value):
        msg += (
            " (YAML 1.1 reads numbers like 1e6 as text: write 1.0e+6 or 1000000)"
        )
    elif isinstance(value, bool):
        msg += " (YAML reads yes/no/on/off as booleans: quote the value)"
    return msg


def _expected(msg: str) -> str:
    return msg.removeprefix("Input should be ").removeprefix("input should be ")


def _looks_numeric(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def validate_yaml(model: type[BaseModel], data: dict[str, Any], file: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        collector = ProblemCollector()
        collector.extend(validation_problems(exc, file))
        collector.raise_if_any()


# --------------------------------------------------------------------------- CSV


def read_table(name: str, path: Path, display: str) -> pd.DataFrame:
    """Read and validate one CSV table; return a typed DataFrame (one column per field)."""
    row_model = TABLE_ROWS[name]
    fields = row_model.model_fields
    collector = ProblemCollector()
    if not path.is_file():
        raise input_error(
            display, "", f"file not found (expected a CSV table with columns {', '.join(fields)})"
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise input_error(display, "", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise input_error(display, "", "table is empty: expected a header row and at least one row")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise input_error(display, "", f"not a readable CSV table: {str(exc).strip()}")
    raw.columns = [str(c).strip() for c in raw.columns]
    required = [f for f, info in fields.items() if info.is_required()]
    missing = [c for c in required if c not in raw.columns]
    unknown = [c for c in raw.columns if c not in fields]
    if missing:
        collector.add(display, "header", f"missing column(s): {', '.join(missing)}")
    if unknown:
        collector.add(display, "header", f"unknown column(s): {', '.join(unknown)} "
                      f"(expected: {', '.join(fields)})")
    collector.raise_if_any()
    if raw.empty:
        raise input_error(display, "", "table is empty: expected at least one row")
    records = [
        {k: (v.strip() or None) for k, v in rec.items()}
        for rec in raw.to_dict(orient="records")
    ]
    keys = TABLE_KEYS[name]

    def row_label(i: int, rest: list[Any]) -> str:
        ident = ", ".join(f"{k}={records[i].get(k)}" for k in keys if records[i].get(k))
        col = f", column {rest[0]}" if rest else ""
        return f"row {i + 2}" + (f" ({ident})" if ident else "") + col

    try:
        rows = TypeAdapter(list[row_model]).validate_python(  # type: ignore[valid-type]
            [{k: v for k, v in r.items() if v is not None or fields[k].is_required()}
             for r in records]
        )
    except ValidationError as exc:
        collector.extend(validation_problems(exc, display, row_label))
        collector.raise_if_any()
    frame = pd.DataFrame.from_records([r.model_dump() for r in rows], columns=list(fields))
    dupes = frame.duplicated(list(keys), keep=False)
    if dupes.any():
        for i in frame.index[dupes]:
            collector.add(display, row_label(int(i), []), f"duplicate {'/'.join(keys)}")
    collector.raise_if_any()
    return frame


# --------------------------------------------------------------------------- model


def load_config(model_path: str | Path) -> Config:
    """Load and validate a model file, its input tables and policy; cross-check them."""
    path = Path(model_path)
    display = str(model_path)
    model: ModelFile = validate_yaml(ModelFile, read_yaml(path, display), display)
    root = (path.parent / model.inputs.dir).resolve()
    files: dict[str, Path] = {"model": path.resolve()}
    tables: dict[str, pd.DataFrame] = {}
    collector = ProblemCollector()
    for name in TABLE_ROWS:
        file = root / getattr(model.inputs, name)
        files[name] = file
        try:
            tables[name] = read_table(name, file, _show(file))
        except InputError as exc:  # collect every table's problems before raising
            collector.extend(exc.problems)
    policy_file = root / model.inputs.policy
    files["policy"] = policy_file
    policy = Policy()
    try:
        policy = validate_yaml(Policy, read_yaml(policy_file, _show(policy_file)),
                               _show(policy_file))
    except InputError as exc:
        collector.extend(exc.problems)
    collector.raise_if_any()
    names = {k: _show(v) for k, v in files.items()}
    names["model"] = display
    collector.extend(cross_check(model, policy, tables, names))
    collector.raise_if_any()
    return Config(model, policy, tables, path.resolve(), files, hash_files(files))


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def hash_files(files: dict[str, Path]) -> str:
    """SHA-256 over every input file's role, name and bytes, in a fixed order."""
    digest = hashlib.sha256()
    for role in sorted(files):
        digest.update(role.encode())
        digest.update(files[role].name.encode())
        digest.update(files[role].read_bytes())
    return digest.hexdigest()
