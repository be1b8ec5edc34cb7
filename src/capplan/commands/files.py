"""``capplan report``, ``export`` and ``compare``: what a planner reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capplan.cli import (
    DEFAULT_MODEL,
    OutsideOpt,
    SetOpt,
    _guard,
    app,
    bad_option,
)
from capplan.errors import InputError, Problem


@app.command()
def report(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run folder(s) written by capplan solve, or one capplan compare folder.",
            show_default=False,
            metavar="RUN",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for report.html and charts/ (default: the run folder; "
            "required with several runs).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing report.html and charts/.")
    ] = False,
) -> None:
    """Write a self-contained HTML report (charts and tables) of one or more runs.

    One run: RUN/report.html and RUN/charts/*.png.  Several runs: their side-by-side
    comparison followed by each run, into the --out folder.  The page needs no network.

    Example: capplan report outputs/base outputs/no-h20 --out outputs/compare
    """
    from capplan.report import write_report

    def body() -> None:
        made = write_report(runs, out=out, force=force)
        typer.echo(
            f"wrote {made.html} and {len(made.charts)} charts in {made.html.parent / 'charts'}/"
        )

    _guard(body)


@app.command()
def export(
    run: Annotated[
        Path | None,
        typer.Argument(
            help="Run folder written by capplan solve (or a capplan compare folder).",
            show_default=False,
            metavar="RUN",
        ),
    ] = None,
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="Write an Excel workbook (the one format for now).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Workbook file (default RUN/<run folder name>.xlsx)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Instead: write the model's input tables and policy to this .xlsx "
            "workbook, which inputs.dir may name.",
        ),
    ] = None,
    model: Annotated[
        Path, typer.Option("--model", help="Model whose inputs --inputs exports.")
    ] = DEFAULT_MODEL,
) -> None:
    """Export a run folder to Excel: a summary sheet and a sheet per table (a compare
    folder: its "why" paragraphs, then its tables); or, with --inputs, a model's input
    tables as one workbook.

    --xlsx writes one workbook; each sheet holds a table's values as in its CSV file,
    with the units in the column headers.

    Example: capplan export outputs/base --xlsx --out base.xlsx
    """
    from capplan.report import write_xlsx
    from capplan.report.xlsx import write_inputs_xlsx

    def body() -> None:
        if inputs is not None:
            typer.echo(f"wrote {write_inputs_xlsx(model, inputs, force=force)}")
            return
        if run is None:
            raise InputError(
                [Problem("command line", "RUN", "give a run folder (or --inputs FILE.xlsx)")]
            )
        if not xlsx:
            raise InputError(
                [Problem("command line", "--xlsx", "choose a format to export: --xlsx")]
            )
        typer.echo(f"wrote {write_xlsx(run, out=out, force=force)}")

    _guard(body)


@app.command()
def compare(
    plans: Annotated[
        list[str],
        typer.Argument(
            help="Two or more plans, the first the reference: run folders, 'base' (the model "
            "alone), scenario names joined by + (nvidia_ban+demand_surge_sea), or "
            "model/scenario files.",
            show_default=False,
            metavar="PLAN...",
        ),
    ],
    model: Annotated[
        Path, typer.Option("--model", help="Model the scenarios apply to.")
    ] = DEFAULT_MODEL,
    set_: SetOpt = None,
    allow_outside: OutsideOpt = False,
    solver: Annotated[
        str | None,
        typer.Option(
            "--solver",
            help="A backend of `capplan solvers`: highs (default), scip, cbc, highs-ortools...",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.001, help="Seconds per solve; overrides the model."),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option("--gap", min=0.0, max=0.999, help="Relative MIP gap to prove."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder (default outputs/compare-<ref>-vs-<plans>, or -2, -3...)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --out folder if it exists.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Compare plans: KPIs side by side, investment changes, budget shifts, limits that
    moved, and what changed and why.  Scenarios are solved on the fly; run folders are read.

    Writes kpis.csv, investment_changes.csv, budget_shifts.csv, limit_changes.csv,
    compare.md and compare.json into one folder, atomically.

    Example: capplan compare base nvidia_ban outputs/base-scip
    """
    from capplan.backends import BACKENDS
    from capplan.io import check_writable
    from capplan.results.compare.render import terminal
    from capplan.terminal import wrap_prose
    from capplan.whatif import SolveSettings, compare_plans, write_comparison

    def body() -> None:
        if solver is not None and solver not in BACKENDS:
            raise bad_option("--solver", solver, sorted(BACKENDS))
        if out is not None:
            check_writable(out, force)
        settings = SolveSettings(model, solver, time_limit, gap, tuple(set_ or []), allow_outside)
        say = None if quiet else (lambda name: typer.echo(f"plan {name} ...", err=True))
        comparison = compare_plans(plans, settings, say)
        folder = write_comparison(comparison, out, force=force)
        if not quiet:
            typer.echo(wrap_prose(terminal(comparison)))
            typer.echo(f"wrote {folder}/")

    _guard(body)
