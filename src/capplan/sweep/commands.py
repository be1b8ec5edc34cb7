"""``capplan sweep``, ``capplan evaluate`` and ``capplan runs``: thin faces over the library.

:func:`register` adds them to the main Typer app (capplan/cli.py) with its error guard.
Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

Guard = Callable[[Callable[[], Any]], Any]

StoreOpt = Annotated[
    Path, typer.Option("--store", help="The run store (DuckDB file).", show_default=True)
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Worker processes of the local Dask cluster (default: one per core); "
        "1 runs in this process without Dask.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Address of an existing Dask scheduler (tcp://host:port)."),
]
GapOpt = Annotated[
    float | None,
    typer.Option("--gap", min=0.0, max=0.999, help="Relative MIP gap per sample."),
]
TimeOpt = Annotated[
    float | None, typer.Option("--time-limit", min=0.001, help="Seconds per sample.")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder to write (default outputs/<name>).")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the --out folder if it exists.")]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Finish the interrupted run of the same inputs and settings."),
]
SolverOpt = Annotated[str | None, typer.Option("--solver", help="Solver backend.")]
CommitOpt = Annotated[
    float,
    typer.Option(
        "--commit-every",
        min=0.0,
        help="Seconds of finished samples per run-store transaction (at most this much "
        "work is lost to a kill).",
    ),
]
DEFAULT_STORE = Path("outputs/runs.duckdb")


def _interruptible(guard: Guard, body: Callable[[], None]) -> None:
    """``guard(body)``, but an interrupted sweep ends the process at once with code 130
    after its message: HiGHS may still be stopping in its own thread, and its thread pool,
    torn down by a normal interpreter exit, aborts the process (see capplan.cli)."""
    from capplan.errors import ExitCode

    def run() -> None:
        from capplan.sweep.run import SweepInterrupted

        try:
            body()
        except SweepInterrupted as exc:
            typer.echo(f"capplan: {exc}", err=True)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(int(ExitCode.INTERRUPTED))

    guard(run)


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rsamples {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def register(app: typer.Typer, guard: Guard) -> None:
    """Add ``sweep``, ``evaluate`` and the ``runs`` group to ``app``."""
    _sweep_command(app, guard)
    _evaluate_command(app, guard)
    app.add_typer(_runs_app(guard), name="runs")


def _sweep_command(app: typer.Typer, guard: Guard) -> None:
    @app.command()
    def sweep(
        model: Annotated[Path, typer.Argument(help="Model file (YAML).")],
        file: Annotated[Path, typer.Argument(help="Sweep file (models/sweeps/*.yaml).")],
        method: Annotated[
            str | None,
            typer.Option(
                "--method", help="monte_carlo, one_at_a_time or grid (overrides the file)."
            ),
        ] = None,
        scenario: Annotated[
            list[str] | None, typer.Option("--scenario", "-s", help="Scenario applied first.")
        ] = None,
        workers: WorkersOpt = None,
        scheduler: SchedulerOpt = None,
        solver: SolverOpt = None,
        gap: GapOpt = None,
        time_limit: TimeOpt = None,
        out: OutOpt = None,
        force: ForceOpt = False,
        resume: ResumeOpt = False,
        store: StoreOpt = DEFAULT_STORE,
        commit_every: CommitOpt = 2.0,
    ) -> None:
        """Solve every sample of a sweep file and write a sweep folder.

        samples.csv (one row per sample), sample_periods.csv, npv_distribution.csv,
        tornado.csv (one_at_a_time), fan_capex.csv, fan_fleet.csv and summary.json; every
        sample is also recorded in the run store.  See docs/sweeps.md.

        Example: capplan sweep models/base.yaml models/sweeps/base_mc.yaml --workers 2
        """
        from capplan.sweep.run import sweep as run_sweep

        def body() -> None:
            settings = _settings(
                solver, time_limit, gap, workers, scheduler, store, out, force, resume, commit_every
            )
            done = run_sweep(
                model, file, method=method, scenarios=tuple(scenario or ()), settings=settings
            )
            _echo_done(done)

        _interruptible(guard, body)


def _evaluate_command(app: typer.Typer, guard: Guard) -> None:
    @app.command()
    def evaluate(
        run: Annotated[Path, typer.Argument(help="Run folder of capplan solve or capplan hedge.")],
        sweep_file: Annotated[Path, typer.Option("--sweep", help="Sweep file of the futures.")],
        model: Annotated[
            Path | None, typer.Option("--model", help="Model file (default models/<run's model>).")
        ] = None,
        workers: WorkersOpt = None,
        scheduler: SchedulerOpt = None,
        solver: SolverOpt = None,
        gap: GapOpt = None,
        time_limit: TimeOpt = None,
        out: OutOpt = None,
        force: ForceOpt = False,
        resume: ResumeOpt = False,
        store: StoreOpt = DEFAULT_STORE,
        commit_every: CommitOpt = 2.0,
        against: Annotated[
            Path | None,
            typer.Option(
                "--against",
                help="Folder of an evaluation of another plan over the same futures: also "
                "say which plan holds up better, pair by pair, with a 95% interval, and "
                "reuse its free (perfect-foresight) solves when their inputs and settings "
                "match.",
            ),
        ] = None,
    ) -> None:
        """Test a plan out of sample: fix its first-period decisions in each sampled future.

        Re-optimises the rest, also solves each future free (perfect foresight), and
        writes the NPV distribution, CVaR, regret and the Mak-Morton-Wood gap estimate
        (docs/sweeps.md).

        Example: capplan evaluate outputs/base --sweep models/sweeps/outlook_mc.yaml
        """
        from capplan.sweep.evaluate import evaluate as run_evaluate

        def body() -> None:
            settings = _settings(
                solver, time_limit, gap, workers, scheduler, store, out, force, resume, commit_every
            )
            done = run_evaluate(run, sweep_file, model, settings=settings, against=against)
            _echo_done(done)
            paired = done.summary.get("paired") or {}
            if paired.get("verdict") or paired.get("reason"):
                typer.echo(paired.get("verdict") or paired.get("reason"))

        _interruptible(guard, body)


def _settings(
    solver: str | None,
    time_limit: float | None,
    gap: float | None,
    workers: int | None,
    scheduler: str | None,
    store: Path,
    out: Path | None,
    force: bool,
    resume: bool,
    commit_every: float,
) -> Any:
    """The run settings of ``capplan sweep`` and ``capplan evaluate`` (one place)."""
    from capplan.sweep.run import Settings

    return Settings(
        backend=solver,
        time_limit_s=time_limit,
        mip_gap=gap,
        workers=workers,
        scheduler=scheduler,
        store=store,
        out=out,
        force=force,
        resume=resume,
        commit_every_s=commit_every,
        on_progress=_progress(),
    )


def _echo_done(done: Any) -> None:
    s = done.summary
    npv = s.get("npv", {})
    counts = ", ".join(f"{k} {v}" for k, v in s.get("status_counts", {}).items())
    typer.echo(f"{s['kind']} {done.run_id}: {s['samples']} samples ({counts})")
    if npv.get("count"):
        typer.echo(
            f"NPV RMB m: mean {npv['mean']:,.0f}, P10 {npv['p10']:,.0f}, P50 {npv['p50']:,.0f}, "
            f"P90 {npv['p90']:,.0f}"
        )
    typer.echo(f"wrote {done.folder}/")


def _runs_app(guard: Guard) -> typer.Typer:
    runs = typer.Typer(
        help="Find and compare past runs in the run store (outputs/runs.duckdb).\n\n"
        "Example: capplan runs list",
        no_args_is_help=True,
        rich_markup_mode=None,
    )

    @runs.command("list")
    def list_(
        store: StoreOpt = DEFAULT_STORE,
        kind: Annotated[
            str | None, typer.Option("--kind", help="solve, hedge, sweep or evaluation.")
        ] = None,
    ) -> None:
        """List the runs, newest first.

        Example: capplan runs list --kind sweep
        """
        from capplan.sweep.runs import list_runs

        guard(lambda: typer.echo(list_runs(store, kind)))

    @runs.command()
    def show(
        run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
        store: StoreOpt = DEFAULT_STORE,
    ) -> None:
        """Show one run: settings, KPIs, tables and samples.

        Example: capplan runs show sweep-1a2b
        """
        from capplan.sweep.runs import show_run

        guard(lambda: typer.echo(show_run(store, run_id)))

    @runs.command()
    def diff(
        a: Annotated[str, typer.Argument(help="Run id.")],
        b: Annotated[str, typer.Argument(help="Run id.")],
        store: StoreOpt = DEFAULT_STORE,
    ) -> None:
        """What differs between two runs.

        Example: capplan runs diff solve-1a2b solve-3c4d
        """
        from capplan.sweep.runs import diff_runs

        guard(lambda: typer.echo(diff_runs(store, a, b)))

    @runs.command()
    def sql(
        query: Annotated[str, typer.Argument(help="A SQL query (read-only).")],
        store: StoreOpt = DEFAULT_STORE,
    ) -> None:
        """Run a read-only SQL query on the store.

        Example: capplan runs sql "SELECT status, count(*) FROM samples GROUP BY status"
        """
        from capplan.sweep.runs import run_sql

        guard(lambda: typer.echo(run_sql(store, query)))

    return runs
