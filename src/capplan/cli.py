"""The ``capplan`` command: a thin face over :mod:`capplan.pipeline`.

Exit codes: 0 optimal, 1 feasible but not proven optimal, 2 bad input, 3 infeasible or
unbounded, 4 solver or internal error, 130 interrupted.  No traceback reaches the user
unless CAPPLAN_DEBUG=1 is set.
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
        _fail("interrupted; no output was written", ExitCode.INTERRUPTED)
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
) -> None:
    """Solve a model and write its plan, marginal values and summary to a run folder.

    Example: capplan solve models/base.yaml --solver scip --out outputs/base-scip
    """
    from capplan.backends import BACKENDS
    from capplan.pipeline import solve as run_solve
    from capplan.report_text import summary_text

    def body() -> None:
        if solver is not None and solver not in BACKENDS:
            raise bad_option("--solver", solver, sorted(BACKENDS))
        run = run_solve(
            model, backend=solver, time_limit_s=time_limit, mip_gap=gap, out=out, force=force
        )
        if not quiet:
            typer.echo(summary_text(run))
        if int(run.exit_code) != 0:
            if quiet or not run.result.status.has_solution:
                typer.echo(f"capplan: {run.result.status}: {run.result.message}", err=True)
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
def validate(model: ModelArg = DEFAULT_MODEL) -> None:
    """Check a model file and its input tables without solving.

    Example: capplan validate models/base.yaml
    """
    from capplan.pipeline import load

    def body() -> None:
        config, tables = load(model)
        typer.echo(
            f"{model}: valid ({len(tables.regions)} regions, {len(tables.parts)} parts, "
            f"{len(tables.periods)} periods, {len(tables.campaigns)} campaigns; "
            f"input hash {config.input_hash[:12]})"
        )

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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - between commands
        typer.echo("capplan: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
