"""capplan generate: valid model folders, byte-identical for a seed, feasible by construction.

Feasibility is checked without a solver: every required campaign comes with a witness
plan (pods bought in one region and period, training there), and the witnesses together
must satisfy every row and bound of the built program.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from capplan.cli import app
from capplan.generate import Spec, Witness, generate, generate_folder
from capplan.model.build import Model, build_model
from capplan.pipeline import load, solve

BASE_FILES = {
    "model.yaml",
    "inputs/regions.csv",
    "inputs/parts.csv",
    "inputs/supply.csv",
    "inputs/eligibility.csv",
    "inputs/demand.csv",
    "inputs/campaigns.csv",
    "inputs/exchange_rates.csv",
    "inputs/policy.yaml",
}
ROOT = Path(__file__).resolve().parents[1]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def witness_point(model: Model, witnesses: tuple[Witness, ...]) -> np.ndarray:
    """The witnesses as a point of the program: their pods and training; a penalised
    campaign without a witness is short by all of its compute; everything else 0."""
    lp = model.lp
    x = np.zeros(lp.num_vars)
    pods, train, short = (lp.var_blocks[k] for k in ("pods", "train", "short"))
    for w in witnesses:
        x[pods.start + pods.index.get_loc((w.region, w.part, w.period))] += w.pods
        x[train.start + train.index.get_loc((w.campaign, w.region, w.part, w.period))] = w.zflop
    trained = {w.campaign for w in witnesses}
    zflop = pd.Series(model.params.camp_zflop, index=model.params.sets["campaign"])
    for i, (campaign,) in enumerate(short.index):
        if campaign not in trained:
            x[short.start + i] = zflop[campaign]
    return x


def test_same_seed_same_bytes_and_the_base_layout(tmp_path: Path) -> None:
    spec = Spec(seed=7, regions=9, parts=5, periods=6, period_length="quarter", zones=3)
    a = generate_folder(spec, tmp_path / "a")
    generate_folder(spec, tmp_path / "b")
    fa, fb = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert set(fa) == BASE_FILES
    assert fa == fb
    assert generate(spec).files == a.files
    generate_folder(Spec(seed=8, regions=9, parts=5), tmp_path / "c")
    assert files_of(tmp_path / "c")["inputs/regions.csv"] != fa["inputs/regions.csv"]
    # the same headers as the shipped base inputs
    for name in BASE_FILES - {"model.yaml", "inputs/policy.yaml"}:
        shipped = (ROOT / "inputs" / Path(name).name).read_text().splitlines()[0]
        assert fa[name].decode().splitlines()[0] == shipped, name


def test_labels_by_period_length(tmp_path: Path) -> None:
    for length, first, second in [
        ("year", "FY2026", "FY2027"),
        ("quarter", "2026Q1", "2026Q2"),
        ("month", "2026-01", "2026-02"),
    ]:
        generate_folder(Spec(periods=14, period_length=length), tmp_path / length)  # type: ignore[arg-type]
        _, tables = load(tmp_path / length / "model.yaml", allow_outside=True)
        assert list(tables.periods[:2]) == [first, second]
        assert tables.period_years == {"year": 1.0, "quarter": 0.25, "month": 1 / 12}[length]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    regions=st.integers(1, 12),
    parts=st.integers(1, 9),
    periods=st.integers(1, 24),
    length=st.sampled_from(["year", "quarter", "month"]),
    zones=st.integers(1, 4),
    campaigns=st.integers(0, 8),
    policies=st.booleans(),
)
def test_every_generated_model_is_valid_and_its_witnesses_feasible(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    regions: int,
    parts: int,
    periods: int,
    length: str,
    zones: int,
    campaigns: int,
    policies: bool,
) -> None:
    spec = Spec(
        seed=seed,
        regions=regions,
        parts=parts,
        periods=periods,
        period_length=length,  # type: ignore[arg-type]
        zones=min(zones, regions),
        campaigns=campaigns,
        policies=policies,
    )
    folder = tmp_path_factory.mktemp("gen")
    made = generate_folder(spec, folder / "m")
    _, tables = load(folder / "m" / "model.yaml", allow_outside=True)  # valid
    model = build_model(tables)
    assert made.required_campaigns + made.penalised_campaigns == campaigns
    required = tables.campaigns["late_penalty_rmb_per_zflop"].isna().sum()
    assert required == made.required_campaigns
    # every required campaign has a witness; together they satisfy every row and bound
    names = set(tables.campaigns.index[tables.campaigns["late_penalty_rmb_per_zflop"].isna()])
    assert names <= {w.campaign for w in made.witnesses}
    x = witness_point(model, made.witnesses)
    assert model.lp.max_violation(x) <= 1e-9 * max(1.0, float(np.abs(x).max(initial=0.0)))


@pytest.mark.parametrize(
    "spec",
    [
        Spec(seed=3, regions=4, parts=3, periods=3, zones=2, campaigns=2),
        Spec(seed=4, regions=3, parts=4, periods=6, period_length="quarter", zones=1, campaigns=2),
    ],
)
def test_small_generated_models_solve(tmp_path: Path, spec: Spec) -> None:
    generate_folder(spec, tmp_path / "m")
    run = solve(tmp_path / "m" / "model.yaml", write=False, mip_gap=1e-4, allow_outside=True)
    assert run.result.status == "optimal", run.result.message


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "gen"
    args = ["generate", str(out), "--seed", "2", "--regions", "5", "--periods", "12"]
    first = runner.invoke(app, [*args, "--period-length", "month"])
    assert first.exit_code == 0, first.output
    assert (out / "model.yaml").is_file() and (out / "inputs" / "supply.csv").is_file()
    again = runner.invoke(app, [*args, "--period-length", "month"])
    assert again.exit_code == 2 and "already exists" in again.output
    forced = runner.invoke(app, [*args, "--period-length", "month", "--force"])
    assert forced.exit_code == 0
    bad = runner.invoke(app, ["generate", str(tmp_path / "x"), "--period-length", "week"])
    assert bad.exit_code == 2 and "--period-length" in bad.output
    assert not (tmp_path / "x").exists()
    zones = runner.invoke(app, ["generate", str(tmp_path / "y"), "--regions", "2", "--zones", "3"])
    assert zones.exit_code == 2 and "--zones" in zones.output
    assert "Traceback" not in bad.output + zones.output
    assert not list(tmp_path.glob(".*tmp*"))  # nothing half-written
