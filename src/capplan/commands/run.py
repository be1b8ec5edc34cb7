"""``capplan solve`` and ``capplan validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capplan.cli import (
    DEFAULT_MODEL,
    FAST_EXIT,
    ModelArg,
    OutsideOpt,
    ScenarioOpt,
    SetOpt,
    StrictOpt,
    _guard,
    app,
    bad_option,
)


@app.command()
def solve(
    model: ModelArg = DEFAULT_MODEL,
    solver: Annotated[
        str | None,
        typer.Option(
            "--solver",
            help="A backend of `capplan solvers`: highs (default), scip, cbc, highs-ortools...",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.001, help="Seconds; overrides the model file."),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option(
            "--gap", min=0.0, max=0.999, help="Relative MIP gap to prove; overrides the model file."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run folder (default outputs/<model name>, or the first free -2, -3... suffix).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out folder if it exists.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    report: Annotated[
        bool,
        typer.Option("--report", help="Also write RUN/report.html and RUN/charts/ at the end."),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print summary.json to stdout and nothing else (for scripts)."),
    ] = False,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    allow_outside: OutsideOpt = False,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Also write the built program to this file before solving: free MPS "
            "(.mps) or CPLEX LP (.lp), by suffix; written for infeasible models too.",
        ),
    ] = None,
    start: Annotated[
        Path | None,
        typer.Option(
            "--start",
            help="A run folder whose investments are offered to the solver as a MIP start "
            "(backends with warm_start in capplan solvers; others ignore it).",
        ),
    ] = None,
    strict: StrictOpt = False,
) -> None:
    """Solve a model and write its plan, marginal values and summary to a run folder.

    While it runs, the stages and their seconds are shown on stderr when it is a terminal.

    Example: capplan solve models/base.yaml --solver scip --out outputs/base-scip
    (add --export base.mps to keep the program as an MPS file)
    """
    from capplan.backends import BACKENDS
    from capplan.pipeline import solve as run_solve
    from capplan.terminal import Progress, print_summary, summary_json

    def body() -> None:
        if solver is not None and solver not in BACKENDS:
            raise bad_option("--solver", solver, sorted(BACKENDS))
        made = None
        with Progress(enabled=not (quiet or as_json)) as progress:
            run = run_solve(
                model,
                backend=solver,
                time_limit_s=time_limit,
                mip_gap=gap,
                out=out,
                force=force,
                on_stage=progress.stage,
                scenarios=scenario or [],
                sets=set_ or [],
                allow_outside=allow_outside,
                export=export,
                progress=progress.search,
                start=start,
                strict=strict,
            )
            if report and run.out_dir is not None:
                from capplan.report import write_report  # matplotlib: only when asked

                progress.stage("report", "")
                made = write_report([run.out_dir])
        if not as_json:
            for warning in run.config.warnings:
                typer.echo(f"capplan: warning: {warning}", err=True)
        for note in run.notes:
            typer.echo(f"capplan: note: {note}", err=True)
        if as_json:
            typer.echo(summary_json(run), nl=False)
        elif not quiet:
            print_summary(run)
            if made is not None:
                typer.echo(f"wrote {made.html} (charts in {made.html.parent / 'charts'}/)")
        if int(run.exit_code) != 0:
            unverified = run.result.status == "unverified"  # say why, always (verify.py)
            if quiet or as_json or unverified or not run.result.status.has_solution:
                typer.echo(f"capplan: {run.result.status}: {run.result.message}", err=True)
            for line in run.explanation or ():
                typer.echo(f"capplan: {line}", err=True)
            raise typer.Exit(int(run.exit_code))

    FAST_EXIT.append(True)  # nothing to tear down once the run folder is written
    _guard(body)


@app.command()
def validate(
    model: ModelArg = DEFAULT_MODEL,
    scenario: ScenarioOpt = None,
    set_: SetOpt = None,
    allow_outside: OutsideOpt = False,
    strict: StrictOpt = False,
) -> None:
    """Check a model file (with its scenarios and --set values) and its input tables
    without solving; values outside their plausible range are warnings.

    Example: capplan validate models/base.yaml --scenario nvidia_ban
    """
    from capplan.config.readers import show_path
    from capplan.config.rows import notes as new_row_notes
    from capplan.pipeline import load

    def body() -> None:
        config, tables = load(model, scenario or [], set_ or [], allow_outside, strict)
        for warning in config.warnings:
            typer.echo(f"capplan: warning: {warning}", err=True)
        named = "".join(f" + {name}" for name in config.scenarios)
        typer.echo(
            f"{show_path(config.model_path)}{named}: valid ({len(tables.regions)} regions, "
            f"{len(tables.parts)} parts, "
            f"{len(tables.periods)} periods, {len(tables.campaigns)} campaigns; "
            f"input hash {config.input_hash[:12]})"
        )
        for line in new_row_notes(config.tables):
            typer.echo(f"note: {line}")

    FAST_EXIT.append(True)
    _guard(body)
