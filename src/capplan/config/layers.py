"""Compose a model from its file, its scenarios and ``--set`` values.

Precedence, lowest first (docs/scenarios.md): the model file; each scenario in the order
given, a scenario's ``extends`` chain first (parents before children); ``--set`` values in
the order given.  Mappings are merged key by key; any other value (a number, text, a list,
``{}`` or null) replaces what was there.  Every value remembers where it came from, so a
bad value is reported against the scenario file or command-line option that set it.

Safety: an ``extends`` path and the input table paths may not leave the project folder
(see :func:`project_folder`) unless ``allow_outside``; a cycle of ``extends`` is an error
that names the cycle.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.config.readers import (
    Locate,
    input_error,
    key_path,
    parse_yaml,
    read_yaml,
    show_path,
    validate_yaml,
)
from capplan.config.schema import ModelFile, ScenarioFile
from capplan.errors import InputError, Problem

COMMAND_LINE = "command line"
SCENARIO_FOLDER = "scenarios"  # models/scenarios/<name>.yaml, beside the model file
POLICY = "policy"  # the overrides section that changes policy.yaml
_NAME = re.compile(r"^[\w.-]+$")

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Source:
    """Where a value came from: ``file`` as messages show it, the key-path ``prefix`` of the
    value in that file ("", "overrides.", "--set "...) and the file itself (None for the
    command line: relative paths there are relative to the working folder)."""

    file: str
    prefix: str
    path: Path | None

    def where(self, loc: Loc) -> str:
        return self.prefix + key_path(loc)


@dataclass(frozen=True)
class Scenario:
    """One scenario file, validated."""

    name: str  # the file name without .yaml
    path: Path  # resolved
    display: str
    spec: ScenarioFile


@dataclass(frozen=True)
class Patch:
    """A change to a mapping: merge ``value`` at key path ``keys`` (() for the top)."""

    keys: tuple[str, ...]
    value: Any
    source: Source
    text: str  # the key path as the user wrote it, for messages


@dataclass
class Composition:
    """A model file with its scenarios and ``--set`` values applied, not yet validated.

    ``model`` is the merged model mapping.  Policy changes are kept as patches and merged
    onto policy.yaml by :meth:`policy_over` once the loader knows where that file is.
    """

    root: Path  # the model file at the root of the extends chain
    display: str
    project: Path
    allow_outside: bool
    model: dict[str, Any]
    scenarios: list[Scenario] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    model_origin: dict[Loc, Source] = field(default_factory=dict)
    policy_patches: list[Patch] = field(default_factory=list)
    policy_origin: dict[Loc, Source] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.scenarios)

    def origin_of(self, loc: Loc) -> bool:
        """True if a file, scenario or ``--set`` gave the value at ``loc`` (not a default)."""
        return _nearest(self.model_origin, loc) is not None and _set_at(self.model, loc)

    def locate_model(self, loc: Loc) -> tuple[str, str]:
        """(file, key path) of the model value at ``loc``: who set it last."""
        source = _nearest(self.model_origin, loc)
        return (source.file, source.where(loc)) if source else (self.display, key_path(loc))

    def policy_locator(self, policy_file: str) -> Locate:
        """``locate`` for policy values: the scenario or option that set it, else the file."""

        def locate(loc: Loc) -> tuple[str, str]:
            source = _nearest(self.policy_origin, loc)
            return (source.file, source.where(loc)) if source else (policy_file, key_path(loc))

        return locate

    def policy_over(self, raw: dict[str, Any]) -> dict[str, Any]:
        """policy.yaml's mapping with the scenarios' and ``--set`` policy changes merged on."""
        out = copy.deepcopy(raw)
        self.policy_origin.clear()
        for patch in self.policy_patches:
            _merge_at(out, patch, self.policy_origin)
        return out

    def folder_of(self, loc: Loc) -> Path:
        """The folder a relative path at ``loc`` is relative to: that of the file that set it."""
        source = _nearest(self.model_origin, loc)
        path = source.path if source is not None else self.root
        return path.parent if path is not None else Path.cwd()

    def outside(self, path: Path, loc: Loc, shown: str) -> Problem | None:
        """A Problem if ``path`` (set at ``loc``) leaves the project folder, else None."""
        if self.allow_outside or path.resolve().is_relative_to(self.project):
            return None
        file, where = self.locate_model(loc)
        return Problem(file, where, _outside_message(shown, self.project))

    def apply(self, scenario: Scenario) -> None:
        """Merge a scenario's overrides; its policy section becomes a policy patch."""
        overrides = dict(scenario.spec.overrides)
        policy = overrides.pop(POLICY, None)
        source = Source(scenario.display, "overrides.", scenario.path)
        merge(self.model, overrides, source, self.model_origin)
        if policy is not None:
            if not isinstance(policy, dict):
                raise input_error(
                    scenario.display,
                    "overrides.policy",
                    "expected a mapping of policy.yaml keys to values",
                )
            source = Source(scenario.display, "overrides.policy.", scenario.path)
            self.policy_patches.append(Patch((), policy, source, "overrides.policy"))
        self.scenarios.append(scenario)

    def set(self, text: str) -> None:
        """Apply one ``--set key.path=value``; the value is read as YAML."""
        key, sep, value_text = text.partition("=")
        key = key.strip()
        keys = tuple(key.split("."))
        if not sep or not all(keys):
            raise input_error(
                COMMAND_LINE,
                f"--set {text}",
                "expected key.path=value, such as budget.total_rmb_bn=480",
            )
        value = parse_yaml(value_text, COMMAND_LINE, f"--set {key}")
        if keys[0] == POLICY:
            if len(keys) == 1:
                raise input_error(
                    COMMAND_LINE,
                    f"--set {key}",
                    "expected a policy key, such as policy.state_share.CN=0.4",
                )
            source = Source(COMMAND_LINE, "--set policy.", None)
            self.policy_patches.append(Patch(keys[1:-1], {keys[-1]: value}, source, key))
        else:
            source = Source(COMMAND_LINE, "--set ", None)
            _merge_at(
                self.model, Patch(keys[:-1], {keys[-1]: value}, source, key), self.model_origin
            )
        self.sets.append(f"{key}={value_text.strip()}")


def _merge_at(target: dict[str, Any], patch: Patch, origin: dict[Loc, Source]) -> None:
    """Merge a patch at its key path, making sections on the way as needed."""
    node = target
    for i, part in enumerate(patch.keys):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise input_error(  # only --set patches have a key path
                patch.source.file,
                f"--set {patch.text}",
                f"{'.'.join(patch.keys[: i + 1])} is a value, not a section: expected a key "
                "path to a setting",
            )
        node = child
    merge(node, patch.value, patch.source, origin, patch.keys)


def merge(
    target: dict[Any, Any],
    patch: dict[Any, Any],
    source: Source,
    origin: dict[Loc, Source],
    prefix: Loc = (),
) -> None:
    """Deep-merge ``patch`` into ``target`` and record ``source`` for every value set.

    Mappings merge key by key; any other value, and an empty mapping, replaces.
    """
    for key, value in patch.items():
        loc = (*prefix, key)
        old = target.get(key)
        if isinstance(value, dict) and value and isinstance(old, dict):
            merge(old, value, source, origin, loc)
            continue
        target[key] = copy.deepcopy(value)
        for known in [k for k in origin if k[: len(loc)] == loc]:
            del origin[known]
        _record(origin, loc, value, source)


def _set_at(data: Any, loc: Loc) -> bool:
    for key in loc:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def _record(origin: dict[Loc, Source], loc: Loc, value: Any, source: Source) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _record(origin, (*loc, key), item, source)
    else:
        origin[loc] = source


def _nearest(origin: dict[Loc, Source], loc: Loc) -> Source | None:
    """The source of ``loc``, of the closest enclosing key that has one, or else of the
    latest value set below it (a section ``--set foo.bar=1`` or a scenario made: a bad
    key ``foo`` is blamed on whoever wrote it, not on the model file)."""
    for n in range(len(loc), 0, -1):
        found = origin.get(tuple(loc[:n]))
        if found is not None:
            return found
    below = [source for key, source in origin.items() if key[: len(loc)] == tuple(loc)]
    return below[-1] if below else None


# --------------------------------------------------------------------------- files


def project_folder(model: Path) -> Path:
    """The folder that holds the ``models`` folder the model file is in (for models/base.yaml
    or models/scenarios/x.yaml: the folder with models/ and inputs/); for a model file
    outside any folder named ``models``, the folder above the model file's folder."""
    folder = model.resolve().parent
    for candidate in (folder, *folder.parents):
        if candidate.name == "models":
            return candidate.parent
    return folder.parent


def check_path_text(text: str, file: str, where: str) -> str:
    """``text`` if it can name a file: no NUL byte or control character (checked once,
    where a path enters), else an input error naming ``file`` and ``where``."""
    bad = next((c for c in text if ord(c) < 32), None)
    if bad is not None or not text:
        raise input_error(
            file,
            where,
            f"{'an empty path' if not text else f'a control character ({bad!r}) in the path'}: "
            "expected a file or folder name",
        )
    return text


def _outside_message(shown: str, project: Path) -> str:
    return (
        f"{shown!r} is outside the project folder {project}: expected a path inside it "
        "(or pass --allow-outside)"
    )


def read_chain(
    path: Path, display: str, project: Path, allow_outside: bool
) -> tuple[Path, str, dict[str, Any], list[Scenario]]:
    """Follow ``extends`` from a model or scenario file to the model file at its root.

    Returns the root model file, its display name, its parsed mapping and the scenario
    files on the way, root side first.
    """
    chain: list[Scenario] = []
    while True:
        raw = read_yaml(path, display)
        if "extends" not in raw:
            return path.resolve(), display, raw, chain[::-1]
        spec: ScenarioFile = validate_yaml(ScenarioFile, raw, display)
        here = Scenario(path.stem, path.resolve(), display, spec)
        chain.append(here)
        target = path.parent / spec.extends
        if not allow_outside and not target.resolve().is_relative_to(project):
            raise input_error(display, "extends", _outside_message(spec.extends, project))
        if not target.is_file():
            raise input_error(
                display,
                "extends",
                f"file {spec.extends!r} not found (looked for {show_path(target)}); expected "
                "the model file or scenario file this scenario changes",
            )
        seen = [s.path for s in chain]
        if target.resolve() in seen:
            loop = [s.path.name for s in chain[seen.index(target.resolve()) :]]
            raise input_error(
                display,
                "extends",
                f"cycle of extends: {' -> '.join([*loop, target.name])}; expected a chain "
                "of scenarios that ends at a model file",
            )
        path, display = target, show_path(target)


def scenario_path(token: str, model_root: Path) -> tuple[Path, str]:
    """``--scenario`` value -> file: a name is models/scenarios/<name>.yaml beside the
    model file at the root; anything with a / or ending in .yaml/.yml is a path."""
    if _NAME.match(token) and not token.endswith((".yaml", ".yml")):
        folder = model_root.parent / SCENARIO_FOLDER
        path = folder / f"{token}.yaml"
        if not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
            close = difflib.get_close_matches(token, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            among = f": {', '.join(known)}" if known else f" (none in {show_path(folder)})"
            raise input_error(
                COMMAND_LINE,
                f"--scenario {token}",
                f"no scenario {token!r} (looked for {show_path(path)}){hint}; expected one "
                f"of the scenarios beside the model{among}",
            )
        return path, show_path(path)
    return Path(token), token


def compose(
    model_path: str | Path,
    scenarios: Sequence[str] = (),
    sets: Sequence[str] = (),
    allow_outside: bool = False,
) -> Composition:
    """The model file with its scenarios and ``--set`` values applied (see the module doc).

    ``model_path`` may itself be a scenario file: its ``extends`` chain is applied first.
    A scenario file reached twice (given twice, or extended by another) is applied once.
    """
    path = Path(check_path_text(str(model_path), COMMAND_LINE, "MODEL"))
    project = project_folder(path)
    root, display, raw, chain = read_chain(path, str(model_path), project, allow_outside)
    comp = Composition(root, display, project.resolve(), allow_outside, copy.deepcopy(raw))
    _record(comp.model_origin, (), raw, Source(display, "", root))
    layers = list(chain)
    for token in scenarios:
        check_path_text(token, COMMAND_LINE, f"--scenario {token}")
        file, shown = scenario_path(token, root)
        if not allow_outside and not file.resolve().is_relative_to(comp.project):
            raise input_error(  # also a symlink in models/scenarios/ that leads outside
                COMMAND_LINE, f"--scenario {token}", _outside_message(shown, comp.project)
            )
        *_, raw_top, extra = read_chain(file, shown, comp.project, allow_outside)
        if not extra:
            raise _not_a_scenario(token, file, shown, raw_top)
        layers += extra
    applied: set[Path] = set()
    for scenario in layers:
        if scenario.path not in applied:
            applied.add(scenario.path)
            comp.apply(scenario)
    for text in sets:
        comp.set(text)
    return comp


def _not_a_scenario(token: str, file: Path, shown: str, raw: dict[str, Any]) -> InputError:
    """A ``--scenario`` file without ``extends:``: the file's fault when it is in a
    scenarios folder or has a scenario's keys (its extends: was lost or misspelt), else the
    command line's (a model file given as a scenario)."""
    scenario_keys = set(ScenarioFile.model_fields) - set(ModelFile.model_fields) - {"extends"}
    if file.parent.name == SCENARIO_FOLDER or scenario_keys & set(raw):
        return input_error(
            shown,
            "extends",
            f"missing: without extends: this file reads as a model file, but it is given as "
            f"--scenario {token}; expected a scenario file, which starts with extends: naming "
            "the model or scenario it changes",
        )
    return input_error(
        COMMAND_LINE,
        f"--scenario {token}",
        f"{shown} is a model file (it has no extends:); expected a scenario file",
    )
