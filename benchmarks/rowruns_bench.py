"""Build with and without model/rowruns.py's fast paths, side by side, alternated.

The figures in docs/benchmarks.md ("Row-order fast paths: measured, removed").  The fast
paths were deleted after this measurement: run it with capplan installed from commit
6c2c01c (where the figures were measured; any commit up to e65417e has the module), e.g.
    git worktree add /tmp/rr 6c2c01c && PYTHONPATH=/tmp/rr/src python rowruns_bench.py OUT 11

Times per instance (medians of REPEAT, wall clock; cpu = process time of both threads):
load (model file -> tables), build (tables -> LinearProgram, fast and plain), and the
fill of the finished program into HiGHS (highspy passModel) and OR-Tools (build_helper).
usage: python rowruns_bench.py OUT_DIR [REPEAT]
"""

import statistics
import sys
import time
from functools import partial
from pathlib import Path

import highspy
import numpy as np

from capplan.backends.ortools_backend import build_helper
from capplan.generate import Spec, generate_folder
from capplan.model import rowruns
from capplan.model.build import build_model
from capplan.pipeline import load

SPECS = [  # from the scale suite (capplan.bench.suites.scale)
    Spec(seed=1, regions=40, parts=16, periods=36, period_length="month", zones=6, campaigns=20),
    Spec(seed=6, regions=60, parts=20, periods=48, period_length="month", zones=6, campaigns=10),
]
NAMES = ("power_runs", "compute_pods_runs", "campaign_runs")
ORIG = {n: getattr(rowruns, n) for n in NAMES}


def switch(on):
    for n in NAMES:
        setattr(rowruns, n, ORIG[n] if on else (lambda *a: False))


def highs_fill(lp):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(
        lp.num_vars,
        lp.num_rows,
        lp.num_nonzeros,
        2,
        -1 if lp.maximize else 1,
        lp.c0,
        lp.c,
        lp.col_lb,
        lp.col_ub,
        lp.row_lb,
        lp.row_ub,
        lp.A.indptr.astype(np.int32),
        lp.A.indices.astype(np.int32),
        lp.A.data,
        lp.integer.astype(np.int32),
    )
    return h


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


out = Path(sys.argv[1])
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 9
for i, spec in enumerate(SPECS):
    folder = out / f"s{i}"
    if not folder.exists():
        generate_folder(spec, folder)
    t = {k: [] for k in ("load", "fast", "plain", "fast_cpu", "plain_cpu", "highs", "ortools")}
    for _ in range(repeat):
        (_, tables), w, _c = timed(partial(load, folder / "model.yaml", allow_outside=True))
        t["load"].append(w)
        for on in (True, False):
            switch(on)
            model, w, c = timed(partial(build_model, tables))
            t["fast" if on else "plain"].append(w)
            t["fast_cpu" if on else "plain_cpu"].append(c)
        switch(True)
        lp = model.lp
        t["highs"].append(timed(partial(highs_fill, lp))[1])
        t["ortools"].append(timed(partial(build_helper, lp))[1])
    m = {k: statistics.median(v) for k, v in t.items()}
    saved = m["plain"] - m["fast"]
    print(
        f"{spec.regions}x{spec.parts}x{spec.periods} nonzeros={lp.num_nonzeros:,} "
        + " ".join(f"{k}={v:.3f}s" for k, v in m.items())
        + f" | saved={saved:.3f}s = {saved / m['plain']:.0%} of plain build, "
        f"{(m['plain_cpu'] - m['fast_cpu']) / m['plain_cpu']:.0%} of its cpu, "
        f"{saved / (m['plain'] + m['highs']):.0%} of build+HiGHS fill, "
        f"{saved / (m['plain'] + m['ortools']):.0%} of build+OR-Tools fill, "
        f"{saved / (m['load'] + m['plain'] + m['highs']):.0%} of load+build+HiGHS fill",
        flush=True,
    )
