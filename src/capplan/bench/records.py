"""One flat record per run and per build comparison, and the verdicts on them."""

from __future__ import annotations

from typing import Any

from capplan.bench import checks
from capplan.bench.instances import Instance


def judge(runs: list[dict[str, Any]]) -> list[checks.Agreement]:
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


def run_record(inst: Instance, backend: str, result: dict[str, Any]) -> dict[str, Any]:
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


def reference_record(
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


def build_ms(ref: dict[str, Any], key: str) -> str:
    value = ref.get(key)
    return f"{1e3 * value['min']:.1f} ms" if isinstance(value, dict) else str(ref.get("status"))


def describe(run: dict[str, Any]) -> str:
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
