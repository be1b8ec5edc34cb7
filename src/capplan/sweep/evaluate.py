"""Out-of-sample test of a plan: hold its commit-now decisions, re-optimise the rest.

``evaluate("outputs/base", "models/sweeps/base_mc.yaml")`` reads the plan's first-period
``build``, ``enter`` and ``pods`` decisions (``investments.csv`` of a ``capplan solve``
run, ``commit_now.csv`` of a ``capplan hedge`` run, same columns), and for every sampled
future solves the model twice: with those columns fixed (every other first-period column
of the three blocks held at 0) and free (perfect foresight).  Per sample
``regret = NPV_free - NPV_plan``.  The formulas are in docs/sweeps.md:

- CVaR_a: the mean NPV of the worst ceil(a n) samples (a = 10%).
- Mean regret with a 95% interval: mean +- t(0.975, n-1) s / sqrt(n).
- With ``against`` (an evaluation of another plan over the same futures, with the same
  inputs, solver settings and versions: the same :func:`free_key`), each future's free
  solve is taken from that evaluation's rows in the run store instead of solved again:
  two plans over n futures take 3n solves, not 4n, and give the same tables.
- Mak-Morton-Wood optimality gap (multiple replications with batches of one future: the
  SAA problem of one future is its perfect-foresight solve): G = mean regret, and the
  one-sided 95% upper bound G + t(0.95, n-1) s / sqrt(n) of the plan's optimality gap.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan import store
from capplan.errors import InputError, Problem
from capplan.sweep.run import Done, Job, Settings, run_job, solver_settings, sweep_key
from capplan.sweep.worker import Fixed

COMMIT_FILES = ("commit_now.csv", "investments.csv")


def plan_decisions(run: Path, first_period: str) -> tuple[Fixed, str]:
    """The first-period rows of the plan in ``run`` (commit_now.csv or investments.csv)."""
    from capplan.results.decisions import CATEGORY_BLOCK, COLUMNS

    for name in COMMIT_FILES:
        path = run / name
        if path.is_file():
            break
    else:
        raise InputError(
            [
                Problem(
                    str(run),
                    "",
                    "no investments.csv or commit_now.csv: expected a run folder of capplan "
                    "solve or capplan hedge",
                )
            ]
        )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError([Problem(str(path), "header", f"missing column(s) {', '.join(missing)}")])
    now = frame[(frame["period"] == first_period) & frame["category"].isin(list(CATEGORY_BLOCK))]
    rows = [
        (str(period), str(region), str(category), str(part), float(str(quantity)))
        for period, region, category, part, quantity in now[list(COLUMNS)].to_numpy().tolist()
    ]
    return tuple(sorted(rows)), name


def evaluate(
    run: str | Path,
    sweep_file: str | Path,
    model: str | Path | None = None,
    *,
    scenarios: tuple[str, ...] = (),
    sets: tuple[str, ...] = (),
    settings: Settings | None = None,
    against: str | Path | None = None,
) -> Done:
    """Evaluate the plan in ``run`` over the futures of ``sweep_file`` (module docstring);
    ``against``: the folder of an evaluation of another plan over the same futures, to
    say which plan holds up better pair by pair (:func:`paired`, summary.json's
    ``paired``)."""
    from capplan.config.sweeps import read_sweep
    from capplan.library import SolveRequest, load

    settings = settings or Settings()
    run = Path(run)
    if not (run / "summary.json").is_file():
        raise InputError([Problem(str(run), "", "not a run folder (no summary.json)")])
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    model_path = (
        Path(model) if model is not None else Path("models") / str(summary.get("model_file"))
    )
    spec = read_sweep(sweep_file)
    inputs = load(SolveRequest(model_path, scenarios, sets))
    first = str(inputs.config.model.horizon.periods[0])
    fixed, source = plan_decisions(run, first)
    kind = "hedge" if source == "commit_now.csv" else "solve"
    extra: dict[str, Any] = {
        "plan": {
            "folder": str(run),
            "file": source,
            "kind": kind,
            "period": first,
            "decisions": len(fixed),
            "input_hash": summary.get("input_hash"),
        }
    }
    if against is not None:
        extra["against"] = str(_evaluation_folder(Path(against)))
    name = f"{run.name}-eval-{Path(sweep_file).stem}"
    job = Job(
        "evaluation",
        spec,
        Path(sweep_file),
        inputs,
        model_path,
        scenarios,
        sets,
        name,
        fixed=fixed,
        fix_period=first,
        extra=extra,
    )
    key = free_key(job, settings)
    known = known_free(Path(against), key, settings.store) if against is not None else {}
    extra.update(free_key=key, free_reused=len(known))
    return run_job(replace(job, free=known, extra=extra), settings)


def free_key(job: Job, settings: Settings) -> str:
    """What makes two evaluations' free (perfect-foresight) solves the same: the key of
    the same run with no plan held (inputs, futures, solver settings and versions)."""
    return sweep_key(replace(job, fixed=None, fix_period=""), solver_settings(job.config, settings))


def known_free(against: Path, key: str, store_path: Path) -> dict[int, dict[str, Any]]:
    """The free solves, by sample, of the evaluation in ``against`` if it has the same
    :func:`free_key` and its rows are in the run store at ``store_path``; else {} (each
    future is then solved free again)."""
    summary = json.loads((against / "summary.json").read_text("utf-8"))
    if summary.get("free_key") != key or not Path(store_path).is_file():
        return {}
    with store.connect(store_path, read_only=True) as con:
        rows, _ = store.get_samples(con, str(summary.get("run_id")))
    return {
        int(r["sample"]): r["free"]
        for r in rows
        if r.get("free") and r["free"].get("status") in ("optimal", "feasible")
    }


def _evaluation_folder(path: Path) -> Path:
    """``path`` if it is a finished evaluation folder, else InputError naming it."""
    summary = path / "summary.json"
    kind = json.loads(summary.read_text("utf-8")).get("kind") if summary.is_file() else None
    if kind != "evaluation" or not (path / "samples.csv").is_file():
        raise InputError(
            [Problem(str(path), "--against", "expected the folder of a capplan evaluate run")]
        )
    return path


def paired_against(table: pd.DataFrame, against: Path, plan: str) -> dict[str, Any]:
    """:func:`paired` of this evaluation's samples (``table``, as samples.csv is written)
    against those of the evaluation in ``against``; the plans named by their folders."""
    import io

    from capplan.io import write_csv

    buffer = io.StringIO()
    write_csv(table, buffer)  # type: ignore[arg-type]
    buffer.seek(0)
    own = pd.read_csv(buffer, dtype=str, keep_default_na=False)
    other = pd.read_csv(against / "samples.csv", dtype=str, keep_default_na=False)
    summary = json.loads((against / "summary.json").read_text("utf-8"))
    name = Path(str(summary.get("plan", {}).get("folder", against.name))).name
    labels = (plan, name if name != plan else f"{name} ({against.name})")
    return {"against": str(against), "plans": list(labels), **paired(own, other, labels)}


def _t(q: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(q, df))


def evaluation_summary(table: pd.DataFrame) -> dict[str, Any]:
    """CVaR, regret with its interval, and the MMW gap estimate (module docstring)."""
    from capplan.sweep.tables import cvar

    solved = table["status"].isin(["optimal", "feasible"])
    npv = (
        table.loc[solved, "npv_rmb_m"].astype(float).to_numpy()
        if "npv_rmb_m" in table
        else np.array([])
    )
    both = solved & table.get("regret_rmb_m", pd.Series(index=table.index, dtype=float)).notna()
    regret = (
        table.loc[both, "regret_rmb_m"].astype(float).to_numpy() if both.any() else np.array([])
    )
    n = regret.size
    out: dict[str, Any] = {
        "futures": len(table),
        "plan_feasible": int(solved.sum()),
        "plan_infeasible": int((table["status"] == "infeasible").sum()),
        "cvar_10_rmb_m": cvar(npv, 0.10),
        "regret_count": n,
    }
    if n >= 2:
        mean, sd = float(regret.mean()), float(regret.std(ddof=1))
        half = _t(0.975, n - 1) * sd / math.sqrt(n)
        out.update(
            regret_mean_rmb_m=mean,
            regret_sd_rmb_m=sd,
            regret_ci_low_rmb_m=mean - half,
            regret_ci_high_rmb_m=mean + half,
            regret_p90_rmb_m=float(np.quantile(regret, 0.9)),
            mmw_gap_rmb_m=mean,
            mmw_gap_upper_95_rmb_m=mean + _t(0.95, n - 1) * sd / math.sqrt(n),
        )
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in out.items()}


def paired(
    a: pd.DataFrame, b: pd.DataFrame, labels: tuple[str, str] = ("A", "B")
) -> dict[str, Any]:
    """Two plans over the same futures, pair by pair: ``a`` and ``b`` are the samples.csv
    tables of two evaluations (text or numbers).  Per future where both plans have a
    plan, d_i = NPV_a,i - NPV_b,i; the mean of d with its 95% interval
    mean +- t(0.975, n-1) sd / sqrt(n) says which plan holds up better and by how much
    (the futures are the same draws, so the pairs cancel the futures' own spread)."""
    inputs = [c for c in a.columns if c.startswith("in_")]
    if list(a["sample"].astype(str)) != list(b["sample"].astype(str)) or not a[inputs].astype(
        str
    ).equals(b[inputs].astype(str)):
        return {"comparable": False, "reason": "the evaluations did not face the same futures"}

    def npv(t: pd.DataFrame) -> np.ndarray:
        ok = t["status"].astype(str).isin(["optimal", "feasible"]).to_numpy()
        values = pd.to_numeric(t["npv_rmb_m"], errors="coerce").to_numpy(dtype=float)
        return np.where(ok, values, np.nan)

    na, nb = npv(a), npv(b)
    both = ~np.isnan(na) & ~np.isnan(nb)
    d = na[both] - nb[both]
    out: dict[str, Any] = {
        "comparable": True,
        "futures": len(a),
        "pairs": int(both.sum()),
        "infeasible_a": int(np.isnan(na).sum()),
        "infeasible_b": int(np.isnan(nb).sum()),
    }
    n = d.size
    if n < 2:
        return out
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    half = _t(0.975, n - 1) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    better = labels[0] if low > 0 else labels[1] if high < 0 else ""
    out.update(
        npv_diff_mean_rmb_m=round(mean, 6),
        npv_diff_ci_low_rmb_m=round(low, 6),
        npv_diff_ci_high_rmb_m=round(high, 6),
        share_a_better=round(float((d > 0).mean()), 6),
        holds_up_better=better,
        verdict=(
            f"{better} holds up better: its NPV is higher by {abs(mean):,.0f} RMB M on "
            f"average over {n} futures (95% CI {min(abs(low), abs(high)):,.0f} to "
            f"{max(abs(low), abs(high)):,.0f})"
            if better
            else f"no clear difference at 95%: {labels[0]} minus {labels[1]} is {mean:,.0f} "
            f"RMB M on average over {n} futures (95% CI {low:,.0f} to {high:,.0f})"
        ),
    )
    return out
