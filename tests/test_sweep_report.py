"""The sweep report and ``capplan evaluate`` on hand-worked tiny cases.

One period, the tiny case of tests/tiny.py: a pod of one unit costs RMB 1 million and
serves 1 ZFLOP; demand is 5 ZFLOP at RMB 2 million.  The base plan buys 5 pods, NPV 5.
With demand scaled by f the best plan buys round(5 f) pods (a pod is worth buying when it
serves more than half a ZFLOP): NPV 2 * 5f - pods.  Holding the base plan's 5 pods gives
2 * min(5f, 5) - 5.  So at f = 0.5: free NPV 2 * 2.5 - 2 (or - 3) = 2, plan 0, regret 2;
at f = 1.5: free 2 * 7.5 - 8 (or 7) = 7, plan 5, regret 2.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from capplan.cli import app
from capplan.store import record_run
from tests.chromium import find_chromium, open_page
from tests.test_report import BARE_NUMBER, Page, check_numbers
from tests.tiny import case

runner = CliRunner()
OAT = {
    "method": "one_at_a_time",
    "parameters": [
        {"name": "demand", "table": "demand", "scale": "demand_zflop", "low": 0.5, "high": 1.5},
        {
            "name": "revenue",
            "table": "demand",
            "scale": "revenue_rmb_per_zflop",
            "low": 0.75,
            "high": 1.0,
        },
        {"name": "budget", "key": "budget.total_rmb_bn", "low": 0.003, "high": 100.0},
    ],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("oat")
    case(root)
    (root / "oat.yaml").write_text(yaml.safe_dump(OAT, sort_keys=False))
    return root


def _cli(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _evaluate(project: Path, plan: Path, out: Path, store: Path, *extra: str) -> None:
    """``capplan evaluate`` of ``plan`` over the OAT futures, in this process."""
    _cli(
        "evaluate",
        str(plan),
        "--sweep",
        str(project / "oat.yaml"),
        "--model",
        str(project / "model.yaml"),
        "--workers",
        "1",
        "--store",
        str(store),
        "--out",
        str(out),
        *extra,
    )


@pytest.fixture(scope="module")
def oat(project: Path) -> Path:
    out = project / "oat-run"
    _cli(
        "sweep",
        str(project / "model.yaml"),
        str(project / "oat.yaml"),
        "--workers",
        "1",
        "--store",
        str(project / "runs.duckdb"),
        "--out",
        str(out),
    )
    _cli("report", str(out))
    return out


def test_tornado_by_hand(oat: Path) -> None:
    """Base NPV 5; demand x0.5: 2, x1.5: 7; revenue x0.75 (1.5 per ZFLOP): 7.5 - 5 = 2.5;
    a budget of RMB 3 million buys 3 pods: 6 - 3 = 3."""
    t = pd.read_csv(oat / "tornado.csv").set_index("parameter")
    assert list(t.index) == ["demand", "revenue", "budget"]  # widest swing first
    assert t["npv_base_rmb_m"].tolist() == pytest.approx([5, 5, 5])
    assert t.loc["demand", ["npv_low_rmb_m", "npv_high_rmb_m"]].tolist() == pytest.approx([2, 7])
    assert t.loc["revenue", ["npv_low_rmb_m", "npv_high_rmb_m"]].tolist() == pytest.approx([2.5, 5])
    assert t.loc["budget", ["npv_low_rmb_m", "npv_high_rmb_m"]].tolist() == pytest.approx([3, 5])
    samples = pd.read_csv(oat / "samples.csv", keep_default_na=False)
    assert samples["parameter"].tolist() == [
        "",
        "demand",
        "demand",
        "revenue",
        "revenue",
        "budget",
        "budget",
    ]


def test_every_number_on_the_sweep_page_comes_from_its_folder(oat: Path) -> None:
    html = (oat / "report.html").read_text()
    page = Page(html)
    assert check_numbers(page, [oat]) > 60
    cols = {(a.get("data-src"), a.get("data-col")) for a, _ in page.sourced}
    assert ("tornado.csv", "npv_low_rmb_m") in cols and ("fan_capex.csv", "p90") in cols
    assert {a.get("data-key") for a, _ in page.sourced} >= {"npv.mean", "npv.p10", "npv.cvar_10"}
    bare = BARE_NUMBER.findall(" ".join(page.free_text))
    assert not bare, f"numbers without a source: {bare[:20]}"
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?):", html) and "script" not in page.tags
    assert [i["data-chart"] for i in page.images] == [
        "npv_distribution",
        "tornado",
        "fan_capex",
        "fan_fleet",
    ]
    assert "The assumptions that move NPV most: demand, revenue, budget" in html


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium here (apt-get install chromium)")
def test_chromium_renders_the_sweep_report(oat: Path) -> None:
    url = (oat / "report.html").resolve().as_uri()
    seen = open_page(find_chromium() or "", url)
    assert seen.console_errors == []
    assert [u for u in seen.requests if u != url and not u.startswith("data:")] == []
    assert len(seen.images) == 4
    assert all(i["complete"] and i["width"] > 0 for i in seen.images)
    assert "Which assumptions move NPV most" in seen.text and "demand" in seen.text


def test_evaluate_holds_the_plan_and_measures_regret(project: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    _cli("solve", str(project / "model.yaml"), "--out", str(plan), "-q")
    run_id = record_run(plan, tmp_path / "runs.duckdb")  # what capplan solve will call
    with duckdb.connect(str(tmp_path / "runs.duckdb"), read_only=True) as con:
        kind, objective = con.execute(
            "SELECT kind, objective FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
        (csv,) = con.execute(
            "SELECT csv FROM run_tables WHERE run_id = ? AND name = 'investments'", [run_id]
        ).fetchone()
    assert kind == "solve" and objective == pytest.approx(5.0)
    assert csv == (plan / "investments.csv").read_text()
    out = tmp_path / "eval"
    _evaluate(project, plan, out, tmp_path / "runs.duckdb")
    s = pd.read_csv(out / "samples.csv", keep_default_na=False).set_index("sample")
    # base, demand low/high, revenue low/high, budget low/high
    assert s["status"].tolist()[:5] == ["optimal"] * 5
    assert s["npv_rmb_m"].iloc[:5].astype(float).tolist() == pytest.approx([5, 0, 5, 2.5, 5])
    assert s["free_npv_rmb_m"].iloc[:5].astype(float).tolist() == pytest.approx([5, 2, 7, 2.5, 5])
    assert s["regret_rmb_m"].iloc[:5].astype(float).tolist() == pytest.approx([0, 2, 2, 0, 0])
    # a budget of RMB 3 million cannot pay for the plan's 5 pods: the plan is infeasible
    assert s.at[5, "status"] == "infeasible" and s.at[6, "status"] == "optimal"
    summary = json.loads((out / "summary.json").read_text())
    ev = summary["evaluation"]
    regret = [0, 2, 2, 0, 0, 0]
    mean, sd = sum(regret) / 6, pd.Series(regret).std()
    assert ev["plan_infeasible"] == 1 and ev["regret_count"] == 6
    assert ev["regret_mean_rmb_m"] == pytest.approx(mean)
    half = 2.570582 * sd / math.sqrt(6)  # t(0.975, 5)
    assert ev["regret_ci_high_rmb_m"] == pytest.approx(mean + half, rel=1e-5)
    assert ev["mmw_gap_upper_95_rmb_m"] == pytest.approx(
        mean + 2.015048 * sd / math.sqrt(6), rel=1e-5
    )
    assert ev["cvar_10_rmb_m"] == pytest.approx(0.0)  # the worst of six: ceil(0.6) = 1 sample
    assert summary["plan"]["decisions"] == 1 and summary["plan"]["file"] == "investments.csv"
    _cli("report", str(out))
    page = Page((out / "report.html").read_text())
    assert check_numbers(page, [out]) > 40
    assert "evaluation.regret_mean_rmb_m" in {a.get("data-key") for a, _ in page.sourced}


def test_two_plans_side_by_side_over_the_same_futures(project: Path, tmp_path: Path) -> None:
    """The base plan (5 pods) against a timid one (3 pods, solved with RMB 3 million):
    over the seven futures the timid plan's mean NPV is lower and its regret higher."""
    folders = []
    for name, sets in (("bold", []), ("timid", ["--set", "budget.total_rmb_bn=0.003"])):
        against = ["--against", str(folders[0])] if folders else []
        plan = tmp_path / name
        _cli("solve", str(project / "model.yaml"), *sets, "--out", str(plan), "-q")
        out = tmp_path / f"{name}-eval"
        _evaluate(project, plan, out, tmp_path / "runs.duckdb", *against)
        folders.append(out)
    _cli("report", *map(str, folders), "--out", str(tmp_path / "both"))
    html = (tmp_path / "both" / "report.html").read_text()
    page = Page(html)
    assert check_numbers(page, folders) > 80
    assert not BARE_NUMBER.findall(" ".join(page.free_text))
    means = [json.loads((f / "summary.json").read_text())["npv"]["mean"] for f in folders]
    regret = [
        json.loads((f / "summary.json").read_text())["evaluation"]["regret_mean_rmb_m"]
        for f in folders
    ]
    assert means[0] > means[1] and regret[0] < regret[1]
    shown = {(a["data-run"], a.get("data-key")) for a, _ in page.sourced}
    assert {("0", "evaluation.regret_mean_rmb_m"), ("1", "evaluation.regret_mean_rmb_m")} <= shown
    assert 'data-table="compare"' in html
    # --against, pair by pair over the six futures where both plans hold: NPV timid - bold
    # is -2, +2 (low demand: the bold plan's pods stand idle), -2, -1, -2, -2; mean -7/6,
    # and with six pairs the 95% interval holds zero: no clear winner at that level
    paired = json.loads((folders[1] / "summary.json").read_text())["paired"]
    assert paired["plans"] == ["timid", "bold"] and paired["pairs"] == 6, paired
    assert paired["npv_diff_mean_rmb_m"] == pytest.approx(-7 / 6)
    assert paired["npv_diff_ci_low_rmb_m"] < 0 < paired["npv_diff_ci_high_rmb_m"]
    assert paired["holds_up_better"] == "" and paired["infeasible_b"] == 1
    assert ("1", "paired.npv_diff_mean_rmb_m") in shown
    assert "No clear difference between timid and bold" in html
    # --against also lent the timid evaluation the bold one's seven free solves (the same
    # futures, inputs and settings); evaluated alone, the timid plan gets the same table
    summaries = [json.loads((f / "summary.json").read_text()) for f in folders]
    assert [s["free_reused"] for s in summaries] == [0, 7]
    assert summaries[0]["free_key"] == summaries[1]["free_key"]
    alone = tmp_path / "timid-alone"
    _evaluate(project, tmp_path / "timid", alone, tmp_path / "alone.duckdb")
    assert json.loads((alone / "summary.json").read_text())["free_reused"] == 0
    assert (alone / "samples.csv").read_bytes() == (folders[1] / "samples.csv").read_bytes()


def test_a_grid_runs_every_combination_in_file_order(project: Path, tmp_path: Path) -> None:
    """demand x {0.5, 1.5} by revenue x {0.75, 1.0}, the last varying fastest.  At 2.5 ZFLOP
    and RMB 1.5 million per ZFLOP two pods earn 3 - 2 = 1 (a third would serve half a ZFLOP
    for 0.75 < 1); at RMB 2 million, 2; at 7.5 ZFLOP seven pods earn 10.5 - 7 = 3.5 and
    15 - 8 = 7 (or 14 - 7)."""
    spec = {
        "method": "grid",
        "parameters": [
            {"name": "demand", "table": "demand", "scale": "demand_zflop", "grid": [0.5, 1.5]},
            {
                "name": "revenue",
                "table": "demand",
                "scale": "revenue_rmb_per_zflop",
                "grid": [0.75, 1.0],
            },
        ],
    }
    (tmp_path / "grid.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "grid"
    _cli(
        "sweep",
        str(project / "model.yaml"),
        str(tmp_path / "grid.yaml"),
        "--workers",
        "1",
        "--store",
        str(tmp_path / "runs.duckdb"),
        "--out",
        str(out),
    )
    s = pd.read_csv(out / "samples.csv")
    assert s["in_demand"].tolist() == [0.5, 0.5, 1.5, 1.5]
    assert s["in_revenue"].tolist() == [0.75, 1.0, 0.75, 1.0]
    assert s["npv_rmb_m"].tolist() == pytest.approx([1, 2, 3.5, 7])
    assert not (out / "tornado.csv").exists()
