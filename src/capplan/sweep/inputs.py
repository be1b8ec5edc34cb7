"""A scenario mapping applied in memory to loaded inputs (shim until capplan.library.edit).

``edit(config, {"overrides": {...}, "edits": [...]}, label="sample 3")`` returns a new
validated :class:`~capplan.config.loader.Config`: the overrides merged onto the model and
policy settings, the table edits applied with the loader's own edit code, everything
checked again as the loader checks files, problems named against ``label``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from capplan.config.checks import cross_check
from capplan.config.edits import apply_edits
from capplan.config.layers import Scenario
from capplan.config.loader import Config
from capplan.config.readers import LINES_ATTR, validate_yaml
from capplan.config.schema import ModelFile, Policy, ScenarioFile
from capplan.errors import InputError


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and value and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def edit(config: Config, mapping: dict[str, Any], label: str) -> Config:
    """``config`` with the scenario ``mapping`` applied (see the module docstring)."""
    overrides = dict(mapping.get("overrides") or {})
    edits = list(mapping.get("edits") or [])
    if not overrides and not edits:
        return config
    policy_patch = overrides.pop("policy", None) or {}
    model_raw = config.model.model_dump(by_alias=True)
    _merge(model_raw, overrides)
    model: ModelFile = validate_yaml(ModelFile, model_raw, label)
    policy = config.policy
    if policy_patch:
        policy_raw = config.policy.model_dump(by_alias=True)
        _merge(policy_raw, policy_patch)
        policy = validate_yaml(Policy, policy_raw, label)
    tables = config.tables
    names = {name: f"{name}.csv" for name in tables}
    names["model"], names["policy"] = label, label
    if edits:
        spec: ScenarioFile = validate_yaml(ScenarioFile, {"extends": "base", "edits": edits}, label)
        scenario = Scenario(label, Path(label), label, spec)
        for frame in tables.values():  # the loader's line numbers, needed by its messages
            frame.attrs.setdefault(LINES_ATTR, list(range(2, len(frame) + 2)))
        tables, names = apply_edits(tables, [scenario], list(model.horizon.periods), names)
    problems = cross_check(model, policy, tables, names)
    if problems:
        raise InputError(problems)
    digest = hashlib.sha256(config.input_hash.encode())
    digest.update(json.dumps(mapping, sort_keys=True, default=str).encode())
    return replace(
        config,
        model=model,
        policy=policy,
        tables=tables,
        input_hash=digest.hexdigest(),
        scenarios=(*config.scenarios, label),
    )
