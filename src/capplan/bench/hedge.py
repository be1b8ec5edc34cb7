"""``capplan bench --suite hedge``: the hedged plan of the base case at 10, 50 and 200
futures (docs/benchmarks.md, "Hedge").

The futures are drawn from models/futures/combined.yaml: N independent draws of one
outcome per factor (each with its outcome probabilities, seed 0), each future of
probability 1/N, written as an explicit futures list.  Each size runs in a fresh Python
process (so that its peak memory is its own) that builds the futures and solves the
hedged plan (the deterministic equivalent, from its relax-and-fix first plan:
:mod:`capplan.hedge.start`) with HiGHS, one thread, gap 1e-4 and a time limit of 300 s
for both; WS, EV and EEV are not solved (they are N + 2 more solves).  Recorded:
status, gap, build and solve seconds, peak resident memory, the program's size.
The target (issue 9): 50 futures reach gap 1e-4 within 300 s under 2 GB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from capplan.errors import ExitCode
from capplan.io import default_run_dir, write_folder

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "models" / "base.yaml"
SOURCE = ROOT / "models" / "futures" / "combined.yaml"
SIZES = (10, 50, 200)
TARGET = {"futures": 50, "gap": 1e-4, "seconds": 300.0, "peak_mb": 2048.0}


def sampled_futures(source: Path, n: int, seed: int = 0) -> dict[str, Any]:
    """A futures file of ``n`` futures drawn from ``source``'s outcome probabilities."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    factors = data["factors"]
    picks: dict[str, list[str]] = {}
    for name, factor in factors.items():
        outcomes = list(factor["outcomes"])
        probs = np.array([factor["outcomes"][o]["probability"] for o in outcomes], dtype=float)
        picks[name] = [
            outcomes[i] for i in rng.choice(len(outcomes), size=n, p=probs / probs.sum())
        ]
        for outcome in factor["outcomes"].values():
            outcome.pop("probability", None)
    data["futures"] = [
        {
            "name": f"s{i:03d}",
            "probability": 1.0 / n,
            "outcomes": {name: picks[name][i] for name in factors},
        }
        for i in range(n)
    ]
    # 1/n does not always sum to exactly 1 in floating point: put the rest on the last
    data["futures"][-1]["probability"] = 1.0 - (n - 1) * (1.0 / n)
    data["description"] = f"{n} futures sampled from {source.name} (seed {seed})"
    return data


def worker(futures_file: str, time_limit_s: float, gap: float) -> dict[str, Any]:
    """One size, in this process: build, solve RP, report (called in a fresh process)."""
    from capplan.hedge.run import hedge

    t0 = time.perf_counter()
    run = hedge(
        MODEL,
        futures_file,
        time_limit_s=time_limit_s,
        mip_gap=gap,
        threads=1,
        write=False,
        values=False,
    )
    total = time.perf_counter() - t0
    rp = run.result.rp
    return {
        "status": rp.status,
        "objective_rmb_m": run.summary["objective"],
        "gap": rp.gap,
        "build_s": run.summary["times"]["build_s"],
        "solve_s": round(rp.seconds, 3),
        "total_s": round(total, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),  # the machine is shared: how busy it was
        "cpu_s": round(_cpu_s(), 1),  # this process's CPU seconds (all of it, build included)
        **run.summary["size"],
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return float(usage.ru_utime + usage.ru_stime)


def run_hedge_bench(
    out: Path | None,
    force: bool,
    time_limit_s: float | None,
    gap: float | None,
    sizes: tuple[int, ...] = SIZES,
) -> int:
    """Run the suite; write results.csv, results.json, results.md; return the exit code."""
    limit = time_limit_s if time_limit_s is not None else TARGET["seconds"]
    want_gap = gap if gap is not None else TARGET["gap"]
    folder = out if out is not None else default_run_dir(Path("outputs"), "bench-hedge")
    rows = []
    scratch = folder.parent / f".{folder.name}.futures"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            path = scratch / f"futures-{n}.yaml"
            path.write_text(yaml.safe_dump(sampled_futures(SOURCE, n), sort_keys=False))
            code = (
                f"import json; from capplan.bench.hedge import worker; "
                f"print(json.dumps(worker({str(path)!r}, {limit!r}, {want_gap!r})))"
            )
            print(f"hedge bench: {n} futures ...", file=sys.stderr, flush=True)
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                rows.append({"futures": n, "status": f"error: {done.stderr.strip()[-300:]}"})
                continue
            rows.append({"futures": n, **json.loads(done.stdout.strip().splitlines()[-1])})
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        for p in scratch.glob("*.yaml"):
            p.unlink()
        scratch.rmdir()
    table = pd.DataFrame(rows)
    verdict = _verdict(rows, limit, want_gap)
    results = {
        "target": TARGET,
        "time_limit_s": limit,
        "gap": want_gap,
        "rows": rows,
        "verdict": verdict,
    }
    write_folder(
        folder,
        {"results": table},
        force,
        json_files={"results.json": results},
        texts={"results.md": _markdown(table) + f"\n{verdict}\n"},
    )
    print(f"wrote {folder}/results.md, results.csv, results.json\n{verdict}")
    return int(ExitCode.OPTIMAL if verdict.startswith("target met") else ExitCode.CHECK_FAILED)


def _markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _verdict(rows: list[dict[str, Any]], limit: float, gap: float) -> str:
    row = next((r for r in rows if r.get("futures") == TARGET["futures"]), None)
    if row is None:
        return "target not measured (no 50-future run)"
    ok = (
        row.get("gap") is not None
        and row["gap"] <= gap + 1e-12
        and row.get("solve_s", np.inf) <= limit
        and row.get("peak_mb", np.inf) <= TARGET["peak_mb"]
    )
    what = (
        f"50 futures: status {row.get('status')}, gap {row.get('gap')}, "
        f"solve {row.get('solve_s')} s, peak {row.get('peak_mb')} MB"
    )
    return ("target met: " if ok else "target missed: ") + what
