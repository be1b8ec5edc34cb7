"""``capplan bench``: instances x backends, each run in a fresh process; checks; outputs.

:func:`run_bench` is the library entry point the CLI calls.  It writes its output folder
atomically (a hidden temporary folder renamed when complete): ``results.csv`` (one row
per run), ``reference.csv`` (the build comparison, one row per model instance),
``results.json`` (everything, with the settings and the machine), ``results.md`` (the
tables in Markdown), ``instances/`` (the generated model folders) and ``logs/`` (each
worker's own output).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.bench import checks, report
from capplan.bench.instances import Instance, model_instance, mps_instances, parse_spec, spec_text
from capplan.bench.runner import Progress, run_task, stderr_progress, task_limit
from capplan.errors import ExitCode, InputError, OutputExistsError, Problem
from capplan.generate import Spec, generate_folder

DEFAULT_MODEL_BACKENDS = ("highs", "scip")
DEFAULT_MPS_BACKENDS = ("highs", "scip")
BASELINE_VERSION = 1


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


def load_baseline(path: Path) -> dict[str, Any]:
    """A baseline file, checked for the keys the gate needs (input error otherwise)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            [Problem(str(path), "", "file not found: expected a baseline (JSON)")]
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(path), "", f"not a readable JSON baseline: {exc}")]) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or "suite" not in data:
        raise InputError(
            [
                Problem(
                    str(path),
                    "",
                    f"expected a capplan bench baseline (version {BASELINE_VERSION}, with "
                    "'suite' and 'runs'); write one with capplan bench --write-baseline",
                )
            ]
        )
    return data


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
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
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
    if out.exists():
        if not force:
            raise OutputExistsError(f"output folder {out} appeared while the benchmark ran")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


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
        run = _record(inst, backend, result)
        runs.append(run)
        step(_describe(run))
    for n, inst in enumerate(refs):
        label = f"ref-{n:03d}-{_safe(inst.name)}"
        ref = run_task(
            {"kind": "reference", "path": inst.path, "repeat": settings.repeat},
            scratch,
            label,
            task_limit(settings.time_limit_s, solves=0),
        )
        _keep_log(scratch, logs, label)
        built, lower = _ms(ref, "capplan_build_s"), _ms(ref, "lower_bound_s")
        step(f"{inst.name}: capplan build {built}, lower bound {lower}")
        pulp: dict[str, Any] = {}
        if settings.pulp:
            size = ref.get("size", {}).get("variables", 0)
            pulp = run_task(
                {
                    "kind": "pulp",
                    "path": inst.path,
                    "solve": 0 < size <= settings.pulp_solve_max_vars,
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
        references.append(_reference_record(inst, ref, pulp, runs, settings.gap))
    shutil.rmtree(scratch, ignore_errors=True)

    agreements = _judge(runs, models)
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


def _judge(runs: list[dict[str, Any]], models: list[Instance]) -> list[checks.Agreement]:
    """Verdicts: published results for MPS runs, agreement between backends for models."""
    agreements = []
    for run in runs:
        if run["kind"] == "mps":
            run["verdict"] = checks.solu_verdict(run, run.get("_expected"))
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_instance.setdefault(run["instance"], []).append(run)
    for name, group in by_instance.items():
        agree = checks.agreement(name, group)
        agreements.append(agree)
        if group[0]["kind"] == "model":
            solved = [r for r in group if r.get("status") == "optimal"]
            for run in group:
                run["verdict"] = checks.model_verdict(run, agree, len(solved))
        elif not agree.agree:
            for run in group:
                if run["verdict"] == "ok":
                    run["verdict"] = "wrong"
    for run in runs:
        run.pop("_expected", None)
    return agreements


def _record(inst: Instance, backend: str, result: dict[str, Any]) -> dict[str, Any]:
    """One flat row per run (the CSV columns), with the times and their ratio."""
    times = dict(result.get("times") or {})
    solve_s = times.get("solve_s")
    total_s = times.get("total_s")
    overhead = (total_s - solve_s) if solve_s is not None and total_s is not None else None
    times["overhead_s"] = overhead
    size = result.get("size") or {}
    memory = result.get("memory") or {}
    expected = inst.expected
    return {
        "instance": inst.name,
        "kind": inst.kind,
        "backend": backend,
        "status": result.get("status", "error"),
        "verdict": "",
        "objective": result.get("objective"),
        "expected": None
        if expected is None
        else (expected[1] if expected[0] == "opt" else expected[0]),
        "bound": result.get("bound"),
        "gap": result.get("gap"),
        "gap_at_most": result.get("gap_at_most"),
        "maximize": result.get("maximize"),
        "size": size,
        "times": times,
        "overhead_ratio": overhead / solve_s if overhead is not None and solve_s else None,
        "memory": memory,
        "wall_s": result.get("wall_s"),
        "message": result.get("message", ""),
        "_expected": expected,
    }


def _reference_record(
    inst: Instance,
    ref: dict[str, Any],
    pulp: dict[str, Any],
    runs: list[dict[str, Any]],
    pulp_gap: float,
) -> dict[str, Any]:
    def best(d: dict[str, Any], key: str) -> float | None:
        value = d.get(key)
        return float(value["min"]) if isinstance(value, dict) else None

    capplan_s, lower_s = best(ref, "capplan_build_s"), best(ref, "lower_bound_s")
    model_s = best(ref, "model_build_s")
    pulp_s = pulp.get("pulp_build_s")
    proven = [
        r
        for r in runs
        if r["instance"] == inst.name
        and r.get("status") == "optimal"
        and r.get("objective") is not None
    ]
    capplan_obj = proven[0]["objective"] if proven else None
    pulp_obj = pulp.get("pulp_objective")
    agrees = None
    if capplan_obj is not None and pulp_obj is not None:
        scale = max(1.0, abs(capplan_obj))
        slack = (float(proven[0].get("gap_at_most") or 0.0) + pulp_gap + checks.REL_TOL) * scale
        agrees = abs(pulp_obj - capplan_obj) <= slack
    return {
        "instance": inst.name,
        "status": ref.get("status"),
        "message": ref.get("message", "") or pulp.get("message", ""),
        "size": ref.get("size", {}),
        "repeat": ref.get("repeat"),
        "model_build_s": model_s,
        "capplan_build_s": capplan_s,
        "lower_bound_s": lower_s,
        "capplan_build_median_s": (ref.get("capplan_build_s") or {}).get("median"),
        "lower_bound_median_s": (ref.get("lower_bound_s") or {}).get("median"),
        "build_ratio": capplan_s / lower_s if capplan_s and lower_s else None,
        "pulp_build_s": pulp_s,
        "pulp_speedup": pulp_s / capplan_s if pulp_s and capplan_s else None,
        "capplan_build_peak_rss_mb": (ref.get("memory") or {}).get("build_peak_rss_mb"),
        "capplan_start_rss_mb": (ref.get("memory") or {}).get("start_rss_mb"),
        "pulp_build_peak_rss_mb": (pulp.get("memory") or {}).get("build_peak_rss_mb"),
        "capplan_objective": capplan_obj,
        "pulp_status": pulp.get("pulp_status"),
        "pulp_objective": pulp_obj,
        "pulp_agrees": agrees,
        "wall_s": (ref.get("wall_s") or 0.0) + (pulp.get("wall_s") or 0.0),
    }


def _ms(ref: dict[str, Any], key: str) -> str:
    value = ref.get(key)
    return f"{1e3 * value['min']:.1f} ms" if isinstance(value, dict) else str(ref.get("status"))


def _describe(run: dict[str, Any]) -> str:
    text = f"{run['instance']} x {run['backend']}: {run['status']}"
    if run.get("objective") is not None:
        text += f" {run['objective']:.10g}"
    t = run.get("times") or {}
    if t.get("total_s") is not None:
        text += f" in {t['total_s']:.2f} s"
    if run.get("overhead_ratio") is not None:
        text += f" (overhead {100 * run['overhead_ratio']:.1f}% of solve)"
    if run["status"] in ("unreadable", "error", "crashed", "killed") and run.get("message"):
        text += f": {run['message'][:120]}"
    return text


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]


def _keep_log(scratch: Path, logs: Path, label: str) -> None:
    log = scratch / f"{label}.log"
    if log.exists():
        os.replace(log, logs / f"{label}.log")


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured."""
    from capplan.pipeline import versions

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions(),
    }


def write_baseline(settings: BenchSettings, outcome: BenchOutcome, path: Path) -> None:
    """Write the gate's baseline: the suite, each run's answer and the overhead ratio."""
    root = path.resolve().parent
    data = {
        "version": BASELINE_VERSION,
        "note": "capplan bench --gate compares a run of this suite with these numbers; "
        "rewrite it with capplan bench --suite ci --write-baseline (docs/benchmarks.md)",
        "suite": settings.suite(root),
        "overhead_ratio": checks.overhead_ratio(outcome.runs),
        "machine": machine_info(),
        "runs": [
            {
                "instance": r["instance"],
                "backend": r["backend"],
                "status": r["status"],
                "objective": r["objective"],
                "gap_at_most": r["gap_at_most"],
                "overhead_ratio": r["overhead_ratio"],
            }
            for r in outcome.runs
        ],
    }
    report.write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
