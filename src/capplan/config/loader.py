"""Read a model file, its scenarios and its input tables into a validated :class:`Config`.

Order: compose the model mapping (model file < scenarios < ``--set``, see
:mod:`capplan.config.layers`), validate it, read the input tables and the policy file
(with the scenarios' policy keys merged on), apply the scenarios' table edits, then
cross-check every file.  Every problem found is collected and reported at once
(:class:`InputError`), each naming the file (the scenario file or command-line option
that set a value, when one did), the key path or row and column, the bad value and what
was expected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from capplan.config import plausible
from capplan.config.checks import cross_check
from capplan.config.edits import apply_edits
from capplan.config.layers import COMMAND_LINE, Composition, compose
from capplan.config.readers import (  # re-exported: the loader's public names
    LINES_ATTR,
    MAX_FILE_BYTES,
    MAY_BE_EMPTY,
    input_error,
    read_table,
    read_yaml,
    show_path,
    validate_yaml,
    validation_problems,
)
from capplan.config.schema import TABLE_ROWS, InputFiles, ModelFile, Policy
from capplan.config.spreadsheet import is_workbook, workbook_policy
from capplan.errors import InputError, Problem, ProblemCollector

__all__ = [
    "LINES_ATTR",
    "MAX_FILE_BYTES",
    "MAY_BE_EMPTY",
    "Config",
    "Sources",
    "assemble",
    "hash_files",
    "input_error",
    "load_config",
    "read_sources",
    "read_table",
    "read_yaml",
    "validate_yaml",
    "validation_problems",
]


@dataclass(frozen=True)
class Config:
    """A validated model: its settings, its policy and its input tables (typed DataFrames).

    ``scenarios`` are the names of the scenario files applied, in order, and ``settings``
    the ``--set`` values (``key.path=value``); both are covered by ``input_hash``.
    """

    model: ModelFile
    policy: Policy
    tables: dict[str, pd.DataFrame]
    model_path: Path
    files: dict[str, Path]
    input_hash: str
    scenarios: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()  # values outside their plausible range (plausible.py)

    @property
    def label(self) -> str:
        """``<model name>+<scenario>+...``: the default run folder name."""
        return "+".join([self.model.name, *self.scenarios])


@dataclass(frozen=True)
class Sources:
    """What a model reads from disk, before the composed model is validated.

    Kept so that :func:`assemble` can apply more scenarios or ``--set`` values in memory
    (``capplan.library.edit``) with every check of a load from files and no file read.
    """

    comp: Composition
    tables: dict[str, pd.DataFrame]  # each input table as read and row-validated
    policy_raw: dict[str, Any]  # policy.yaml as read
    files: dict[str, Path]  # every input file by role
    file_hash: str  # SHA-256 of the files' bytes (:func:`hash_files`)


def load_config(
    model_path: str | Path,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    allow_outside: bool = False,
) -> Config:
    """Load and validate a model (or scenario) file with its scenarios, ``--set`` values,
    input tables and policy; cross-check them.

    A model with bad settings still has its tables read (if its ``inputs`` section is
    valid), so that every problem is reported in one go.
    """
    return assemble(read_sources(model_path, scenarios, sets, allow_outside))


def read_sources(
    model_path: str | Path,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    allow_outside: bool = False,
) -> Sources:
    """Compose the model mapping and read every input file (no cross-file checks yet)."""
    comp = compose(model_path, scenarios, sets, allow_outside)
    collector = ProblemCollector()
    model: ModelFile | None = None
    try:
        model = validate_yaml(ModelFile, comp.model, comp.display, comp.locate_model)
    except InputError as exc:
        collector.extend(exc.problems)
    inputs = model.inputs if model is not None else _inputs_or_none(comp.model)
    if inputs is None:  # no way to find the tables
        raise InputError(collector.problems)
    try:
        files = _input_files(comp, inputs)
    except InputError as exc:
        raise InputError([*collector.problems, *exc.problems]) from None
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLE_ROWS:
        try:
            tables[name] = read_table(name, files[name], show_path(files[name]))
        except InputError as exc:  # collect every table's problems before raising
            collector.extend(exc.problems)
    policy_raw: dict[str, Any] = {}
    try:
        path, shown = files["policy"], show_path(files["policy"])
        policy_raw = workbook_policy(path, shown) if is_workbook(path) else read_yaml(path, shown)
    except InputError as exc:
        collector.extend(exc.problems)
    else:
        if collector.problems:  # so that its problems are reported with the others
            _validate_policy(comp, policy_raw, files["policy"], collector)
    collector.raise_if_any()
    all_files = {"model": comp.root, **files}
    for i, scenario in enumerate(comp.scenarios):
        all_files[f"scenario-{i:03d}"] = scenario.path
    return Sources(comp, tables, policy_raw, files, hash_files(all_files))


def assemble(sources: Sources, extra_hash: str = "") -> Config:
    """Validate the composed model and policy, apply the scenarios' table edits and
    cross-check every table: the in-memory half of :func:`load_config`.

    ``extra_hash`` (text describing in-memory layers) is folded into the input hash.
    """
    comp, files = sources.comp, sources.files
    collector = ProblemCollector()
    model: ModelFile | None = None
    try:
        model = validate_yaml(ModelFile, comp.model, comp.display, comp.locate_model)
    except InputError as exc:
        collector.extend(exc.problems)
    policy = _validate_policy(comp, sources.policy_raw, files["policy"], collector)
    if model is None or collector.problems:
        raise InputError(collector.problems)
    names = {k: show_path(v) for k, v in files.items()}
    names["model"] = comp.display
    file, key = comp.locate_model(("horizon", "periods"))
    names["horizon"] = key if file == COMMAND_LINE else f"{key} of {file}"  # who set it
    tables, names = apply_edits(sources.tables, comp.scenarios, list(model.horizon.periods), names)
    problems = cross_check(model, policy, tables, names)
    collector.extend(_relocate(problems, comp, names))
    collector.raise_if_any()
    digest = hashlib.sha256(sources.file_hash.encode())
    for i, text in enumerate(comp.sets):
        digest.update(f"set-{i:03d}".encode())
        digest.update(text.encode())
    digest.update(extra_hash.encode())
    all_files = {"model": comp.root, **files}
    for i, scenario in enumerate(comp.scenarios):
        all_files[f"scenario-{i:03d}"] = scenario.path
    return Config(
        model,
        policy,
        tables,
        comp.root,
        all_files,
        digest.hexdigest(),
        comp.names,
        tuple(comp.sets),
        tuple(_relocate(plausible.check(model, tables, names), comp, names)),
    )


def _input_files(comp: Composition, inputs: InputFiles) -> dict[str, Path]:
    """The path of every input file; the folder must exist and stay in the project."""
    root = (comp.folder_of(("inputs", "dir")) / inputs.dir).resolve()
    outside = comp.outside(root, ("inputs", "dir"), inputs.dir)
    if outside is not None:
        raise InputError([outside])
    if is_workbook(root) and root.is_file():  # one workbook holds every table and the policy
        return dict.fromkeys([*TABLE_ROWS, "policy"], root)
    if not root.is_dir():
        file, key = comp.locate_model(("inputs", "dir"))
        raise input_error(
            file,
            key,
            f"folder {inputs.dir!r} not found (looked for "
            f"{root}); expected the folder that holds the input tables",
        )
    files = {name: root / getattr(inputs, name) for name in [*TABLE_ROWS, "policy"]}
    problems = [comp.outside(path, ("inputs", k), getattr(inputs, k)) for k, path in files.items()]
    problems += [
        _missing(comp, key, getattr(inputs, key), path)
        for (key, path), outside in zip(files.items(), list(problems), strict=True)
        if outside is None  # a path outside the project is one problem, not two
    ]
    found = [p for p in problems if p is not None]
    if found:
        raise InputError(found)
    return files


def _missing(comp: Composition, key: str, shown: str, path: Path) -> Problem | None:
    """A Problem naming whoever set ``inputs.<key>`` if its file is not there."""
    if path.is_file() or (key in TABLE_ROWS and path.is_dir()):  # a folder: read_table says
        return None
    if not comp.origin_of(("inputs", key)):
        return None  # the default name: the table's own read says what is missing
    file, where = comp.locate_model(("inputs", key))
    return Problem(
        file, where, f"file {shown!r} not found (looked for {path}); expected an input file"
    )


def _validate_policy(
    comp: Composition, raw: dict[str, Any], path: Path, collector: ProblemCollector
) -> Policy:
    """policy.yaml's mapping with the scenarios' and ``--set`` policy keys merged on."""
    display = show_path(path)
    try:
        merged = comp.policy_over(raw)
        policy: Policy = validate_yaml(Policy, merged, display, comp.policy_locator(display))
        return policy
    except InputError as exc:
        collector.extend(exc.problems)
        return Policy.model_validate({})


def _relocate(problems: list[Problem], comp: Composition, names: dict[str, str]) -> list[Problem]:
    """Cross-check problems about a model or policy key, blamed on whoever set the key."""
    locators = {
        names["model"]: comp.locate_model,
        names["policy"]: comp.policy_locator(names["policy"]),
    }
    out = []
    for problem in problems:
        locate = locators.get(problem.file)
        if locate is None or not problem.where:
            out.append(problem)
            continue
        file, where = locate(tuple(problem.where.split(".")))
        out.append(Problem(file, where, problem.message))
    return out


def _inputs_or_none(raw: dict[str, Any]) -> InputFiles | None:
    """The ``inputs`` section of a model file that failed validation, if it is valid."""
    try:
        return InputFiles.model_validate(raw.get("inputs", {}))
    except ValidationError:
        return None


def hash_files(files: dict[str, Path], texts: dict[str, str] | None = None) -> str:
    """SHA-256 over every input file's role, name and bytes, then every extra text's role
    and value (the ``--set`` values), each in a fixed order."""
    digest = hashlib.sha256()
    for role in sorted(files):
        digest.update(role.encode())
        digest.update(files[role].name.encode())
        digest.update(files[role].read_bytes())
    for role, text in sorted((texts or {}).items()):
        digest.update(role.encode())
        digest.update(text.encode())
    return digest.hexdigest()
