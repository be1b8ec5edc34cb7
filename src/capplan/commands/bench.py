"""``capplan bench``: benchmarks and the CI gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from capplan.cli import (
    _guard,
    app,
)
from capplan.errors import ExitCode


@app.command()
def bench(
    models: Annotated[
        list[Path] | None,
        typer.Argument(help="Model files to run.", show_default=False, metavar="MODEL"),
    ] = None,
    generate_: Annotated[
        list[str] | None,
        typer.Option(
            "--generate",
            help="Generate and run an instance: key=value pairs of capplan generate's "
            "options, e.g. seed=1,regions=10,periods=12,period_length=month (repeatable).",
        ),
    ] = None,
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite",
            help="A named set of instances and settings (ci, scale, overhead), or a "
            "measurement suite (engine, warm, sweep, hedge): docs/benchmarks.md.",
        ),
    ] = None,
    mps: Annotated[
        list[Path] | None,
        typer.Option("--mps", help="MPS file, or folder of *.mps files (repeatable)."),
    ] = None,
    solu: Annotated[
        Path | None,
        typer.Option("--solu", help="Published results of the MPS files (.solu format)."),
    ] = None,
    backend: Annotated[
        list[str] | None,
        typer.Option("--backend", help="Solver backend (repeatable); default highs and scip."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.001, help="Seconds per solve (default 60)."),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option("--gap", min=0.0, max=0.999, help="Relative MIP gap, models (1e-4)."),
    ] = None,
    mps_gap: Annotated[
        float | None,
        typer.Option("--mps-gap", min=0.0, max=0.999, help="Relative MIP gap, MPS (1e-9)."),
    ] = None,
    reference: Annotated[
        bool | None,
        typer.Option(
            "--reference/--no-reference",
            help="Compare capplan's build with the lower bound and PuLP (default on).",
        ),
    ] = None,
    solve: Annotated[
        bool | None,
        typer.Option(
            "--solve/--no-solve",
            help="Solve the model instances (default); --no-solve: build comparison only.",
        ),
    ] = None,
    repeat: Annotated[
        int | None, typer.Option("--repeat", min=1, help="Builds per instance compared (5).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default outputs/bench, or bench-2...)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out folder if it exists.")
    ] = False,
    gate: Annotated[
        Path | None,
        typer.Option(
            "--gate",
            help="Run the suite of this baseline and fail (exit 5) on a wrong answer or an "
            "overhead ratio over 1.5 x the baseline's.",
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Write this run's results as a gate baseline."),
    ] = None,
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="--suite engine: another capplan executable to measure side by side.",
        ),
    ] = None,
) -> None:
    """Benchmark instances x solver backends; check every answer.

    Each run is a fresh process that records load, build, solve, extract and write times,
    peak memory, status, objective, bound and gap.  Backends must agree on each model;
    MPS files (read with HiGHS's reader, capplan.mps) must give their published results.
    Writes results.csv, reference.csv, results.json and results.md (docs/benchmarks.md).
    Exit code 5 when a check fails.

    Example: capplan bench --mps tests/data/instances --solu
    tests/data/instances/instances.solu --backend highs --backend scip
    """
    from capplan.bench.cli import bench_settings
    from capplan.bench.measures import MEASURES
    from capplan.bench.run import run_bench

    def body() -> None:
        if suite == "hedge":  # its own runner (capplan.bench.hedge)
            from capplan.bench.hedge import run_hedge_bench

            raise typer.Exit(run_hedge_bench(out, force, time_limit, gap))
        if suite in MEASURES:
            measure(suite, out, repeat, against)
        settings = bench_settings(
            models=models or [],
            generate=generate_ or [],
            suite=suite,
            mps=mps or [],
            solu=solu,
            backends=backend or [],
            time_limit_s=time_limit,
            gap=gap,
            mps_gap=mps_gap,
            reference=reference,
            solve=solve,
            repeat=repeat,
            out=out,
            force=force,
            gate=gate,
            write_baseline=write_baseline,
        )
        outcome = run_bench(settings)
        typer.echo(f"wrote {outcome.out_dir}/results.md, results.csv, reference.csv, results.json")
        for line in outcome.failures:
            typer.echo(f"capplan: {line}", err=True)
        if outcome.gate is not None:
            typer.echo(f"gate {'passed' if outcome.gate.passed else 'FAILED'}")
            for note in outcome.gate.notes:
                typer.echo(f"  {note}")
        raise typer.Exit(int(outcome.exit_code))

    _guard(body)


def measure(suite: str, out: Path | None, repeat: int | None, against: str | None) -> NoReturn:
    """Run a measurement suite (capplan.bench.measures), print its tables, exit 0 or 5."""
    from capplan.bench.measures import MeasureArgs, run_measure
    from capplan.io import default_run_dir

    folder = out if out is not None else default_run_dir(Path("outputs"), f"bench-{suite}")
    args = MeasureArgs(folder, repeat or MeasureArgs.repeat, against)
    measured = run_measure(suite, args)
    typer.echo(measured.markdown)
    typer.echo(f"wrote {folder}/results.md, results.json")
    for line in measured.failures:
        typer.echo(f"capplan: {line}", err=True)
    raise typer.Exit(int(ExitCode.CHECK_FAILED) if measured.failures else 0)
