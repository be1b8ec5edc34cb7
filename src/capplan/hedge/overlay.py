"""Load a model's inputs once, then apply scenario overlays to them in memory.

A thin layer over :func:`capplan.library.load` and :func:`capplan.library.edit`: a
future's overlays (a referenced scenario's ``extends`` chain, then the outcome's own
``overrides`` and ``edits``) are applied one by one, in order, each validated and
cross-checked as a loaded model is, each named by its overlay in messages.  This is the
precedence of ``capplan solve -s a -s b``: the model's own chain, then the overlays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    """A model loaded once (:class:`capplan.library.Inputs`).

    The inputs after each prefix of overlays are kept, so futures that share their first
    outcomes share those edits (a product of 4 factors of 3 outcomes takes 120 edits,
    not 324).
    """

    inputs: library.Inputs
    _done: dict[tuple[int, ...], library.Inputs] = field(default_factory=dict, compare=False)

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
        for k, overlay in enumerate(overlays):
            key = tuple(id(o) for o in overlays[: k + 1])
            known = self._done.get(key)
            if known is None:
                known = library.edit(out, overlay_mapping(overlay), label=overlay.display)
                self._done[key] = known
            out = known
        return out
