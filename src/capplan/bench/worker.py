"""One benchmark task, run in a fresh Python process: ``python -m capplan.bench.worker IN OUT``.

``IN`` is a JSON task, ``OUT`` the JSON result this writes.  Each task runs in its own
process so that its peak memory is its own: ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
is the high-water mark of this process's resident memory (interpreter, imports and data
included), read at the stages named in the result; ``RUSAGE_CHILDREN`` adds the solver's
own process where a backend runs one (CBC).  Times are wall-clock ``perf_counter``
seconds; imports happen before any clock starts.

Tasks:

* ``model`` -- ``capplan.pipeline.solve`` on a model file, exactly as ``capplan solve``
  runs it (the run folder goes to a scratch folder), with the stage times it records.
* ``mps`` -- an MPS file read with :func:`capplan.mps.read_mps` and solved by a backend.
* ``reference`` -- the build comparison: capplan's build (tables -> program -> filled
  OR-Tools model) and the lower bound (:func:`~capplan.bench.reference.fill_lower_bound`),
  alternated ``repeat`` times in this one process.
* ``pulp`` -- the model written with the PuLP object API
  (:func:`~capplan.bench.reference.build_pulp`), and solved with CBC when asked.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

MB = 1024.0  # ru_maxrss is in KiB on Linux


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


def children_peak_rss_mb() -> float:
    """The largest peak resident memory of any finished child process (a solver), MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / MB


def _options(task: dict[str, Any]) -> Any:
    from capplan.backends.base import SolveOptions

    return SolveOptions(time_limit_s=task.get("time_limit_s"), mip_gap=task["mip_gap"])


def run_model(task: dict[str, Any]) -> dict[str, Any]:
    """``capplan solve`` on a model file, with every stage timed."""
    from capplan.pipeline import solve

    rss: dict[str, float] = {}

    def on_stage(stage: str, _detail: str) -> None:
        rss.setdefault(stage, peak_rss_mb())

    start_rss = peak_rss_mb()
    t0 = time.perf_counter()
    run = solve(
        task["path"],
        backend=task["backend"],
        time_limit_s=task.get("time_limit_s"),
        mip_gap=task["mip_gap"],
        out=task["out_dir"],
        force=True,
        write=True,
        on_stage=on_stage,
        allow_outside=True,
    )
    total = time.perf_counter() - t0
    s, r = run.summary, run.result
    times, solver_times = s.get("times", {}), s.get("solver_times", {})
    mv_solve = float((s.get("marginal_values") or {}).get("lp_solve_s") or 0.0)
    solve_s = float(solver_times.get("solve_s", 0.0)) + mv_solve
    lp = run.model.lp
    return {
        "status": str(r.status),
        "message": r.message,
        "objective": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "gap_at_most": s.get("gap_at_most"),
        "maximize": bool(lp.maximize),
        "size": {
            "variables": lp.num_vars,
            "integer_variables": lp.num_integer,
            "rows": lp.num_rows,
            "nonzeros": lp.num_nonzeros,
        },
        "times": {
            "load_s": float(times.get("load_s", 0.0)),
            "build_s": float(times.get("build_s", 0.0)) + float(solver_times.get("fill_s", 0.0)),
            "solve_s": solve_s,
            "extract_s": float(solver_times.get("extract_s", 0.0))
            + float(times.get("extract_s", 0.0))
            - mv_solve,
            "write_s": float(times.get("write_s", 0.0)),
            "total_s": total,
        },
        "memory": {
            "start_rss_mb": start_rss,
            "build_peak_rss_mb": rss.get("solve", peak_rss_mb()),
            "peak_rss_mb": max(peak_rss_mb(), children_peak_rss_mb()),
        },
    }


def run_mps(task: dict[str, Any]) -> dict[str, Any]:
    """Read an MPS file with capplan's reader and solve it with one backend."""
    from capplan.backends import get_backend
    from capplan.mps import MpsError, read_mps

    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lp = read_mps(task["path"])
    except (MpsError, OSError, UnicodeError) as exc:
        return {"status": "unreadable", "message": str(exc), "times": {}}
    load_s = time.perf_counter() - t0
    result = get_backend(task["backend"]).solve(lp, _options(task))
    notes = [str(w.message) for w in caught]
    total = time.perf_counter() - t0
    return {
        "status": str(result.status),
        "message": "; ".join([m for m in [result.message, *notes[:3]] if m]),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "gap_at_most": result.gap
        if result.gap is not None
        else (
            (task["mip_gap"] if lp.is_mip else 0.0) if result.status.value == "optimal" else None
        ),
        "maximize": bool(lp.maximize),
        "size": {
            "variables": lp.num_vars,
            "integer_variables": lp.num_integer,
            "rows": lp.num_rows,
            "nonzeros": lp.num_nonzeros,
        },
        "times": {
            "load_s": load_s,
            "build_s": result.fill_time_s,
            "solve_s": result.solve_time_s,
            "extract_s": result.extract_time_s,
            "write_s": 0.0,
            "total_s": total,
        },
        "memory": {"peak_rss_mb": max(peak_rss_mb(), children_peak_rss_mb())},
    }


def run_reference(task: dict[str, Any]) -> dict[str, Any]:
    """capplan's build against the lower bound, alternated in this process."""
    import numpy as np

    from capplan.backends.ortools_backend import build_helper
    from capplan.bench.reference import fill_lower_bound
    from capplan.model.build import build_model
    from capplan.pipeline import load

    _, tables = load(task["path"], allow_outside=True)
    before = peak_rss_mb()
    model_s, capplan_s, lower_s = [], [], []
    size: dict[str, int] = {}
    peak_after_build = before
    for i in range(max(1, int(task.get("repeat", 5)))):
        t0 = time.perf_counter()
        model = build_model(tables)
        t1 = time.perf_counter()
        helper = build_helper(model.lp)
        t2 = time.perf_counter()
        if i == 0:
            peak_after_build = peak_rss_mb()  # before the lower bound allocates anything
            lp = model.lp
            size = {
                "variables": lp.num_vars,
                "integer_variables": lp.num_integer,
                "rows": lp.num_rows,
                "nonzeros": lp.num_nonzeros,
            }
        del helper
        t3 = time.perf_counter()
        helper = fill_lower_bound(model.lp)
        t4 = time.perf_counter()
        del helper, model
        model_s.append(t1 - t0)
        capplan_s.append(t2 - t0)
        lower_s.append(t4 - t3)
    return {
        "status": "ok",
        "size": size,
        "repeat": len(model_s),
        "model_build_s": {"min": min(model_s), "median": float(np.median(model_s))},
        "capplan_build_s": {"min": min(capplan_s), "median": float(np.median(capplan_s))},
        "lower_bound_s": {"min": min(lower_s), "median": float(np.median(lower_s))},
        "memory": {"start_rss_mb": before, "build_peak_rss_mb": peak_after_build},
    }


def run_pulp(task: dict[str, Any]) -> dict[str, Any]:
    """The model built with the PuLP object API; solved with CBC when ``solve`` is set."""
    from capplan.bench.reference import build_pulp, solve_pulp
    from capplan.pipeline import load

    _, tables = load(task["path"], allow_outside=True)
    before = peak_rss_mb()
    t0 = time.perf_counter()
    model = build_pulp(tables)
    build_s = time.perf_counter() - t0
    peak = peak_rss_mb()
    out: dict[str, Any] = {
        "status": "ok",
        "pulp_build_s": build_s,
        "size": {"variables": model.num_vars, "rows": model.num_rows, "terms": model.num_terms},
        "memory": {"start_rss_mb": before, "build_peak_rss_mb": peak},
        "pulp_status": None,
        "pulp_objective": None,
    }
    if task.get("solve"):
        status, objective = solve_pulp(model, task.get("time_limit_s"), task["mip_gap"])
        out["pulp_status"], out["pulp_objective"] = status, objective
    return out


TASKS = {"model": run_model, "mps": run_mps, "reference": run_reference, "pulp": run_pulp}


def main(argv: list[str]) -> int:
    """Run the task in ``argv[0]``, write its result to ``argv[1]``; 0 unless that failed."""
    task = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        result = TASKS[task["kind"]](task)
    except Exception as exc:  # reported in the result, never as a traceback on screen
        detail = f"{type(exc).__name__}: {exc}"
        if os.environ.get("CAPPLAN_DEBUG"):
            traceback.print_exc()
        result = {"status": "error", "message": detail, "times": {}}
    from capplan.io import write_file_atomically

    write_file_atomically(Path(argv[1]), json.dumps(result, default=str), force=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a subprocess
    sys.exit(main(sys.argv[1:]))
