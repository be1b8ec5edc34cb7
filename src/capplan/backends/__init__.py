"""The solver backends by name: ``get_backend("highs").solve(lp, SolveOptions())``.

One registry, :data:`BACKENDS`: the CLI's ``--solver`` choices, ``capplan solvers`` and
the benchmarks read it.  Each backend declares its :class:`Features` (duals, bound,
incumbent at a time limit, warm start, interrupt, progress).  Importing this package is
cheap: highspy, OR-Tools and PuLP are imported when a backend first checks its
availability or solves.
"""

from __future__ import annotations

import dataclasses

from capplan.backends.base import Backend, Features, Result, SolveOptions, Status
from capplan.backends.highs_backend import HighspyBackend
from capplan.backends.ortools_backend import (
    GlopBackend,
    HighsOrToolsBackend,
    PdlpBackend,
    ScipBackend,
)
from capplan.backends.pulp_backend import (
    CbcBackend,
    CplexBackend,
    GlpkBackend,
    GurobiBackend,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Backend",
    "Features",
    "Result",
    "SolveOptions",
    "Status",
    "available_backends",
    "backend_table",
    "get_backend",
]

DEFAULT_BACKEND = "highs"

BACKENDS: dict[str, type[Backend]] = {
    cls.name: cls
    for cls in (
        HighspyBackend,
        ScipBackend,
        GlopBackend,
        PdlpBackend,
        CbcBackend,
        GlpkBackend,
        GurobiBackend,
        CplexBackend,
        HighsOrToolsBackend,
    )
}


def get_backend(name: str) -> Backend:
    """A fresh backend for ``name``; ``KeyError`` naming the known backends otherwise."""
    try:
        cls = BACKENDS[name]
    except KeyError:
        raise KeyError(f"unknown solver backend {name!r}; known: {', '.join(BACKENDS)}") from None
    return cls()


def available_backends() -> list[str]:
    """Names of the backends usable on this machine, in registry order."""
    return [name for name, cls in BACKENDS.items() if cls.is_available()]


def backend_table() -> list[dict[str, object]]:
    """One row per backend: name, family, available, then every feature."""
    return [
        {
            "name": name,
            "family": getattr(cls, "family", ""),
            "available": cls.is_available(),
            **dataclasses.asdict(cls.features),
        }
        for name, cls in BACKENDS.items()
    ]
