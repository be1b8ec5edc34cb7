"""``capplan bench --suite sweep``: sweep throughput and overhead, measured side by side.

One run solves the same samples of the base case's Monte Carlo (models/sweeps/base_mc.yaml,
the first ``SAMPLES`` samples, relative gap 1e-3) twice, one after the other: in this
process (``--workers 1``, no Dask) and on a local Dask cluster of two worker processes.
It reports

- the throughput ratio, samples per second with 2 workers over 1 (target >= 1.7 on a
  2-core machine), over the whole sweep and over the time the workers were up;
- the share of the sweep's worker time spent outside the solver, 1 - sum(solve seconds)
  / (wall seconds x workers) (target <= 10%), for both runs, over the whole sweep and
  after start-up (the local cluster's start);
- per sample, on its worker: the median seconds outside the solver (applying the sample,
  building the program, its figures) and in it, from the sweep's timings.csv;
- the load average before and after (the machine may be shared).

The two are run in interleaved rounds (1 worker, 2 workers, 1, 2, ...; ``--repeat`` rounds,
at most three) so that both see the same machine, and medians are reported; results go
to ``outputs/bench-sweep/`` (results.json, results.md).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from capplan.bench.measures import ROOT, MeasureArgs, Measured

ROUNDS = 3  # interleaved rounds at most (--repeat lowers it)
SAMPLES = 96  # even, so that 2 workers end together; enough that start-up is not the sweep
GAP = 1e-3
MODEL = ROOT / "models" / "base.yaml"
SWEEP = ROOT / "models" / "sweeps" / "base_mc.yaml"


def _one(workers: int, sweep_file: Path, tmp: Path) -> dict[str, Any]:
    from capplan.sweep.run import Settings, sweep

    tmp.mkdir(parents=True, exist_ok=True)
    done = sweep(
        MODEL,
        sweep_file,
        settings=Settings(
            workers=workers, mip_gap=GAP, store=tmp / "runs.duckdb", out=tmp / f"w{workers}"
        ),
    )
    t = done.summary["times"]
    running = t["wall_s"] - t["start_s"]
    timings = pd.read_csv(done.folder / "timings.csv")
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
        "sample_outside_s": float((timings["seconds"] - timings["solve_s"]).median()),
        "sample_solve_s": float(timings["solve_s"].median()),
        "samples_csv": (done.folder / "samples.csv").read_bytes().decode(),
    }


def measure_sweep(args: MeasureArgs) -> Measured:
    """Rounds of (1 worker, 2 workers), interleaved so both see the same machine; medians."""
    rounds = max(1, min(args.repeat, ROUNDS))
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    same = True
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="capplan-bench-sweep-") as name:
        tmp = Path(name)
        spec = yaml.safe_load(SWEEP.read_text())
        spec["samples"] = SAMPLES
        sweep_file = tmp / "bench_mc.yaml"
        sweep_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        for r in range(rounds):
            for workers in (1, 2):
                runs[workers].append(_one(workers, sweep_file, tmp / f"r{r}"))
        csvs = {run.pop("samples_csv") for group in runs.values() for run in group}
        same = len(csvs) == 1
    med = {w: _medians(group) for w, group in runs.items()}
    figures: dict[str, Any] = {
        "model": str(MODEL.relative_to(ROOT)),
        "sweep": f"{SWEEP.relative_to(ROOT)}, first {SAMPLES} samples, gap {GAP:g}",
        "rounds": rounds,
        "runs": runs,
        "median": med,
        "same_samples_csv": same,
        "throughput_ratio": med[2]["throughput_per_s"] / med[1]["throughput_per_s"],
        "throughput_ratio_running": med[2]["throughput_running_per_s"]
        / med[1]["throughput_running_per_s"],
        "targets": {"throughput_ratio_min": 1.7, "outside_solver_share_max": 0.10},
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
        "command": f"capplan bench --suite sweep --repeat {rounds}",
    }
    failures = [] if same else ["samples.csv differs between runs of the same sweep"]
    return Measured(_md(figures), figures, failures)


def _medians(group: list[dict[str, Any]]) -> dict[str, float]:
    keys = [k for k, v in group[0].items() if isinstance(v, int | float)]
    return {k: statistics.median(float(run[k]) for run in group) for k in keys}


def _md(r: dict[str, Any]) -> str:
    load = r["load_average"]
    lines = [
        "# sweep: throughput with 2 Dask workers vs 1, and time outside the solver",
        "",
        f"{r['model']}, {r['sweep']}; medians of {r['rounds']} interleaved rounds "
        f"(`{r['command']}`); samples.csv identical in every run: {r['same_samples_csv']}; "
        f"load average (1 min) {load['before'][0]:.1f} before, {load['after'][0]:.1f} after "
        f"on {os.cpu_count()} cores.",
        "",
        "| workers | wall s | start-up s | solve s | samples/s | outside solver | "
        "outside solver after start-up | per sample: outside solver s | per sample: solve s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for workers, m in r["median"].items():
        lines.append(
            f"| {workers} | {m['wall_s']:.1f} | {m['start_s']:.1f} | {m['solve_s']:.1f} | "
            f"{m['throughput_per_s']:.3f} | {100 * m['outside_solver_share']:.1f}% | "
            f"{100 * m['outside_solver_share_running']:.1f}% | {m['sample_outside_s']:.3f} | "
            f"{m['sample_solve_s']:.2f} |"
        )
    lines += [
        "",
        f"**throughput 2 workers / 1: {r['throughput_ratio']:.2f} (whole sweep), "
        f"{r['throughput_ratio_running']:.2f} (after start-up)**; target >= 1.7.",
        f"**outside the solver: {_pct(r, 1, '')} / {_pct(r, 2, '')} (1 / 2 workers, whole "
        f"sweep), {_pct(r, 1, '_running')} / {_pct(r, 2, '_running')} (after start-up)**; "
        "target <= 10%.",
    ]
    return "\n".join(lines) + "\n"


def _pct(r: dict[str, Any], workers: int, which: str) -> str:
    return f"{100 * r['median'][workers]['outside_solver_share' + which]:.1f}%"
