"""The coordinator: draw the samples, run them, record them, write the sweep folder.

    from capplan.sweep import sweep
    done = sweep("models/base.yaml", "models/sweeps/base_mc.yaml", workers=2)
    done.folder, done.summary["npv"]["p10"]

Every finished sample is recorded in the run store (``outputs/runs.duckdb``) in batches of
about a second, one transaction each, by this process only.  Ctrl-C (or a kill) loses at
most the batch being written; ``resume=True`` finds the unfinished run with the same sweep
key (inputs, sweep file, method and solver settings) and runs only the samples it lacks.
The sweep folder is written atomically from the store once every sample is in.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan import store
from capplan.config.loader import Config
from capplan.config.sweeps import Sample, SweepFile, draw_samples, read_sweep, scenario_mapping
from capplan.errors import CapplanError, ExitCode, InputError, Problem
from capplan.io import check_writable, default_run_dir, write_folder
from capplan.library import Inputs, SolveRequest, load
from capplan.sweep import execute
from capplan.sweep import tables as st
from capplan.sweep.checks import check_sweep
from capplan.sweep.worker import Fixed, Request, prepare

BATCH_S = 2.0  # seconds between store transactions: at most this much work is lost


class SweepInterrupted(CapplanError):
    """Ctrl-C: the finished samples are kept in the store (exit code 130)."""

    exit_code = ExitCode.INTERRUPTED


@dataclass(frozen=True)
class Settings:
    """How to run: solver settings, where, and where results go."""

    backend: str | None = None
    time_limit_s: float | None = None
    mip_gap: float | None = None
    workers: int | None = None  # None: one per core
    scheduler: str | None = None
    store: Path = store.DEFAULT_STORE
    out: Path | None = None
    outputs_dir: Path = Path("outputs")
    force: bool = False
    resume: bool = False
    commit_every_s: float = BATCH_S  # seconds of finished samples per store transaction
    on_progress: Callable[[int, int], None] | None = None


@dataclass
class Job:
    """One sweep or evaluation: what to run and how to describe it."""

    kind: str  # sweep | evaluation
    spec: SweepFile
    spec_file: Path
    inputs: Inputs
    model_path: Path
    scenarios: tuple[str, ...]
    sets: tuple[str, ...]
    name: str
    fixed: Fixed | None = None
    fix_period: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    free: dict[int, dict[str, Any]] = field(default_factory=dict)  # known free solves

    @property
    def config(self) -> Config:
        return self.inputs.config


@dataclass(frozen=True)
class Done:
    folder: Path
    run_id: str
    summary: dict[str, Any]


def sweep(
    model: str | Path,
    sweep_file: str | Path,
    *,
    method: str | None = None,
    scenarios: tuple[str, ...] = (),
    sets: tuple[str, ...] = (),
    settings: Settings | None = None,
) -> Done:
    """Run every sample of ``sweep_file`` on ``model`` and write the sweep folder."""
    settings = settings or Settings()
    spec = read_sweep(sweep_file, method)
    inputs = load(SolveRequest(model, scenarios, sets))
    name = f"{inputs.label}-sweep-{Path(sweep_file).stem}"
    job = Job("sweep", spec, Path(sweep_file), inputs, Path(model), scenarios, sets, name)
    return run_job(job, settings)


def worker_count(settings: Settings) -> int:
    return settings.workers if settings.workers is not None else (os.cpu_count() or 1)


def solver_settings(config: Config, settings: Settings) -> dict[str, Any]:
    s = config.model.solver
    return {
        "backend": settings.backend or s.backend,
        "time_limit_s": settings.time_limit_s
        if settings.time_limit_s is not None
        else s.time_limit_s,
        "mip_gap": settings.mip_gap if settings.mip_gap is not None else s.mip_gap,
        "threads": 1,
        "seed": s.seed,
    }


def sweep_key(job: Job, solver: dict[str, Any]) -> str:
    """What makes two runs the same sweep: kind, inputs, sweep file, method, settings, plan
    and the installed versions of capplan and the solver libraries."""
    from importlib.metadata import version

    text = json.dumps(
        {
            "kind": job.kind,
            "inputs": job.config.input_hash,
            "spec": job.spec.model_dump(mode="json", by_alias=True),
            "solver": solver,
            "fixed": job.fixed,
            "fix_period": job.fix_period,
            # a resume after an upgrade is a new sweep (installed metadata: the same
            # whichever modules this process happens to have loaded)
            "versions": {p: version(p) for p in ("capplan", "highspy", "ortools", "pulp")},
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _start(
    job: Job, settings: Settings, key: str, solver: dict[str, Any], total: int
) -> tuple[str, Path]:
    """The run id and folder: a new run, or with ``resume`` the unfinished one."""
    if settings.resume:
        run_id = store.find_unfinished(settings.store, key)
        if run_id is None:
            raise InputError(
                [
                    Problem(
                        "command line",
                        "--resume",
                        f"no unfinished {job.kind} of these inputs and settings in "
                        f"{settings.store}; "
                        "expected the same model, file and settings as the interrupted run",
                    )
                ]
            )
        with store.connect(settings.store, read_only=True) as con:
            (folder,) = con.execute("SELECT folder FROM runs WHERE run_id = ?", [run_id]).fetchone()
        out = settings.out or Path(folder)
        check_writable(out, settings.force)
        return run_id, out
    out = settings.out or default_run_dir(settings.outputs_dir, job.name)
    check_writable(out, settings.force)
    run_id = f"{job.kind}-{key[:8]}-{uuid.uuid4().hex[:6]}"
    record = _record(job, run_id, solver, key, {**job.extra})
    store.put_run(
        settings.store,
        {**record, "status": "running", "folder": str(out), "total": total, "complete": False},
    )
    return run_id, out


def _record(
    job: Job, run_id: str, solver: dict[str, Any], key: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """The run store's row of ``job`` (the fields a started and a finished run share)."""
    return {
        "run_id": run_id,
        "kind": job.kind,
        "created": store.now(),
        "label": job.name,
        "model": job.config.model.name,
        "model_file": str(job.model_path),
        "inputs_hash": job.config.input_hash,
        "scenarios": list(job.scenarios),
        "settings": {
            "set": list(job.sets),
            "solver": solver,
            "file": str(job.spec_file),
            "method": job.spec.method,
            **extra,
        },
        "sweep_key": key,
    }


def run_job(job: Job, settings: Settings) -> Done:
    """Run ``job``'s samples not yet in the store, then write its folder (module docstring)."""
    check_sweep(job.spec, job.inputs, str(job.spec_file))
    samples = draw_samples(job.spec)
    solver = solver_settings(job.config, settings)
    key = sweep_key(job, solver)
    run_id, out = _start(job, settings, key, solver, len(samples))
    with store.connect(settings.store, read_only=True) as con:
        have = {
            r[0]
            for r in con.execute("SELECT sample FROM samples WHERE run_id = ?", [run_id]).fetchall()
        }
    todo = [s for s in samples if s.index not in have]
    requests = [_request(job, s, solver) for s in todo]
    workers = worker_count(settings)
    t0 = time.perf_counter()
    clock: dict[str, float] = {}
    solve_s = _run(
        requests,
        {s.index: s for s in todo},
        run_id,
        settings,
        workers,
        len(samples) - len(todo),
        len(samples),
        clock,
    )
    wall = time.perf_counter() - t0
    start = clock.get("ready", t0) - t0
    times = {
        "wall_s": round(wall, 3),
        "start_s": round(start, 3),  # until the workers could take work (Dask start-up)
        "solve_s": round(solve_s, 3),
        "workers": workers,
        "samples_run": len(todo),
        "outside_solver_share": _share(solve_s, wall, workers, bool(todo)),
        "outside_solver_share_running": _share(solve_s, wall - start, workers, bool(todo)),
    }
    return _finish(job, settings, samples, run_id, out, solver, times)


def _share(solve_s: float, wall: float, workers: int, ran: bool) -> float | None:
    """The share of the workers' time (wall seconds x workers) not spent in the solver."""
    return round(1 - solve_s / (wall * workers), 4) if ran and wall > 0 else None


def _request(job: Job, s: Sample, solver: dict[str, Any]) -> Request:
    return Request(
        model=str(job.model_path.resolve()),
        scenarios=job.scenarios,
        sets=job.sets,
        base_hash=job.config.input_hash,
        sample=s.index,
        mapping=scenario_mapping(job.spec, s),
        backend=solver["backend"],
        time_limit_s=solver["time_limit_s"],
        mip_gap=solver["mip_gap"],
        seed=solver["seed"],
        fixed=job.fixed,
        fix_period=job.fix_period,
        free_too=job.fixed is not None and s.index not in job.free,
        free=job.free.get(s.index),
    )


def _rows(
    requests: list[Request], settings: Settings, workers: int, clock: dict[str, float]
) -> Iterator[dict[str, Any]]:
    """Rows as they finish; ``clock["ready"]`` is set once the workers can take work (each
    has loaded the base inputs: :func:`capplan.sweep.worker.prepare`)."""
    if workers == 1 and settings.scheduler is None:
        if requests:
            prepare(requests[0])
        clock["ready"] = time.perf_counter()
        yield from execute.in_process(requests)
        return
    with execute.dask_client(workers, settings.scheduler) as client:
        if requests:
            client.run(prepare, requests[0])
        clock["ready"] = time.perf_counter()
        yield from execute.on_dask(client, requests)


def _run(
    requests: list[Request],
    samples: dict[int, Sample],
    run_id: str,
    settings: Settings,
    workers: int,
    done: int,
    total: int,
    clock: dict[str, float],
) -> float:
    """Run the requests, recording rows in batches; return the seconds spent solving."""
    pending: list[dict[str, Any]] = []
    last = time.monotonic()
    solve_s = 0.0
    try:
        with execute.term_as_interrupt():
            for row in _rows(requests, settings, workers, clock):
                row["inputs"] = samples[row["sample"]].values
                solve_s += float(row.get("solve_s") or 0.0)
                pending.append(row)
                done += 1
                if settings.on_progress is not None:
                    settings.on_progress(done, total)
                if time.monotonic() - last >= settings.commit_every_s:
                    store.put_samples(settings.store, run_id, pending)
                    pending, last = [], time.monotonic()
            store.put_samples(settings.store, run_id, pending)
    except KeyboardInterrupt:
        store.put_samples(settings.store, run_id, pending)
        raise SweepInterrupted(
            f"interrupted: {done} of {total} samples are kept in {settings.store} (run "
            f"{run_id}); rerun the same command with --resume to finish"
        ) from None
    return solve_s


def _finish(
    job: Job,
    settings: Settings,
    samples: list[Sample],
    run_id: str,
    out: Path,
    solver: dict[str, Any],
    times: dict[str, Any],
) -> Done:
    """Write the folder from the store's rows, then mark the run complete."""
    from capplan.results.summary import versions

    with store.connect(settings.store, read_only=True) as con:
        rows, periods = store.get_samples(con, run_id)
    table = st.samples_table(job.spec, samples, rows)
    ok = set(table.loc[table["status"].isin(["optimal", "feasible"]), "sample"])
    order = [str(p) for p in job.config.model.horizon.periods]
    npv = (
        st.npv_values(table) if st.NPV in table else st.npv_values(table.assign(npv_rmb_m=0.0))[:0]
    )
    tables = {
        "samples": table,
        "sample_periods": periods,
        "timings": st.timings_table(rows),
        "npv_distribution": st.npv_distribution(npv),
        "fan_capex": st.fan(periods, ok, "capex_rmb_m", order),
        "fan_fleet": st.fan(periods, ok, "fleet_pflops", order),
    }
    if job.spec.method == "one_at_a_time":
        tables["tornado"] = st.tornado(job.spec, table)
    summary = {
        "kind": job.kind,
        "run_id": run_id,
        "model": job.config.model.name,
        "model_file": job.model_path.name,
        "scenarios": list(job.scenarios),
        "set": list(job.sets),
        "input_hash": job.config.input_hash,
        "sweep_file": job.spec_file.name,
        "method": job.spec.method,
        "seed": job.spec.seed,
        "samples": len(samples),
        "parameters": [p.name for p in job.spec.parameters],
        "solver": solver,
        "status_counts": {
            k: int(v) for k, v in table["status"].value_counts().sort_index().items()
        },
        "npv": st.stats(npv),
        "times": times,
        "versions": versions(),
        **job.extra,
    }
    if job.kind == "evaluation":
        from capplan.sweep.evaluate import evaluation_summary, paired_against

        summary["evaluation"] = evaluation_summary(table)
        if "against" in job.extra:
            plan = Path(job.extra["plan"]["folder"]).name
            summary["paired"] = paired_against(table, Path(job.extra["against"]), plan)
    folder = write_folder(out, tables, settings.force, json_files={"summary.json": summary})
    done = {"status": "complete", "folder": str(folder.resolve()), "complete": True}
    store.put_run(  # the run complete in the store, with its summary figures and tables
        settings.store,
        {
            **_record(job, run_id, solver, sweep_key(job, solver), {}),
            **done,
            "versions": summary["versions"],
            "objective": summary["npv"].get("mean"),
            "times": summary["times"],
            "kpis": summary["npv"],
            "total": summary["samples"],
        },
        {k: v for k, v in tables.items() if k != "sample_periods"},
    )
    return Done(folder, run_id, summary)
