"""Named benchmark suites: ``capplan bench --suite ci``, ``scale`` and ``overhead``.

* ``ci`` -- what the CI gate runs (benchmarks/baseline.json holds its numbers): the base
  case and two small generated models with HiGHS and SCIP, and every public MPS instance
  of tests/data/instances with HiGHS and SCIP.  About two minutes on a 2-core machine.
* ``scale`` -- the build comparison at scale (docs/benchmarks.md): generated models from
  about 20 thousand to 2.4 million nonzeros, built by capplan, filled into OR-Tools alone
  (the lower bound) and written with the PuLP object API; not solved.
* ``overhead`` -- capplan's overhead against the solve: generated models HiGHS solves in
  seconds to about a minute at a relative gap of 1e-3, the largest about 370 thousand
  nonzeros.
* ``hedge`` -- the hedged plan of the base case at 10, 50 and 200 futures
  (:mod:`capplan.bench.hedge`; not a :class:`BenchSettings` suite: it runs on its own).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from capplan.bench.run import BenchSettings
from capplan.generate import PeriodLength, Spec

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
    month: PeriodLength = "month"
    return BenchSettings(
        generate=[
            Spec(seed=1, regions=10, parts=8, periods=12, period_length=month, campaigns=4),
            Spec(seed=1, regions=20, parts=12, periods=24, period_length=month, zones=4),
            Spec(
                seed=1, regions=40, parts=16, periods=36, period_length=month, zones=6, campaigns=20
            ),
            Spec(
                seed=1, regions=60, parts=24, periods=36, period_length=month, zones=8, campaigns=30
            ),
            Spec(
                seed=8, regions=40, parts=16, periods=60, period_length=month, zones=5, campaigns=6
            ),
            Spec(
                seed=6, regions=60, parts=20, periods=48, period_length=month, zones=6, campaigns=10
            ),
        ],
        solve=False,
        reference=True,
        pulp=True,
        repeat=7,
    )


def overhead() -> BenchSettings:
    return BenchSettings(
        generate=[
            Spec(
                seed=11,
                regions=12,
                parts=8,
                periods=24,
                period_length="month",
                zones=3,
                campaigns=4,
            ),
            Spec(
                seed=11,
                regions=30,
                parts=14,
                periods=16,
                period_length="quarter",
                zones=5,
                campaigns=6,
            ),
            Spec(
                seed=11,
                regions=20,
                parts=12,
                periods=12,
                period_length="month",
                zones=4,
                campaigns=6,
            ),
            Spec(
                seed=11,
                regions=24,
                parts=12,
                periods=36,
                period_length="month",
                zones=4,
                campaigns=6,
            ),
        ],
        backends=["highs"],
        time_limit_s=300.0,
        gap=1e-3,
        reference=False,
    )


SUITES: dict[str, Callable[[], BenchSettings]] = {"ci": ci, "scale": scale, "overhead": overhead}
OWN_SUITES = ("hedge",)  # suites with their own runner: capplan.bench.<name>
