"""Sweeps: one-at-a-time sensitivity, grids and Monte Carlo over a model, locally or on Dask.

    from capplan.sweep import Settings, sweep, evaluate
    done = sweep("models/base.yaml", "models/sweeps/base_mc.yaml", settings=Settings(workers=2))
    done.folder                      # outputs/base-sweep-base_mc: samples.csv, fans, summary.json

Files, commands and formulas: docs/sweeps.md.  Names are imported on first use, so that
``capplan --help`` does not load pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "Done": "capplan.sweep.run",
    "Settings": "capplan.sweep.run",
    "SweepInterrupted": "capplan.sweep.run",
    "sweep": "capplan.sweep.run",
    "evaluate": "capplan.sweep.evaluate",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'capplan.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(_NAMES[name]), name)
