"""Named benchmark suites: ``capplan bench --suite ci`` and ``--suite scale``.

* ``ci`` -- what the CI gate runs (benchmarks/baseline.json holds its numbers): the base
  case and two small generated models with HiGHS and SCIP, and every public MPS instance
  of tests/data/instances with HiGHS and SCIP.  A few minutes on a 2-core machine.
* ``scale`` -- the size study of docs/benchmarks.md: generated models from a few thousand
  to a few million nonzeros, with the build comparison, HiGHS only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from capplan.bench.run import BenchSettings
from capplan.generate import Spec

ROOT = Path(__file__).resolve().parents[3]  # the repository, for the shipped files
INSTANCES = ROOT / "tests" / "data" / "instances"


def ci() -> BenchSettings:
    return BenchSettings(
        models=[ROOT / "models" / "base.yaml"],
        generate=[
            Spec(seed=1, regions=8, parts=6, periods=4, period_length="year", zones=3, campaigns=3),
            Spec(
                seed=2, regions=6, parts=4, periods=8, period_length="quarter", zones=2, campaigns=2
            ),
        ],
        mps=[INSTANCES],
        solu=INSTANCES / "instances.solu",
        backends=["highs", "scip"],
        time_limit_s=120.0,
        gap=1e-4,
        mps_gap=1e-9,
        reference=True,
        pulp=True,
        repeat=5,
    )


def scale() -> BenchSettings:
    return BenchSettings(
        generate=[
            Spec(
                seed=1, regions=10, parts=8, periods=12, period_length="month", zones=3, campaigns=4
            ),
            Spec(
                seed=1,
                regions=20,
                parts=12,
                periods=24,
                period_length="month",
                zones=4,
                campaigns=8,
            ),
            Spec(
                seed=1,
                regions=40,
                parts=16,
                periods=36,
                period_length="month",
                zones=6,
                campaigns=20,
            ),
            Spec(
                seed=1,
                regions=60,
                parts=24,
                periods=36,
                period_length="month",
                zones=8,
                campaigns=30,
            ),
        ],
        backends=["highs"],
        time_limit_s=300.0,
        gap=1e-4,
        reference=True,
        pulp=True,
        repeat=5,
    )


SUITES: dict[str, Callable[[], BenchSettings]] = {"ci": ci, "scale": scale}
