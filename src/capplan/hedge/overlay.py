"""Load a model's inputs once, then apply scenario overlays to them in memory.

:class:`BaseInputs` holds the composed model mapping, the validated :class:`Config` and
the raw policy file; :meth:`BaseInputs.apply` gives the Config of the model with more
scenario overlays on top (overrides merged, table edits applied, everything validated and
cross-checked again, problems naming the overlay), without reading any file again.
This is the same precedence as ``capplan solve -s a -s b``: the model's own chain, then
the overlays in order.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from capplan.config.checks import cross_check
from capplan.config.edits import apply_edits
from capplan.config.layers import Composition, Scenario, compose
from capplan.config.loader import Config, load_config
from capplan.config.readers import read_yaml, show_path, validate_yaml
from capplan.config.schema import ModelFile, Policy
from capplan.errors import InputError, Problem, ProblemCollector


@dataclass(frozen=True)
class BaseInputs:
    """A model loaded once: its Config, its composition and its raw policy mapping."""

    config: Config
    composition: Composition
    policy_raw: dict[str, Any]

    @classmethod
    def load(
        cls, model_path: str | Path, scenarios: Sequence[str] = (), sets: Sequence[str] = ()
    ) -> BaseInputs:
        config = load_config(model_path, scenarios, sets)
        comp = compose(model_path, scenarios, sets)
        policy = config.files["policy"]
        return cls(config, comp, read_yaml(policy, show_path(policy)))

    def apply(self, overlays: Sequence[Scenario], label: str) -> Config:
        """The Config with ``overlays`` applied on top, in order; ``label`` names the
        result (its input hash covers the overlays)."""
        if not overlays:
            return replace(self.config, scenarios=(*self.config.scenarios, label))
        comp = copy.deepcopy(self.composition)
        problems = ProblemCollector()
        for overlay in overlays:
            try:
                comp.apply(overlay)
            except InputError as exc:
                problems.extend(exc.problems)
        problems.raise_if_any()
        model: ModelFile = validate_yaml(ModelFile, comp.model, comp.display, comp.locate_model)
        base = self.config
        if model.inputs != base.model.inputs:
            raise InputError(
                [
                    Problem(
                        o.display,
                        "overrides.inputs",
                        "an overlay cannot change where the input tables are",
                    )
                    for o in overlays
                    if "inputs" in o.spec.overrides
                ]
            )
        policy_file = show_path(base.files["policy"])
        policy: Policy = validate_yaml(
            Policy, comp.policy_over(self.policy_raw), policy_file, comp.policy_locator(policy_file)
        )
        names = {k: show_path(v) for k, v in base.files.items() if not k.startswith("scenario")}
        names["model"] = comp.display
        tables, names = apply_edits(base.tables, overlays, list(model.horizon.periods), names)
        found = cross_check(model, policy, tables, names)
        if found:
            raise InputError(found)
        digest = hashlib.sha256(base.input_hash.encode())
        for overlay in overlays:
            digest.update(overlay.display.encode())
            digest.update(overlay.spec.model_dump_json().encode())
        return replace(
            base,
            model=model,
            policy=policy,
            tables=tables,
            input_hash=digest.hexdigest(),
            scenarios=(*base.scenarios, label),
        )
