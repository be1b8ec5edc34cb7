"""Hedged plans: one plan that is best across uncertain futures (docs/hedge.md).

``hedge(model, futures)`` for capplan models and futures files, ``hedge_mps_dir(folder)``
for two-stage programs in mpi-sppy's MPS-directory format.  The names are imported on
first use, so that ``capplan --help`` does not load the solver stack.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HedgeRun", "Risk", "hedge", "hedge_mps_dir"]


def __getattr__(name: str) -> Any:
    if name == "Risk":
        from capplan.hedge.program import Risk

        return Risk
    if name in ("HedgeRun", "hedge", "hedge_mps_dir"):
        from capplan.hedge import run

        return getattr(run, name)
    raise AttributeError(name)
