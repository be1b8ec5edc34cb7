"""``capplan bench --suite proof``: the proof of optimality, before and after.

Each instance (the base case and every library scenario, ``capplan solve models/base.yaml
-s NAME``) is built twice, ``build_model(tables, tighten=False)`` (the plain formulation)
and ``build_model(tables, tighten=True)`` (with :mod:`capplan.model.valid`),
and both programs are solved by HiGHS through highspy with the same settings: relative
gap 1e-6, absolute gap 1e-9, one thread, seed 0, no output.  The plain program is solved
twice: as HiGHS got it from capplan before this engine (``plain``: the same program and
HiGHS release as c242f44's OR-Tools path) and as ``capplan solve`` hands it over now
(``scaled``: its large bounds scaled down by :func:`capplan.verify.program_factors`, the
answer mapped back).  The three are solved one after the other, ``repeat`` times each,
alternating, so that all see the same machine load.

Per instance and formulation it records the solver's own seconds (median of the
repeats), branch-and-bound nodes and simplex iterations (deterministic work measures),
the LP relaxation's bound (the root LP, before HiGHS's cuts), the objective and the gap
that LP leaves; per instance the ratios tight / plain; and over the scenarios (the base
case excluded) the median of each.  The objectives must agree within 1e-6 relative (a
tightening must not change the optimum): a disagreement is a failure (exit code 5).
capplan.bench.measures writes ``results.md`` and ``results.json`` to the output folder.

HiGHS's node count on this model swings several-fold with anything that changes its path
(the random seed, a row more or less, a scaling option): on the base case seeds 0-4 give
the plain model 1005-2257 nodes and the tight one 459-4106 (docs/benchmarks.md).
``ProofSettings(seeds=(0, 1, 2, 3, 4))`` solves each formulation once more per extra
seed and records the nodes and LP iterations of every seed with their median, so that a
formulation's effect can be told from a lucky path.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from capplan.bench.measures import MeasureArgs, Measured
from capplan.model.lp import LinearProgram

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "models" / "base.yaml"
SCENARIOS = ROOT / "models" / "scenarios"
GAP = 1e-6
AGREE = 1e-6  # relative difference allowed between the two optima


@dataclass
class ProofSettings:
    model: Path = BASE
    scenarios: list[str | None] = field(default_factory=list)  # None: the model alone
    repeat: int = 3
    time_limit_s: float | None = 600.0
    seeds: tuple[int, ...] = (0,)  # the first is timed ``repeat`` times, every one counted


def default_settings() -> ProofSettings:
    """The base case and every scenario of models/scenarios, by name."""
    names = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    return ProofSettings(scenarios=[None, *names])


KINDS = ("plain", "tight", "scaled")


def highs_solve(
    lp: LinearProgram,
    *,
    relax: bool = False,
    time_limit_s: float | None = None,
    seed: int = 0,
    scaled: bool = False,
) -> dict[str, Any]:
    """Solve ``lp`` with highspy (the settings of the module docstring); ``scaled``: as
    :func:`capplan.verify.solve_scaled` scales it, objective and bound mapped back."""
    import highspy

    factor = 1.0
    if scaled:
        lp, factor = _as_capplan_scales(lp)

    h = highspy.Highs()
    for key, value in (
        ("output_flag", False),
        ("mip_rel_gap", GAP),
        ("mip_abs_gap", 1e-9),
        ("threads", 1),
        ("random_seed", seed),
    ):
        h.setOptionValue(key, value)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    inf = highspy.kHighsInf
    A = lp.A.tocsr()
    m = highspy.HighsLp()
    m.num_col_, m.num_row_ = lp.num_vars, lp.num_rows
    m.col_cost_, m.offset_ = lp.c, lp.c0
    m.col_lower_ = np.where(np.isfinite(lp.col_lb), lp.col_lb, -inf)
    m.col_upper_ = np.where(np.isfinite(lp.col_ub), lp.col_ub, inf)
    m.row_lower_ = np.where(np.isfinite(lp.row_lb), lp.row_lb, -inf)
    m.row_upper_ = np.where(np.isfinite(lp.row_ub), lp.row_ub, inf)
    m.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    m.a_matrix_.start_, m.a_matrix_.index_, m.a_matrix_.value_ = A.indptr, A.indices, A.data
    m.sense_ = highspy.ObjSense.kMaximize if lp.maximize else highspy.ObjSense.kMinimize
    if not relax:
        kinds = highspy.HighsVarType
        m.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in lp.integer]
    h.passModel(m)
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    objective = float(info.objective_function_value) / factor
    return {
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": objective,
        "bound": float(info.mip_dual_bound) / factor if not relax else objective,
        "nodes": int(info.mip_node_count) if not relax else 0,
        "iterations": int(info.simplex_iteration_count),
        "seconds": seconds,
    }


def _as_capplan_scales(lp: LinearProgram) -> tuple[LinearProgram, float]:
    """The program as :func:`capplan.verify.solve_scaled` hands it to the solver, and the
    factor its objective was multiplied by."""
    from capplan.verify import handed_over, scaled

    program, _, factor = handed_over(lp)
    return scaled(program, factor), factor


def instance_record(
    name: str, plain: LinearProgram, tight: LinearProgram, settings: ProofSettings
) -> dict[str, Any]:
    """Both formulations of one instance (and the plain one scaled), solved alternately
    ``repeat`` times."""
    programs = {"plain": plain, "tight": tight, "scaled": plain}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    seed0, *others = settings.seeds or (0,)
    limit = settings.time_limit_s
    for _ in range(max(1, settings.repeat)):
        for kind, lp in programs.items():
            runs[kind].append(
                highs_solve(lp, time_limit_s=limit, seed=seed0, scaled=kind == "scaled")
            )
    seeded: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for seed in others:
        for kind, lp in programs.items():
            seeded[kind].append(
                highs_solve(lp, time_limit_s=limit, seed=seed, scaled=kind == "scaled")
            )
    rec: dict[str, Any] = {"instance": name}
    for kind, lp in programs.items():
        first = runs[kind][0]
        root = highs_solve(lp, relax=True, scaled=kind == "scaled")["objective"]
        rec[kind] = {
            "status": first["status"],
            "objective": first["objective"],
            "bound": first["bound"],
            "root_lp_bound": root,
            "root_gap": abs(root - first["objective"]) / max(1.0, abs(first["objective"])),
            "nodes": first["nodes"],
            "iterations": first["iterations"],
            "seconds": statistics.median(r["seconds"] for r in runs[kind]),
            "seconds_all": [r["seconds"] for r in runs[kind]],
            "rows": lp.num_rows,
            "nonzeros": lp.num_nonzeros,
            "seeds": _by_seed(settings.seeds or (0,), [first, *seeded[kind]]),
        }
    p, t, c = rec["plain"], rec["tight"], rec["scaled"]
    for label, other in (("ratio", t), ("ratio_scaled", c)):
        rec[label] = {
            key: (other[key] / p[key] if p[key] else float("nan"))
            for key in ("seconds", "nodes", "iterations")
        }
    objectives = [r["objective"] for kind in KINDS for r in seeded[kind]]
    diff = max(abs(o - p["objective"]) for o in [t["objective"], c["objective"], *objectives])
    rec["same_optimum"] = bool(
        diff / max(1.0, abs(p["objective"])) <= AGREE
        and all(rec[k]["status"] == "Optimal" and rec[k]["seeds"]["all_optimal"] for k in KINDS)
    )
    return rec


def _by_seed(seeds: tuple[int, ...], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Nodes and LP iterations per seed, and their medians."""
    nodes = [r["nodes"] for r in runs]
    iterations = [r["iterations"] for r in runs]
    return {
        "seeds": list(seeds),
        "nodes": nodes,
        "iterations": iterations,
        "nodes_median": statistics.median(nodes),
        "iterations_median": statistics.median(iterations),
        "all_optimal": all(r["status"] == "Optimal" for r in runs),
    }


def run_proof(settings: ProofSettings, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the suite (see the module docstring); returns what it writes to results.json."""
    from capplan.bench.baseline import machine_info
    from capplan.model.build import build_model
    from capplan.pipeline import load

    records = []
    for n, scenario in enumerate(settings.scenarios):
        name = scenario or settings.model.stem
        _, tables = load(settings.model, [scenario] if scenario else [], allow_outside=True)
        plain = build_model(tables, tighten=False).lp
        tight = build_model(tables, tighten=True).lp
        rec = instance_record(name, plain, tight, settings)
        rec["scenario"] = scenario is not None
        records.append(rec)
        progress(f"[{n + 1}/{len(settings.scenarios)}] {_line(rec)}")
    scen = [r for r in records if r["scenario"]]
    summary: dict[str, Any] = {}
    if scen:
        for key in ("seconds", "nodes", "iterations"):
            plain_med = statistics.median(r["plain"][key] for r in scen)
            tight_med = statistics.median(r["tight"][key] for r in scen)
            scaled_med = statistics.median(r["scaled"][key] for r in scen)
            summary[key] = {
                "plain_median": plain_med,
                "tight_median": tight_med,
                "scaled_median": scaled_med,
                "ratio_of_medians": tight_med / plain_med if plain_med else float("nan"),
                "median_ratio": statistics.median(r["ratio"][key] for r in scen),
                "scaled_ratio_of_medians": scaled_med / plain_med if plain_med else float("nan"),
                "scaled_median_ratio": statistics.median(r["ratio_scaled"][key] for r in scen),
            }
    failures = [
        f"{r['instance']}: plain {r['plain']['status']} {r['plain']['objective']:.10g}, "
        f"tight {r['tight']['status']} {r['tight']['objective']:.10g}"
        for r in records
        if not r["same_optimum"]
    ]
    return {
        "settings": {
            "model": str(settings.model),
            "scenarios": settings.scenarios,
            "repeat": settings.repeat,
            "time_limit_s": settings.time_limit_s,
            "seeds": list(settings.seeds or (0,)),
            "gap": GAP,
            "solver": "highspy " + _highs_version(),
        },
        "machine": machine_info(),
        "instances": records,
        "scenario_medians": summary,
        "failures": failures,
    }


def _highs_version() -> str:
    import highspy

    h = highspy.Highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _line(rec: dict[str, Any]) -> str:
    p, t, c = rec["plain"], rec["tight"], rec["scaled"]
    return (
        f"{rec['instance']}: plain {p['seconds']:.2f} s {p['nodes']} nodes, tight "
        f"{t['seconds']:.2f} s {t['nodes']} nodes, scaled {c['seconds']:.2f} s "
        f"{c['nodes']} nodes" + ("" if rec["same_optimum"] else "  OPTIMA DIFFER")
    )


def markdown(result: dict[str, Any]) -> str:
    """The tables of results.md."""
    head = (
        "| instance | plain s | tight s | scaled s | tight/plain s | scaled/plain s "
        "| plain nodes | tight nodes | scaled nodes | plain LP iters | tight LP iters "
        "| scaled LP iters | plain root LP | tight root LP | objective | same |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in result["instances"]:
        p, t, c = r["plain"], r["tight"], r["scaled"]
        lines.append(
            f"| {r['instance']} | {p['seconds']:.2f} | {t['seconds']:.2f} | {c['seconds']:.2f} "
            f"| {r['ratio']['seconds']:.2f} | {r['ratio_scaled']['seconds']:.2f} "
            f"| {p['nodes']} | {t['nodes']} | {c['nodes']} | {p['iterations']} "
            f"| {t['iterations']} | {c['iterations']} "
            f"| {p['root_lp_bound']:.1f} ({100 * p['root_gap']:.2f}%) "
            f"| {t['root_lp_bound']:.1f} ({100 * t['root_gap']:.2f}%) | {t['objective']:.4f} "
            f"| {'yes' if r['same_optimum'] else 'NO'} |"
        )
    med = result["scenario_medians"]
    tail = ""
    if med:
        tail = (
            "\n\nMedian over the scenarios (base case excluded):\n\n"
            "| measure | plain | tight | scaled | tight/plain: ratio of medians (median of "
            "ratios) | scaled/plain: ratio of medians (median of ratios) |\n"
            "|---|---|---|---|---|---|\n"
        )
        for key, m in med.items():
            tail += (
                f"| {key} | {m['plain_median']:.4g} | {m['tight_median']:.4g} "
                f"| {m['scaled_median']:.4g} | {m['ratio_of_medians']:.2f} "
                f"({m['median_ratio']:.2f}) | {m['scaled_ratio_of_medians']:.2f} "
                f"({m['scaled_median_ratio']:.2f}) |\n"
            )
    s = result["settings"]
    note = (
        f"\n{s['solver']}, relative gap {s['gap']:g}, one thread, seed {s['seeds'][0]}; "
        f"seconds are the median of {s['repeat']} alternating solves; root LP = the LP "
        "relaxation's bound (its gap to the optimum in brackets).\n"
    )
    return (
        "# capplan bench --suite proof\n\n"
        + head
        + "\n".join(lines)
        + tail
        + note
        + _seeds_md(result)
    )


def _seeds_md(result: dict[str, Any]) -> str:
    """Nodes per seed (only when the suite ran more than one seed)."""
    if len(result["settings"].get("seeds", [0])) < 2:
        return ""
    out = (
        "\nNodes (LP iterations) by seed "
        f"{', '.join(map(str, result['settings']['seeds']))}:\n\n"
        "| instance | plain | plain median | tight | tight median | scaled | scaled median |\n"
        "|---|---|---|---|---|---|---|\n"
    )
    for r in result["instances"]:
        cells = []
        for kind in KINDS:
            s = r[kind]["seeds"]
            runs = ", ".join(f"{n} ({i})" for n, i in zip(s["nodes"], s["iterations"], strict=True))
            cells += [runs, f"{s['nodes_median']:g} ({s['iterations_median']:g})"]
        out += f"| {r['instance']} | " + " | ".join(cells) + " |\n"
    return out


def measure(args: MeasureArgs) -> Measured:
    """``capplan bench --suite proof``: run, and the tables for results.md (exit 5 when
    the two formulations' optima differ)."""
    settings = default_settings()
    settings.repeat = args.repeat
    result = run_proof(settings, progress=lambda line: print(line, file=sys.stderr))
    return Measured(markdown(result), result, result["failures"])
