"""The ``capplan hedge`` command body (registered in :mod:`capplan.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def hedge_command(
    model: Annotated[
        Path | None,
        typer.Argument(help="Model file (YAML); leave out with --mps-dir.", show_default=False),
    ] = None,
    futures: Annotated[
        str | None,
        typer.Option(
            "--futures",
            "-f",
            help="Futures file, or a name in models/futures/ beside the model (docs/hedge.md).",
        ),
    ] = None,
    mps_dir: Annotated[
        Path | None,
        typer.Option("--mps-dir", help="Hedge a program in mpi-sppy's MPS-directory format."),
    ] = None,
    export_mps_dir: Annotated[
        Path | None,
        typer.Option("--export-mps-dir", help="Also write the futures as an MPS directory."),
    ] = None,
    solver: Annotated[str | None, typer.Option("--solver", help="Solver backend.")] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.001, help="Seconds per solve.")
    ] = None,
    gap: Annotated[
        float | None, typer.Option("--gap", min=0.0, max=0.999, help="Relative MIP gap.")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="Solver threads.")] = None,
    cvar_weight: Annotated[
        float | None,
        typer.Option("--cvar-weight", min=0.0, max=1.0, help="Overrides the futures file's."),
    ] = None,
    cvar_alpha: Annotated[
        float | None,
        typer.Option("--cvar-alpha", min=0.0, max=0.999999, help="Overrides the futures file's."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Run folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """One plan that is best across uncertain futures: what to commit now, each future's
    plan, the NPV distribution and the value of information (VSS, EVPI).

    Example: capplan hedge models/base.yaml --futures export_control
    (or: capplan hedge --mps-dir tests/data/farmer/min --out outputs/farmer)
    """
    from capplan.cli import _guard, bad_option
    from capplan.errors import InputError, Problem

    def body() -> None:
        from capplan.backends import BACKENDS
        from capplan.hedge.program import Risk
        from capplan.hedge.run import hedge, hedge_mps_dir
        from capplan.terminal import Progress

        if solver is not None and solver not in BACKENDS:
            raise bad_option("--solver", solver, sorted(BACKENDS))
        if (mps_dir is None) == (model is None or futures is None):
            raise InputError(
                [
                    Problem(
                        "command line",
                        "MODEL --futures / --mps-dir",
                        "expected a model with --futures, or --mps-dir alone",
                    )
                ]
            )
        risk = None
        if cvar_weight is not None or cvar_alpha is not None:
            risk = Risk(cvar_alpha if cvar_alpha is not None else 0.95, cvar_weight or 0.0)
        with Progress(enabled=not quiet) as progress:
            if mps_dir is not None:
                run = hedge_mps_dir(
                    mps_dir,
                    backend=solver or "highs",
                    time_limit_s=time_limit,
                    mip_gap=gap if gap is not None else 1e-6,
                    threads=threads or 1,
                    risk=risk,
                    out=out or Path("outputs") / f"hedge-{mps_dir.name}",
                    force=force,
                    export_mps_dir=export_mps_dir,
                    on_stage=progress.stage,
                )
            else:
                assert model is not None and futures is not None
                run = hedge(
                    model,
                    futures,
                    backend=solver,
                    time_limit_s=time_limit,
                    mip_gap=gap,
                    threads=threads,
                    risk=risk,
                    out=out,
                    force=force,
                    export_mps_dir=export_mps_dir,
                    on_stage=progress.stage,
                )
        if not quiet:
            _print(run.summary, run.out_dir)
        if int(run.exit_code) != 0:
            typer.echo(f"capplan: hedge: {run.result.rp.status}", err=True)
            raise typer.Exit(int(run.exit_code))

    _guard(body)


def _print(summary: dict[str, object], out_dir: Path | None) -> None:
    voi = summary["value_of_information"]
    assert isinstance(voi, dict)
    typer.echo(f"hedge: {summary['status']}, {len(summary['futures'])} futures")  # type: ignore[arg-type]
    for key in ("RP", "WS", "EV", "EEV", "EVPI", "VSS"):
        item = voi[key]
        value, bracket = item.get("value"), item.get("bracket")
        shown = "n/a" if value is None else f"{value:,.2f}"
        within = "" if not bracket else f"  [{bracket[0]:,.2f}, {bracket[1]:,.2f}]"
        typer.echo(f"  {key:<4} {shown}{within}")
    if out_dir is not None:
        typer.echo(f"wrote {out_dir}/")
