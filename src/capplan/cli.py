"""The ``capplan`` command: a thin face over the library (:mod:`capplan.library`,
:mod:`capplan.pipeline`); the commands are in :mod:`capplan.commands`.

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
        _interrupted()
    except typer.Exit:
        raise
    except BrokenPipeError:  # the reader went away (capplan solvers | head -1): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # drop what is left
        raise typer.Exit(0) from None
    except Exception as exc:
        if os.environ.get("CAPPLAN_DEBUG"):
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc} (set CAPPLAN_DEBUG=1 for the traceback)",
            ExitCode.SOLVER_ERROR,
        )


def _interrupted() -> NoReturn:
    """Ctrl-C: exit 130 with nothing written.

    After a HiGHS solve was interrupted the process ends at once (``os._exit``): HiGHS may
    still be stopping in its own thread (it checks its interrupt flag only between steps),
    and its thread pool, torn down by a normal interpreter exit, aborts the process
    ("terminate called without an active exception").  Nothing is left to clean up: a run
    folder is only written after the solve.
    """
    message = "interrupted; no partly written output was left"
    if "highspy" in sys.modules:
        typer.echo(f"capplan: {message}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(ExitCode.INTERRUPTED))
    _fail(message, ExitCode.INTERRUPTED)


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


# Set by a command whose process may end without Python's module teardown once its work
# is done and its output flushed (``capplan solve``, ``validate``): with pandas, SciPy and
# HiGHS loaded, the teardown alone takes about 0.2 s (docs/benchmarks.md, "engine").
# Only the console entry point acts on it; in-process callers (tests, notebooks) never do.
FAST_EXIT: list[bool] = []


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - between commands
        typer.echo("capplan: interrupted", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except SystemExit as exc:
        if FAST_EXIT:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise


# The commands register themselves on ``app`` when imported, in this order (the order of
# ``capplan --help`` and docs/cli.md).
from capplan.commands import run, files, tools, bench  # noqa: E402, F401, I001
from capplan.sweep.commands import register as _register_sweeps  # noqa: E402

_register_sweeps(app, _guard)  # capplan sweep, evaluate, runs (docs/sweeps.md)

from capplan.hedge.cli import hedge_command  # noqa: E402  (capplan hedge, docs/hedge.md)

app.command("hedge")(hedge_command)

if __name__ == "__main__":  # python -m capplan.cli: run the module the commands are on
    from capplan.cli import main as entry

    entry()
