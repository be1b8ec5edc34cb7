"""Run benchmark tasks, each in a fresh Python process, with a wall-clock limit.

A task that crashes its process, or runs past its limit, is reported as such
(``crashed``, ``killed``), never lost.  The worker's own output (solver banners) goes to
a log file per task.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Extra wall-clock seconds a task gets beyond its solver time limit: start-up, imports,
# loading, building, the marginal-value LP and writing, before it is killed.
GRACE_S = 120.0


def task_limit(time_limit_s: float | None, solves: int = 2) -> float | None:
    """The wall-clock limit of a task whose solver limit is ``time_limit_s`` per solve."""
    if time_limit_s is None:
        return None
    return solves * time_limit_s + GRACE_S


def run_task(
    task: dict[str, Any], scratch: Path, label: str, wall_limit_s: float | None
) -> dict[str, Any]:
    """Run ``task`` in ``python -m capplan.bench.worker``; return its result (never raises
    for what happens inside the worker)."""
    scratch.mkdir(parents=True, exist_ok=True)
    task_file = scratch / f"{label}.task.json"
    result_file = scratch / f"{label}.result.json"
    log_file = scratch / f"{label}.log"
    task_file.write_text(json.dumps(task), encoding="utf-8")
    t0 = time.perf_counter()
    with open(log_file, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "capplan.bench.worker", str(task_file), str(result_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches the solver too
        )
        try:
            code = proc.wait(timeout=wall_limit_s)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return {
                "status": "killed",
                "message": f"still running after {wall_limit_s:g} s of wall clock; killed",
                "wall_s": time.perf_counter() - t0,
            }
        except BaseException:  # Ctrl-C: take the worker down with us
            _kill(proc)
            raise
    wall = time.perf_counter() - t0
    if not result_file.exists():
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:]
        return {
            "status": "crashed",
            "message": f"worker exited with code {code} and no result"
            + (f" ({' / '.join(tail)})" if tail else ""),
            "wall_s": wall,
        }
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    result["wall_s"] = wall
    return result


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


Progress = Callable[[str], None]


def stderr_progress(line: str) -> None:
    """Progress lines on stderr (the default)."""
    print(line, file=sys.stderr, flush=True)
