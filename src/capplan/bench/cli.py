"""From ``capplan bench``'s options to :class:`~capplan.bench.run.BenchSettings`.

Precedence, lowest first: the defaults of :class:`BenchSettings`; a named ``--suite`` or
the suite stored in the ``--gate`` baseline; then every option given on the command line.
Instances given on the command line are added to the suite's.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from capplan.bench.baseline import load_baseline
from capplan.bench.instances import parse_spec
from capplan.bench.run import BenchSettings
from capplan.bench.suites import SUITES
from capplan.errors import InputError, Problem


def bench_settings(
    *,
    models: list[Path],
    generate: list[str],
    suite: str | None,
    mps: list[Path],
    solu: Path | None,
    backends: list[str],
    time_limit_s: float | None,
    gap: float | None,
    mps_gap: float | None,
    reference: bool | None,
    solve: bool | None,
    repeat: int | None,
    out: Path | None,
    force: bool,
    gate: Path | None,
    write_baseline: Path | None,
) -> BenchSettings:
    """The settings for one ``capplan bench`` call (see the module docstring)."""
    if suite is not None and gate is not None:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--suite",
                    "give --suite or --gate, not both: a gate "
                    "runs the suite stored in its baseline",
                )
            ]
        )
    if suite is not None:
        if suite not in SUITES:
            raise InputError(
                [
                    Problem(
                        "command line",
                        "--suite",
                        f"unknown value {suite!r}; expected one of {', '.join(SUITES)}",
                    )
                ]
            )
        base = SUITES[suite]()
    elif gate is not None:
        base = BenchSettings.from_suite(load_baseline(gate)["suite"], gate.resolve().parent)
    else:
        base = BenchSettings()
    settings = replace(
        base,
        models=[*base.models, *models],
        generate=[*base.generate, *(parse_spec(text) for text in generate)],
        mps=[*base.mps, *mps],
        solu=solu if solu is not None else base.solu,
        backends=backends or base.backends,
        out=out,
        force=force,
        gate=gate,
        write_baseline=write_baseline,
    )
    if time_limit_s is not None:
        settings.time_limit_s = time_limit_s
    if gap is not None:
        settings.gap = gap
    if mps_gap is not None:
        settings.mps_gap = mps_gap
    if reference is not None:
        settings.reference = reference
    if solve is not None:
        settings.solve = solve
    if repeat is not None:
        settings.repeat = repeat
    if settings.solu is not None and not settings.mps:
        raise InputError([Problem("command line", "--solu", "given without --mps files")])
    return settings
