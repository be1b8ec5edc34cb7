"""Load a model's inputs once, then apply scenario overlays to them in memory.

A thin layer over :func:`capplan.library.load` and :func:`capplan.library.edit`: a
future's overlays (a referenced scenario's ``extends`` chain, then the outcome's own
``overrides`` and ``edits``) are applied one by one, in order, each validated and
cross-checked as a loaded model is, each named by its overlay in messages.  This is the
precedence of ``capplan solve -s a -s b``: the model's own chain, then the overlays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capplan import library
from capplan.config.layers import Scenario
from capplan.config.loader import Config


def overlay_mapping(scenario: Scenario) -> dict[str, Any]:
    """A scenario's layer as the mapping :func:`capplan.library.edit` takes."""
    spec = scenario.spec.model_dump(by_alias=True, exclude_unset=True)
    spec.pop("extends", None)
    return spec


@dataclass(frozen=True)
class BaseInputs:
    """A model loaded once (:class:`capplan.library.Inputs`)."""

    inputs: library.Inputs

    @property
    def config(self) -> Config:
        return self.inputs.config

    @classmethod
    def load(
        cls, model_path: str | Path, scenarios: Sequence[str] = (), sets: Sequence[str] = ()
    ) -> BaseInputs:
        request = library.SolveRequest(Path(model_path), tuple(scenarios), tuple(sets))
        return cls(library.load(request))

    def apply(self, overlays: Sequence[Scenario]) -> library.Inputs:
        """The inputs with ``overlays`` applied on top, in order."""
        out = self.inputs
        for overlay in overlays:
            out = library.edit(out, overlay_mapping(overlay), label=overlay.display)
        return out
