"""``capplan bench``: instances x backends, each run in a fresh process; checks; outputs.

:func:`run_bench` is the library entry point the CLI calls.  It writes its output folder
atomically (a hidden temporary folder renamed when complete): ``results.csv`` (one row
per run), ``reference.csv`` (the build comparison, one row per model instance),
``results.json`` (everything, with the settings and the machine), ``results.md`` (the
tables in Markdown), ``instances/`` (the generated model folders) and ``logs/`` (each
worker's own output).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.bench import checks, report
from capplan.bench.baseline import load_baseline, machine_info, write_baseline
from capplan.bench.instances import Instance, model_instance, mps_instances, parse_spec, spec_text
from capplan.bench.records import build_ms, describe, judge, reference_record, run_record
from capplan.bench.runner import Progress, run_task, stderr_progress, task_limit
from capplan.errors import ExitCode, InputError, OutputExistsError, Problem
from capplan.generate import Spec, generate_folder
from capplan.io import clean_leftovers, publish, temp_name

DEFAULT_MODEL_BACKENDS = ("highs", "scip")
DEFAULT_MPS_BACKENDS = ("highs", "scip")


@dataclass
class BenchSettings:
    """What to run and how (the CLI's options)."""

    models: list[Path] = field(default_factory=list)
    generate: list[Spec] = field(default_factory=list)
    mps: list[Path] = field(default_factory=list)
    solu: Path | None = None
    backends: list[str] = field(default_factory=list)  # empty: the defaults per kind
    time_limit_s: float | None = 60.0
    gap: float = 1e-4  # relative MIP gap for model instances
    mps_gap: float = 1e-9  # for MPS instances, whose published optima are checked to 1e-6
    reference: bool = True  # the build comparison for model instances
    solve: bool = True  # solve the model instances (off: only the build comparison)
    pulp: bool = True  # include the PuLP object-API builder in it
    pulp_solve_max_vars: int = 5000  # solve the PuLP model (objective check) up to this size
    repeat: int = 5  # builds per instance in the build comparison
    out: Path | None = None
    force: bool = False
    gate: Path | None = None
    write_baseline: Path | None = None

    def suite(self, root: Path) -> dict[str, Any]:
        """The instances and settings, with paths relative to ``root`` (for a baseline)."""

        def rel(path: Path) -> str:
            return os.path.relpath(path.resolve(), root.resolve())

        return {
            "models": [rel(p) for p in self.models],
            "generate": [spec_text(s) for s in self.generate],
            "mps": [rel(p) for p in self.mps],
            "solu": rel(self.solu) if self.solu else None,
            "backends": list(self.backends),
            "time_limit_s": self.time_limit_s,
            "gap": self.gap,
            "mps_gap": self.mps_gap,
            "reference": self.reference,
            "solve": self.solve,
            "pulp": self.pulp,
            "pulp_solve_max_vars": self.pulp_solve_max_vars,
            "repeat": self.repeat,
        }

    @classmethod
    def from_suite(cls, suite: dict[str, Any], root: Path) -> BenchSettings:
        """Settings from a baseline's ``suite`` (paths relative to ``root``)."""
        return cls(
            models=[root / p for p in suite.get("models", [])],
            generate=[parse_spec(s) for s in suite.get("generate", [])],
            mps=[root / p for p in suite.get("mps", [])],
            solu=root / suite["solu"] if suite.get("solu") else None,
            backends=list(suite.get("backends", [])),
            time_limit_s=suite.get("time_limit_s"),
            gap=float(suite.get("gap", 1e-4)),
            mps_gap=float(suite.get("mps_gap", 1e-9)),
            reference=bool(suite.get("reference", True)),
            solve=bool(suite.get("solve", True)),
            pulp=bool(suite.get("pulp", True)),
            pulp_solve_max_vars=int(suite.get("pulp_solve_max_vars", 5000)),
            repeat=int(suite.get("repeat", 5)),
        )


@dataclass
class BenchOutcome:
    """What a benchmark found and where it wrote it."""

    out_dir: Path
    runs: list[dict[str, Any]]
    references: list[dict[str, Any]]
    agreements: list[checks.Agreement]
    gate: checks.GateResult | None
    failures: list[str]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.CHECK_FAILED if self.failures else ExitCode.OPTIMAL


def _check_backends(names: list[str]) -> None:
    from capplan.backends import BACKENDS

    unknown = [n for n in names if n not in BACKENDS]
    if unknown:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--backend",
                    f"unknown value {n!r}; expected one of {', '.join(BACKENDS)}",
                )
                for n in unknown
            ]
        )


def _out_dir(settings: BenchSettings) -> Path:
    if settings.out is not None:
        out = settings.out
        if out.exists() and not settings.force:
            raise OutputExistsError(
                f"output folder {out} already exists: choose another with --out, "
                "or pass --force to replace it"
            )
        return out
    base = Path("outputs") / "bench"
    out, n = base, 2
    while out.exists():
        out = base.with_name(f"bench-{n}")
        n += 1
    return out


def run_bench(settings: BenchSettings, progress: Progress = stderr_progress) -> BenchOutcome:
    """Run the benchmark described by ``settings`` (see the module docstring)."""
    baseline = load_baseline(settings.gate) if settings.gate else None
    _check_backends(settings.backends)
    solu = None
    if settings.solu is not None:
        from capplan.mps import MpsError, read_solu

        try:
            solu = read_solu(settings.solu)
        except (OSError, MpsError) as exc:
            raise InputError(
                [Problem(str(settings.solu), "", f"not a readable .solu file: {exc}")]
            ) from None
    models = [model_instance(p) for p in settings.models]
    mps = mps_instances(settings.mps, solu)
    if not (models or settings.generate or mps):
        raise InputError(
            [
                Problem(
                    "command line",
                    "",
                    "nothing to run: give model files, --generate, --mps, --suite or --gate",
                )
            ]
        )
    if not mps and not settings.solve and not settings.reference:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--no-solve",
                    "with --no-reference too there is nothing to measure on the models",
                )
            ]
        )
    out = _out_dir(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out.parent)
    tmp = temp_name(out)
    tmp.mkdir()
    with _terminate_as_interrupt():
        return _run_in(settings, models, mps, baseline, out, tmp, progress)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM is handled like Ctrl-C: the worker is killed and nothing is left behind."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_in(
    settings: BenchSettings,
    models: list[Instance],
    mps: list[Instance],
    baseline: dict[str, Any] | None,
    out: Path,
    tmp: Path,
    progress: Progress,
) -> BenchOutcome:
    try:
        outcome = _run(settings, models, mps, baseline, tmp, progress)
        _finish(tmp, out, settings.force)
        outcome.out_dir = out
        if settings.write_baseline is not None:
            unchecked = [
                f"{r['instance']} x {r['backend']}: {r['verdict']}"
                for r in outcome.runs
                if r["verdict"] not in ("ok", "unchecked")
            ]
            if outcome.failures or unchecked:
                outcome.failures.append(
                    f"baseline {settings.write_baseline} not written: every run must be "
                    f"right ({'; '.join(unchecked) or 'see the failures above'})"
                )
            else:
                write_baseline(settings, outcome, settings.write_baseline)
        return outcome
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _finish(tmp: Path, out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise OutputExistsError(f"output folder {out} appeared while the benchmark ran")
    publish(tmp, out, force)


def _run(
    settings: BenchSettings,
    models: list[Instance],
    mps: list[Instance],
    baseline: dict[str, Any] | None,
    tmp: Path,
    progress: Progress,
) -> BenchOutcome:
    from capplan.backends import BACKENDS

    scratch = tmp / "scratch"
    logs = tmp / "logs"
    logs.mkdir(parents=True)
    for spec in settings.generate:
        folder = tmp / "instances" / spec.model_name
        generate_folder(spec, folder)
        models.append(
            Instance(
                name=spec.model_name,
                kind="model",
                path=str(folder / "model.yaml"),
                spec={"text": spec_text(spec)},
            )
        )
    model_backends = settings.backends or list(DEFAULT_MODEL_BACKENDS)
    mps_backends = settings.backends or list(DEFAULT_MPS_BACKENDS)
    plan: list[tuple[Instance, str]] = [
        (i, b) for i in models if settings.solve for b in model_backends
    ]
    plan += [(i, b) for i in mps for b in mps_backends]
    refs = [i for i in models if settings.reference]
    total = len(plan) + len(refs) * (2 if settings.pulp else 1)
    done = 0
    runs: list[dict[str, Any]] = []
    references: list[dict[str, Any]] = []

    def step(text: str) -> None:
        nonlocal done
        done += 1
        progress(f"[{done:>{len(str(total))}}/{total}] {text}")

    progress(
        f"capplan bench: {len(models)} model and {len(mps)} MPS instances, "
        f"{total} runs, each in a fresh process"
    )
    for n, (inst, backend) in enumerate(plan):
        label = f"{n:03d}-{_safe(inst.name)}-{backend}"
        available = BACKENDS[backend].is_available()
        if inst.kind == "model":
            task = {
                "kind": "model",
                "path": inst.path,
                "backend": backend,
                "time_limit_s": settings.time_limit_s,
                "mip_gap": settings.gap,
                "out_dir": str(scratch / label / "run"),
            }
        else:
            task = {
                "kind": "mps",
                "path": inst.path,
                "backend": backend,
                "time_limit_s": settings.time_limit_s,
                "mip_gap": settings.mps_gap,
            }
        if available:
            result = run_task(task, scratch, label, task_limit(settings.time_limit_s))
            _keep_log(scratch, logs, label)
        else:
            result = {"status": "error", "message": f"{backend} is not available on this machine"}
        run = run_record(inst, backend, result)
        runs.append(run)
        step(describe(run))
    for n, inst in enumerate(refs):
        label = f"ref-{n:03d}-{_safe(inst.name)}"
        ref = run_task(
            {"kind": "reference", "path": inst.path, "repeat": settings.repeat},
            scratch,
            label,
            task_limit(settings.time_limit_s, solves=0),
        )
        _keep_log(scratch, logs, label)
        built, lower = build_ms(ref, "capplan_build_s"), build_ms(ref, "lower_bound_s")
        step(f"{inst.name}: capplan build {built}, lower bound {lower}")
        pulp: dict[str, Any] = {}
        if settings.pulp:
            size = ref.get("size", {}).get("variables", 0)
            pulp = run_task(
                {
                    "kind": "pulp",
                    "path": inst.path,
                    # solved only to check capplan's objective, which needs a capplan solve
                    "solve": settings.solve and 0 < size <= settings.pulp_solve_max_vars,
                    "time_limit_s": settings.time_limit_s,
                    "mip_gap": settings.gap,
                },
                scratch,
                label + "-pulp",
                task_limit(settings.time_limit_s, solves=1),
            )
            _keep_log(scratch, logs, label + "-pulp")
            seconds = pulp.get("pulp_build_s")
            shown = f"{seconds:.3f} s" if seconds is not None else pulp.get("message", "")
            step(f"{inst.name}: PuLP object API build {pulp.get('status')}, {shown}")
        references.append(reference_record(inst, ref, pulp, runs, settings.gap))
    shutil.rmtree(scratch, ignore_errors=True)

    agreements = judge(runs)
    failures = [
        f"{r['instance']} x {r['backend']}: {r['verdict']} ({r['status']}: {r['message']})"
        for r in runs
        if r["verdict"] in checks.FAILED
    ]
    failures += [
        f"{ref['instance']}: the PuLP model's objective {ref['pulp_objective']:.10g} differs from "
        f"capplan's {ref['capplan_objective']:.10g}"
        for ref in references
        if ref.get("pulp_agrees") is False
    ]
    gate_result = checks.gate(runs, baseline) if baseline is not None else None
    if gate_result is not None:
        failures += [f"gate: {f}" for f in gate_result.failures]
    outcome = BenchOutcome(tmp, runs, references, agreements, gate_result, failures)
    report.write_all(tmp, outcome, settings, machine_info())
    return outcome


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]


def _keep_log(scratch: Path, logs: Path, label: str) -> None:
    log = scratch / f"{label}.log"
    if log.exists():
        os.replace(log, logs / f"{label}.log")
