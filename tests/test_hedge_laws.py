"""Laws of hedged plans, each in its own test, on tiny models worked by hand
(tests/hedge_cases.py)."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from capplan.hedge import Risk, hedge
from capplan.hedge.outputs import non_anticipative
from capplan.io import write_csv
from capplan.pipeline import solve
from capplan.report import write_report
from tests.hedge_cases import boom_bust, demand_edit, tiny_hedge_model, write_futures

PLAN_TABLES = [
    "investments",
    "capacity",
    "fleet",
    "demand",
    "serving",
    "training",
    "campaigns",
    "budget",
]


def _csv(frame: pd.DataFrame, path: Path) -> bytes:
    write_csv(frame, path)
    return path.read_bytes()


def _future(tables: dict[str, pd.DataFrame], name: str, table: str) -> pd.DataFrame:
    frame = tables[table]
    return frame[frame["future"] == name].drop(columns="future").reset_index(drop=True)


def _one_future(outcome: dict[str, Any]) -> dict[str, Any]:
    return {"factors": {"x": {"known_at": "Y2", "outcomes": {"only": outcome}}}}


def test_one_future_gives_the_tables_of_solve(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    futures = write_futures(tmp_path / "f.yaml", _one_future({"probability": 1.0}))
    run = hedge(model, futures, write=False)
    plain = solve(model, write=False)
    for table in PLAN_TABLES:
        mine = _csv(_future(run.tables, "only", table), tmp_path / "a.csv")
        theirs = _csv(plain.tables[table], tmp_path / "b.csv")
        assert mine == theirs, table
    assert run.summary["objective"] == pytest.approx(plain.result.objective, abs=1e-9)


def test_identical_futures_give_the_deterministic_plan(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    same = {"probability": 0.5, "edits": [demand_edit(10.0)]}
    data = {"factors": {"x": {"known_at": "Y2", "outcomes": {"a": same, "b": dict(same)}}}}
    run = hedge(model, write_futures(tmp_path / "f.yaml", data), write=False)
    scenario = tmp_path / "m" / "boom.yaml"
    scenario.write_text(
        "extends: model.yaml\nedits:\n  - {table: demand, where: {period: {from: Y2}}, "
        "set: {demand_zflop: 10.0}}\n"
    )
    plain = solve(scenario, write=False)
    for name in ("a", "b"):
        for table in PLAN_TABLES:
            pd.testing.assert_frame_equal(_future(run.tables, name, table), plain.tables[table])
    assert run.summary["value_of_information"]["EVPI"]["value"] == pytest.approx(0, abs=1e-6)
    assert run.summary["value_of_information"]["VSS"]["value"] == pytest.approx(0, abs=1e-6)


def test_ws_rp_eev_order_within_gaps(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    run = hedge(model, write_futures(tmp_path / "f.yaml", boom_bust()), write=False)
    voi = run.summary["value_of_information"]
    ws_hi, rp_lo = voi["WS"]["bracket"][1], voi["RP"]["bracket"][0]
    rp_hi, eev_lo = voi["RP"]["bracket"][1], voi["EEV"]["bracket"][0]
    assert voi["WS"]["bracket"][1] >= rp_lo - 1e-9
    assert rp_hi >= eev_lo - 1e-9
    assert voi["WS"]["value"] > voi["RP"]["value"] > voi["EEV"]["value"]  # strict here
    assert ws_hi >= voi["RP"]["value"]


def test_cvar_weight_zero_equals_risk_neutral(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    neutral = hedge(model, write_futures(tmp_path / "a.yaml", boom_bust()), write=False)
    zero = hedge(
        model,
        write_futures(tmp_path / "b.yaml", boom_bust({"cvar_alpha": 0.5, "cvar_weight": 0.0})),
        write=False,
    )
    for table in PLAN_TABLES:
        pd.testing.assert_frame_equal(neutral.tables[table], zero.tables[table])
    assert zero.summary["objective"] == neutral.summary["objective"]


def test_higher_cvar_weight_never_lowers_cvar_nor_raises_mean(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    futures = write_futures(tmp_path / "f.yaml", boom_bust())
    seen = []
    for weight in (0.0, 0.3, 0.6, 0.9):
        run = hedge(model, futures, risk=Risk(0.5, weight), write=False)
        d = run.summary["npv_distribution"]
        seen.append((weight, d["mean"], d["cvar"], int(run.tables["commit_now"]["quantity"][0])))
    for (_, mean0, cvar0, _), (_, mean1, cvar1, _) in itertools.pairwise(seen):
        assert cvar1 >= cvar0 - 1e-6
        assert mean1 <= mean0 + 1e-6
    # by hand: k = 10 (mean 24, CVaR 8) when risk-neutral, k = 5 (19, 13) above weight 1/2
    # (at weight 1 only the worst future counts, and the others' later decisions are free)
    assert seen[0][1:] == pytest.approx((24.0, 8.0, 10))
    assert seen[-1][1:] == pytest.approx((19.0, 13.0, 5))


def test_probability_zero_future_changes_nothing(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    two = hedge(model, write_futures(tmp_path / "a.yaml", boom_bust()), write=False)
    data = boom_bust()
    # a future that would force the plan to buy nothing in Y1, were it possible
    data["factors"]["demand"]["outcomes"]["none"] = {
        "probability": 0.0,
        "edits": [{"table": "supply", "where": {}, "set": {"units": 0}}],
    }
    three = hedge(model, write_futures(tmp_path / "b.yaml", data), write=False)
    assert three.summary["excluded_futures"] == ["none"]
    for table in [*PLAN_TABLES, "commit_now", "value_of_information", "npv_distribution"]:
        pd.testing.assert_frame_equal(two.tables[table], three.tables[table])


def _tree() -> dict[str, Any]:
    """Demand from Y2 known at Y2, then Y3's demand known at Y3: a three-stage tree."""
    return {
        "factors": {
            "y2": {
                "known_at": "Y2",
                "outcomes": {
                    "low": {"probability": 0.5, "edits": [demand_edit(2.0)]},
                    "high": {"probability": 0.5, "edits": [demand_edit(10.0)]},
                },
            },
            "y3": {
                "known_at": "Y3",
                "outcomes": {
                    "flat": {"probability": 0.6},
                    "up": {"probability": 0.4, "edits": [demand_edit(12.0, "Y3")]},
                },
            },
        }
    }


def test_non_anticipativity_in_every_table(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    run = hedge(model, write_futures(tmp_path / "f.yaml", _tree()), write=False)
    assert non_anticipative(run.result)
    nodes = {f["name"]: f["nodes"] for f in run.summary["futures"]}
    assert len(nodes) == 4 and len({tuple(n) for n in nodes.values()}) == 4
    for table in PLAN_TABLES:
        frame = run.tables[table]
        if "period" not in frame.columns or frame.empty:
            continue
        for t, period in enumerate(["Y1", "Y2", "Y3"]):
            groups: dict[tuple[str, ...], list[str]] = {}
            for name, path in nodes.items():
                groups.setdefault(tuple(path[: t + 1]), []).append(name)
            for members in groups.values():
                rows = []
                for name in members:
                    frame = _future(run.tables, name, table)
                    rows.append(frame[frame["period"] == period].reset_index(drop=True))
                decisions = [_decisions(table, r) for r in rows]
                for other in decisions[1:]:
                    pd.testing.assert_frame_equal(decisions[0], other)


def _decisions(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a table that the period's decisions set (not the data around them:
    demand.csv's demand and unserved, campaigns' requirements, capacity's caps)."""
    keep = {
        "demand": ["period", "segment", "served_zflop"],
        "capacity": None,
        "budget": ["period", "category", "capex_rmb_m"],
    }.get(table, list(frame.columns))
    if keep is None:
        return frame[[c for c in frame.columns if "cap" not in c]]
    return frame[[c for c in keep if c in frame.columns]]


def test_run_folder_is_written(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    run = hedge(model, write_futures(tmp_path / "f.yaml", boom_bust()), out=tmp_path / "run")
    assert run.out_dir is not None
    names = sorted(p.name for p in run.out_dir.iterdir())
    for name in [
        "commit_now.csv",
        "futures.csv",
        "npv_distribution.csv",
        "summary.json",
        "value_of_information.csv",
        "investments.csv",
    ]:
        assert name in names
    frame = pd.read_csv(io.StringIO((run.out_dir / "investments.csv").read_text()))
    assert frame.columns[0] == "future"
    made = write_report([run.out_dir])
    html = made.html.read_text()
    for section in ("commit_now", "value_of_information", "npv_distribution", "futures"):
        assert f'data-table="{section}"' in html
    vss = run.summary["value_of_information"]["VSS"]["value"]
    assert f'data-key="value_of_information.VSS.value" data-v="{vss!r}"' in html
