"""Bad futures files and MPS directories: one message per problem, naming the file and
the key path, exit code 2, no traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from capplan.cli import app
from tests.hedge_cases import boom_bust, demand_edit, tiny_hedge_model, write_futures

FARMER = Path(__file__).parent / "data" / "farmer"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["hedge", *args, "-q"])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_every_problem_of_a_futures_file_is_named(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    data = boom_bust()
    demand = data["factors"]["demand"]
    demand["known_at"] = "Y9"
    demand["outcomes"]["bust"]["probability"] = 0.4  # sums to 0.9
    data["factors"]["other"] = {
        "known_at": "Y3",
        "outcomes": {"a": {"edits": [demand_edit(1.0)]}, "b": {"probability": 1.0}},
    }
    path = write_futures(tmp_path / "bad.yaml", data)
    code, out = _run(str(model), "--futures", str(path))
    assert code == 2
    lines = [line for line in out.splitlines() if line.strip().startswith("- ")]
    assert len(lines) == 3, out
    assert any("factors.demand.known_at" in x and "'Y9'" in x and "Y1, Y2, Y3" in x for x in lines)
    assert any("factors.demand.outcomes" in x and "sum to 0.9" in x for x in lines)
    assert any("factors.other.outcomes.a.probability" in x and "missing" in x for x in lines)
    assert all("bad.yaml" in x for x in lines)


def test_schema_errors_name_the_key(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    data = boom_bust()
    data["factors"]["demand"]["outcomes"]["boom"]["probabilty"] = 0.5  # misspelt
    data["factors"]["demand"]["outcomes"]["boom"]["edits"][0]["table"] = "demands"
    code, out = _run(str(model), "--futures", str(write_futures(tmp_path / "b.yaml", data)))
    assert code == 2
    assert "factors.demand.outcomes.boom.probabilty" in out
    assert "factors.demand.outcomes.boom.edits[0].table" in out or "edits.0.table" in out


def test_a_bad_edit_names_the_outcome(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    data = boom_bust()
    data["factors"]["demand"]["outcomes"]["boom"]["edits"] = [
        {"table": "demand", "where": {"zone": "Nowhere"}, "set": {"demand_zflop": 1.0}}
    ]
    code, out = _run(str(model), "--futures", str(write_futures(tmp_path / "c.yaml", data)))
    assert code == 2
    assert "factors.demand.outcomes.boom" in out and "Nowhere" in out


def test_explicit_futures_must_sum_to_one_and_name_known_outcomes(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    data = boom_bust()
    for outcome in data["factors"]["demand"]["outcomes"].values():
        del outcome["probability"]
    data["futures"] = [
        {"name": "a", "probability": 0.5, "outcomes": {"demand": "bust"}},
        {"name": "b", "probability": 0.4, "outcomes": {"demand": "flat"}},
    ]
    code, out = _run(str(model), "--futures", str(write_futures(tmp_path / "d.yaml", data)))
    assert code == 2
    assert "futures[1].outcomes.demand" in out and "'flat'" in out
    assert "futures: probabilities sum to 0.9" in out


def test_mps_dir_problems(tmp_path: Path) -> None:
    folder = tmp_path / "farmer"
    shutil.copytree(FARMER / "min", folder)
    (folder / "scen1_nonants.json").unlink()
    tree = json.loads((folder / "scen2_nonants.json").read_text())
    tree["treeData"]["nodes"]["ROOT"]["nonAnts"].append("NoSuchVariable")
    (folder / "scen2_nonants.json").write_text(json.dumps(tree))
    code, out = _run("--mps-dir", str(folder))
    assert code == 2
    assert "scen1_nonants.json" in out and "not found" in out
    assert "treeData.nodes.ROOT.nonAnts[3]" in out and "NoSuchVariable" in out


def test_model_or_mps_dir_is_required() -> None:
    code, out = _run()
    assert code == 2 and "--mps-dir" in out


def test_futures_json_schema() -> None:
    result = runner.invoke(app, ["schema", "futures"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "FuturesFile" and "factors" in schema["required"]
    assert {"known_at", "outcomes"} <= set(schema["$defs"]["Factor"]["required"])
