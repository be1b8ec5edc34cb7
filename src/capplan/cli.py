"""The ``capplan`` command: a thin face over :mod:`capplan.pipeline`.

Exit codes: 0 optimal, 1 feasible but not proven optimal, 2 bad input, 3 infeasible or
unbounded, 4 solver or internal error, 5 a benchmark check failed, 130 interrupted.  No
traceback reaches the user unless CAPPLAN_DEBUG=1 is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from capplan import __version__
from capplan.errors import CapplanError, ExitCode, InputError, Problem

app = typer.Typer(
    name="capplan",
    help="Plan cloud capacity and capital spending: regions, accelerators and training, "
    "period by period, as a mixed-integer program.\n\nExample: capplan solve models/base.yaml",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEFAULT_MODEL = Path("models/base.yaml")
ModelArg = Annotated[Path, typer.Argument(help="Model file (YAML).", show_default=True)]
ScenarioOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        help="Scenario name (models/scenarios/<name>.yaml beside the model) or file; "
        "repeat to compose them, applied in order (docs/scenarios.md).",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="key.path=value: change one setting of the model file (policy.<key> for "
        "policy.yaml); the value is read as YAML; applied after the scenarios.",
    ),
]
OutsideOpt = Annotated[
    bool,
    typer.Option("--allow-outside", help="Let extends: and input paths leave the project folder."),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Values outside their plausible range are errors (exit 2), not warnings."
    ),
]


def _fail(message: str, code: ExitCode) -> NoReturn:
    typer.echo(f"capplan: {message}", err=True)
    raise typer.Exit(int(code))


def _guard(fn: Callable[[], Any]) -> Any:
    """Run a command body; turn every failure into one message and a documented code."""
    try:
        return fn()
    except CapplanError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; no partly written output was left", ExitCode.INTERRUPTED)
    except typer.Exit:
        raise
    except Exception as exc:
        if os.environ.get("CAPPLAN_DEBUG"):
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc} (set CAPPLAN_DEBUG=1 for the traceback)",
            ExitCode.SOLVER_ERROR,
        )


def _version(value: bool) -> None:
    if value:
        typer.echo(f"capplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Plan cloud capacity and capital spending."""


@app.command()
def solve(
    model: ModelArg = DEFAULT_MODEL,
    solver: Annotated[
        str | None, typer.Option("--solver", help="highs (default), scip or cbc.")
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
    strict: StrictOpt = False,
) -> None:
    """Solve a model and write its plan, marginal values and summary to a run folder.

    While it runs, the stages and their seconds are shown on stderr when it is a terminal.

    Example: capplan solve models/base.yaml --solver scip --out outputs/base-scip
    (add --export base.mps to keep the program as an MPS file)
    """
    from capplan.backends import BACKENDS
    from capplan.pipeline import solve as run_solve
    from capplan.report import write_report
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
                strict=strict,
            )
            if report and run.out_dir is not None:
                progress.stage("report", "")
                made = write_report([run.out_dir])
        if not as_json:
            for warning in run.config.warnings:
                typer.echo(f"capplan: warning: {warning}", err=True)
        if as_json:
            typer.echo(summary_json(run), nl=False)
        elif not quiet:
            print_summary(run)
            if made is not None:
                typer.echo(f"wrote {made.html} (charts in {made.html.parent / 'charts'}/)")
        if int(run.exit_code) != 0:
            if quiet or as_json or not run.result.status.has_solution:
                typer.echo(f"capplan: {run.result.status}: {run.result.message}", err=True)
            for line in run.explanation.lines() if run.explanation else []:
                typer.echo(f"capplan: {line}", err=True)
            raise typer.Exit(int(run.exit_code))

    _guard(body)


def bad_option(option: str, value: str, known: list[str]) -> InputError:
    """An unknown option value, reported like any other bad input (exit code 2)."""
    return InputError(
        [
            Problem(
                "command line",
                option,
                f"unknown value {value!r}; expected one of {', '.join(known)}",
            )
        ]
    )


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

    _guard(body)


@app.command()
def report(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run folder(s) written by capplan solve.", show_default=False, metavar="RUN"
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
            help="Run folder written by capplan solve.", show_default=False, metavar="RUN"
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
    """Export a run folder to Excel: a summary sheet and a sheet per table; or, with
    --inputs, a model's input tables as one workbook.

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
        str | None, typer.Option("--solver", help="highs (default), scip or cbc.")
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
            typer.echo(terminal(comparison))
            typer.echo(f"wrote {folder}/")

    _guard(body)


@app.command()
def schema(
    kind: Annotated[
        str, typer.Argument(help="model, scenario or policy.", show_default=True)
    ] = "model",
) -> None:
    """Print the JSON Schema of a model, scenario or policy file (for editors).

    Example: capplan schema scenario > scenario.schema.json
    """
    import json

    from capplan.config.schema import json_schema

    def body() -> None:
        if kind not in ("model", "scenario", "policy"):
            raise bad_option("KIND", kind, ["model", "scenario", "policy"])
        typer.echo(json.dumps(json_schema(kind), indent=2, sort_keys=True))  # type: ignore[arg-type]

    _guard(body)


@app.command()
def solvers() -> None:
    """List the solver backends and whether they are usable here.

    Example: capplan solvers
    """
    from capplan.backends import backend_table

    def body() -> None:
        rows = backend_table()
        typer.echo(f"{'name':<8} {'family':<8} {'available':<10} {'mip':<5} {'duals':<6}")
        for r in rows:
            typer.echo(
                f"{r['name']:<8} {r['family']:<8} {'yes' if r['available'] else 'no':<10} "
                f"{'yes' if r['mip'] else 'no':<5} {'yes' if r['duals'] else 'no':<6}"
            )

    _guard(body)


@app.command()
def generate(
    out_dir: Annotated[
        Path, typer.Argument(help="Folder to write (model.yaml and inputs/).", show_default=False)
    ],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 0,
    regions: Annotated[int, typer.Option("--regions", help="Number of regions.")] = 10,
    parts: Annotated[int, typer.Option("--parts", help="Number of accelerator parts.")] = 8,
    periods: Annotated[int, typer.Option("--periods", help="Number of periods.")] = 3,
    period_length: Annotated[
        str, typer.Option("--period-length", help="year, quarter or month.")
    ] = "year",
    zones: Annotated[
        int, typer.Option("--zones", help="Data-residency zones (the first is China).")
    ] = 3,
    campaigns: Annotated[int, typer.Option("--campaigns", help="Training campaigns.")] = 3,
    policies: Annotated[
        bool,
        typer.Option(
            "--policies/--no-policies",
            help="Add a domestic-share floor for China and a foreign-vendor cap.",
        ),
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Model name (default: from the settings).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT_DIR if it exists.")] = False,
) -> None:
    """Write a synthetic, feasible model folder of any size from a seed.

    The folder has the layout of models/base.yaml with inputs/ (model.yaml, seven CSV
    tables, policy.yaml); the same settings always give byte-identical files.

    Example: capplan generate outputs/gen --seed 1 --regions 40 --parts 16 --periods 36
    --period-length month --zones 6 --campaigns 20
    """
    from capplan.generate import PERIOD_YEARS, Spec, generate_folder

    def body() -> None:
        if period_length not in PERIOD_YEARS:
            raise bad_option("--period-length", period_length, list(PERIOD_YEARS))
        spec = Spec(
            seed=seed,
            regions=regions,
            parts=parts,
            periods=periods,
            period_length=period_length,  # type: ignore[arg-type]
            zones=zones,
            campaigns=campaigns,
            policies=policies,
            name=name,
        )
        made = generate_folder(spec, out_dir, force=force)
        typer.echo(
            f"wrote {out_dir}/model.yaml and inputs/ ({spec.model_name}: "
            f"{made.required_campaigns} required and {made.penalised_campaigns} penalised "
            "campaigns)"
        )

    _guard(body)


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
            "--suite", help="A named set of instances and settings: ci, scale or overhead."
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
) -> None:
    """Benchmark instances x solver backends; check every answer.

    Each run is a fresh process that records load, build, solve, extract and write times,
    peak memory, status, objective, bound and gap.  Backends must agree on each model;
    MPS files (read with capplan's own reader) must give their published results.
    Writes results.csv, reference.csv, results.json and results.md (docs/benchmarks.md).
    Exit code 5 when a check fails.

    Example: capplan bench --mps tests/data/instances --solu
    tests/data/instances/instances.solu --backend highs --backend scip
    """
    from capplan.bench.cli import bench_settings
    from capplan.bench.run import run_bench

    def body() -> None:
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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - between commands
        typer.echo("capplan: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
