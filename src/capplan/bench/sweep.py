"""``capplan bench --suite sweep``: sweep throughput and overhead, measured side by side.

One run solves the same samples of the base case's Monte Carlo (models/sweeps/base_mc.yaml,
the first ``SAMPLES`` samples, relative gap 1e-3) twice, one after the other: in this
process (``--workers 1``, no Dask) and on a local Dask cluster of two worker processes.
It reports

- the throughput ratio, samples per second with 2 workers over 1 (target >= 1.7 on a
  2-core machine), over the whole sweep and over the time the workers were up;
- the share of the sweep's worker time spent outside the solver, 1 - sum(solve seconds)
  / (wall seconds x workers) (target <= 10%), for both runs.

Results go to ``outputs/bench-sweep/`` (results.json, results.md), written atomically.
Timings on a shared machine are noisy: the two runs are measured in one go so that they
see the same machine; docs/benchmarks.md gives medians of repeated runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from capplan.bench.suites import ROOT
from capplan.io import default_run_dir, write_folder

SAMPLES = 12
GAP = 1e-3
MODEL = ROOT / "models" / "base.yaml"
SWEEP = ROOT / "models" / "sweeps" / "base_mc.yaml"


def _one(workers: int, sweep_file: Path, tmp: Path) -> dict[str, Any]:
    from capplan.sweep.run import Settings, sweep

    done = sweep(
        MODEL,
        sweep_file,
        settings=Settings(
            workers=workers, mip_gap=GAP, store=tmp / "runs.duckdb", out=tmp / f"w{workers}"
        ),
    )
    t = done.summary["times"]
    running = t["wall_s"] - t["start_s"]
    return {
        "workers": workers,
        "samples": t["samples_run"],
        "wall_s": t["wall_s"],
        "start_s": t["start_s"],
        "solve_s": t["solve_s"],
        "throughput_per_s": t["samples_run"] / t["wall_s"],
        "throughput_running_per_s": t["samples_run"] / running,
        "outside_solver_share": t["outside_solver_share"],
        "outside_solver_share_running": t["outside_solver_share_running"],
        "samples_csv": (done.folder / "samples.csv").read_bytes().decode(),
    }


def run_sweep_bench(out: Path | None = None, force: bool = False) -> tuple[Path, dict[str, Any]]:
    """Run the suite; return the results folder and the results."""
    target = out or default_run_dir(Path("outputs"), "bench-sweep")
    with tempfile.TemporaryDirectory(prefix="capplan-bench-sweep-") as name:
        tmp = Path(name)
        spec = yaml.safe_load(SWEEP.read_text())
        spec["samples"] = SAMPLES
        sweep_file = tmp / "bench_mc.yaml"
        sweep_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        one, two = _one(1, sweep_file, tmp), _one(2, sweep_file, tmp)
    same = one.pop("samples_csv") == two.pop("samples_csv")
    results = {
        "model": str(MODEL.relative_to(ROOT)),
        "sweep": f"{SWEEP.relative_to(ROOT)} (first {SAMPLES} samples, gap {GAP:g})",
        "runs": [one, two],
        "same_samples_csv": same,
        "throughput_ratio": two["throughput_per_s"] / one["throughput_per_s"],
        "throughput_ratio_running": two["throughput_running_per_s"]
        / one["throughput_running_per_s"],
        "targets": {"throughput_ratio_min": 1.7, "outside_solver_share_max": 0.10},
    }
    folder = write_folder(
        target, {}, force, json_files={"results.json": results}, texts={"results.md": _md(results)}
    )
    return folder, results


def _md(r: dict[str, Any]) -> str:
    lines = [
        "# capplan bench --suite sweep",
        "",
        f"{r['model']}, {r['sweep']}; samples.csv identical: {r['same_samples_csv']}.",
        "",
        "| workers | wall s | start-up s | solve s | samples/s | outside solver |",
        "|---|---|---|---|---|---|",
    ]
    for run in r["runs"]:
        lines.append(
            f"| {run['workers']} | {run['wall_s']:.1f} | {run['start_s']:.1f} | "
            f"{run['solve_s']:.1f} | {run['throughput_per_s']:.3f} | "
            f"{100 * run['outside_solver_share']:.1f}% |"
        )
    lines += [
        "",
        f"Throughput 2 workers / 1: {r['throughput_ratio']:.2f} (whole sweep), "
        f"{r['throughput_ratio_running']:.2f} (after start-up); target >= 1.7.",
        "",
    ]
    return "\n".join(lines)
