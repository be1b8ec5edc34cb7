"""``capplan schema``, ``solvers`` and ``generate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from capplan.cli import (
    _guard,
    app,
    bad_option,
)


@app.command()
def schema(
    kind: Annotated[
        str, typer.Argument(help="model, scenario, policy, sweep or futures.", show_default=True)
    ] = "model",
) -> None:
    """Print the JSON Schema of a model, scenario or policy file (for editors).

    Example: capplan schema scenario > scenario.schema.json
    """
    import json

    from capplan.config.schema import json_schema

    def body() -> None:
        if kind == "sweep":  # models/sweeps/*.yaml (capplan.config.sweeps)
            from capplan.config.sweeps import SweepFile

            typer.echo(json.dumps(SweepFile.model_json_schema(), indent=2, sort_keys=True))
            return
        if kind == "futures":  # models/futures/*.yaml (capplan.config.futures, docs/hedge.md)
            from capplan.config.futures import json_schema as futures_schema

            typer.echo(json.dumps(futures_schema(), indent=2, sort_keys=True))
            return
        if kind not in ("model", "scenario", "policy"):
            raise bad_option("KIND", kind, ["model", "scenario", "policy", "sweep", "futures"])
        typer.echo(json.dumps(json_schema(kind), indent=2, sort_keys=True))  # type: ignore[arg-type]

    _guard(body)


@app.command()
def solvers() -> None:
    """List the solver backends, whether they are usable here and what each can do:
    MIP, LP duals, a best bound, its plan at a time limit, a MIP start, Ctrl-C at once,
    progress during the solve.

    Example: capplan solvers
    """
    from capplan.backends import backend_table

    def body() -> None:
        rows = backend_table()
        flags = ["available", "mip", "duals", "bound", "incumbent_at_limit", "warm_start",
                 "interrupt", "progress"]  # fmt: skip
        heads = ["name", "family", *flags]
        table = [[str(r["name"]), str(r["family"])] + ["yes" if r[f] else "no" for f in flags]
                 for r in rows]  # fmt: skip
        widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(heads)]
        for row in [heads, *table]:
            typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())

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
