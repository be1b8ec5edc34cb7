"""Regression tests for issue 12 ("Hardening"): what fuzzing and fault injection found.

Each test is named after the item it holds (docs/reliability.md lists them) and fails on
the code before the fix (commit 6c2c01c).  Inputs are tiny cases (tests/tiny.py) run
through the real command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from capplan.cli import app
from capplan.config import yaml_files
from capplan.config.loader import load_config
from capplan.errors import InputError
from tests.tiny import campaign, case, part, region

runner = CliRunner()
MAX_LINE = 2048  # no message line over 2 KB


def run(*args: str) -> Result:
    return runner.invoke(app, [*args])


def bad(result: Result, *fragments: str) -> str:
    """Exit code 2, no traceback, every fragment in the message, no line over 2 KB."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr[:3000]}"
    assert max(len(line) for line in result.stderr.splitlines()) <= MAX_LINE
    return result.stderr


def scenario(model: Path, name: str, spec: dict[str, object]) -> None:
    folder = model.parent / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")


# ------------------------------------------------------------------ 1. run folder escape


@pytest.mark.parametrize("name", ["../../escaped", "{tmp}/escaped-abs", ".hidden"])
def test_item1_run_name_that_leaves_outputs_is_refused(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = name.format(tmp=tmp_path)
    model = case(tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    bad(run("solve", str(model), "-q", "--set", f"name={name}"), "--set name")
    assert not (tmp_path / "escaped").exists()
    assert not (tmp_path / "escaped-abs").exists()
    assert not (tmp_path / "p" / "outputs").exists()


def test_item1_explicit_out_may_go_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = case(tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    result = run("solve", str(model), "-q", "--out", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere" / "summary.json").is_file()


# ------------------------------------------------------------------ 2. runs never share


def test_item2_default_name_moves_on_when_taken_during_the_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run finishes into outputs/tiny while this one solves: this one becomes
    outputs/tiny-2 (it used to solve in full and then exit 2)."""
    from capplan.pipeline import solve

    model = case(tmp_path)
    monkeypatch.chdir(tmp_path)

    def stage(name: str, _detail: str) -> None:
        if name == "write":
            (tmp_path / "outputs" / "tiny").mkdir(parents=True)
            (tmp_path / "outputs" / "tiny" / "other.txt").write_text("the other run")

    done = solve(model, on_stage=stage)
    assert done.out_dir == Path("outputs/tiny-2")
    assert (tmp_path / "outputs" / "tiny" / "other.txt").read_text() == "the other run"
    assert (tmp_path / "outputs" / "tiny-2" / "summary.json").is_file()


def test_item2_two_solves_racing_into_one_name_keep_both(tmp_path: Path) -> None:
    model = case(tmp_path)
    code = "from capplan.cli import main; main()"
    cmd = [sys.executable, "-c", code, "solve", str(model), "-q"]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    names = sorted(p.name for p in (tmp_path / "outputs").iterdir() if p.is_dir())
    assert names == ["tiny", "tiny-2"]
    for name in names:
        assert (tmp_path / "outputs" / name / "summary.json").is_file()


# ------------------------------------------------------------------ 4. numbers solve can't take


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", "solver.seed=2147483648"], "--set solver.seed"),
        (["--set", "finance.carbon_price_rmb_per_t=1.0e+300"], "--set finance.carbon_price"),
        (["--set", "budget.total_rmb_bn=1.0e+200"], "--set budget.total_rmb_bn"),
    ],
)
def test_item4_validate_rejects_numbers_solve_cannot_take(
    args: list[str], fragment: str, tmp_path: Path
) -> None:
    bad(
        run("validate", str(case(tmp_path)), *args),
        fragment,
        "at most" if "seed" not in fragment else "2147483647",
    )


@pytest.mark.parametrize(
    ("tables", "fragment"),
    [
        ({"parts": [part(pod_size="1" + "0" * 23)]}, "parts.csv: row 2"),
        (
            {
                "demand": [
                    {"zone": "Z", "period": "Y1", "demand_zflop": 3e305, "revenue_rmb_per_zflop": 1}
                ]
            },
            "demand.csv: row 2",
        ),
        (
            {"campaigns": [campaign(flop=1e300)]},
            "campaigns.csv: row 2",
        ),
    ],
)
def test_item4_and_12_huge_table_numbers_rejected_at_validate(
    tables: dict[str, list[dict[str, object]]], fragment: str, tmp_path: Path
) -> None:
    bad(run("validate", str(case(tmp_path, **tables))), fragment)  # type: ignore[arg-type]


# ------------------------------------------------------------------ 5. the right layer blamed


def test_item5_bad_set_key_is_blamed_on_the_set_option(tmp_path: Path) -> None:
    out = bad(run("validate", str(case(tmp_path)), "--set", "foo.bar=1"), "command line: --set foo")
    assert "model.yaml" not in out


def test_item5_bad_scenario_key_is_blamed_on_the_scenario(tmp_path: Path) -> None:
    model = case(tmp_path)
    scenario(model, "x", {"extends": "../model.yaml", "overrides": {"foo": {"bar": 1}}})
    out = bad(run("validate", str(model), "-s", "x"), "scenarios/x.yaml: overrides.foo")
    assert "model.yaml:" not in out


# ------------------------------------------------------------------ 6. optional number columns


def test_item6_edits_on_optional_number_columns(tmp_path: Path) -> None:
    regions = [region(max_new_mw_per_period=10, max_new_mw_total=70)]
    model = case(tmp_path, regions=regions)
    edit = {
        "table": "regions",
        "where": {"max_new_mw_total": 70},
        "scale": {"max_new_mw_per_period": 2},
    }
    scenario(model, "x", {"extends": "../model.yaml", "edits": [edit]})
    config = load_config(model, ["x"])
    assert config.tables["regions"]["max_new_mw_per_period"].tolist() == [20.0]


# ------------------------------------------------------------------ 7. NUL bytes


def test_item7_nul_byte_in_a_set_path(tmp_path: Path) -> None:
    bad(
        run("validate", str(case(tmp_path)), "--set", 'inputs.regions="a\\0b"'),
        "--set inputs.regions",
    )


def test_item7_nul_byte_in_extends(tmp_path: Path) -> None:
    model = case(tmp_path)
    (model.parent / "scenarios").mkdir()
    (model.parent / "scenarios" / "x.yaml").write_text('extends: "../mo\\0del.yaml"\n')
    bad(run("validate", str(model), "-s", "x"), "scenarios/x.yaml: extends")


def test_a_path_part_longer_than_a_file_system_allows(tmp_path: Path) -> None:
    """Found by the full fuzz run: a 5,000-character folder name gave 'File name too long'
    as an internal error; it is bad input naming the --set value."""
    bad(
        run("validate", str(case(tmp_path)), "--set", "inputs.dir=" + "d" * 300),
        "--set inputs.dir",
    )


# ------------------------------------------------------------------ 8. huge and wide tables


def test_item8_wide_header_is_linear_and_capped(tmp_path: Path) -> None:
    model = case(tmp_path)
    path = model.parent / "inputs" / "parts.csv"
    lines = path.read_text().splitlines()
    extra = [f"x{i}" for i in range(100_000)]
    path.write_text(",".join([lines[0], *extra]) + "\n" + ",".join([lines[1], *("1" * 100_000)]))
    out = bad(run("validate", str(model)), "unknown column 'x0'", "more problem(s) not listed")
    assert len(out.splitlines()) <= 40


def test_item8_many_bad_rows_are_capped_and_long_values_shortened(tmp_path: Path) -> None:
    long = "y" * 100_000
    rows = [part(part=f"P{i}", tflops="many") for i in range(6_000)] + [part(part=long)]
    out = bad(run("validate", str(case(tmp_path, parts=rows))), "not checked", "more problem(s)")
    assert len(out) < 64 * 1024 and len(out.splitlines()) <= 40


# ------------------------------------------------------------------ 11. symlinks


def test_item11_scenario_symlinked_outside_the_project_is_refused(tmp_path: Path) -> None:
    model = case(tmp_path / "project" / "p")  # the project folder: tmp_path / "project"
    outside = tmp_path / "elsewhere" / "evil.yaml"
    outside.parent.mkdir()
    outside.write_text(yaml.safe_dump({"extends": str(model)}))
    (model.parent / "scenarios").mkdir()
    os.symlink(outside, model.parent / "scenarios" / "evil.yaml")
    bad(run("validate", str(model), "-s", "evil"), "--scenario evil", "outside the project")
    result = run("validate", str(model), "-s", "evil", "--allow-outside")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ 12. YAML size words


def test_item12_large_plain_yaml_is_not_called_an_alias_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_files, "MAX_YAML_VALUES", 1000)  # the mechanism, at a small size
    model = case(tmp_path)
    (model.parent / "scenarios").mkdir()
    big = model.parent / "scenarios" / "big.yaml"
    big.write_text(f"extends: ../model.yaml\nx: [{'0,' * 1001}]\n")
    with pytest.raises(InputError) as plain:
        load_config(model, ["big"])
    assert "more than 1,000 keys and values" in str(plain.value)
    assert "alias" not in str(plain.value)
    big.write_text(
        "extends: ../model.yaml\na: &a [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    with pytest.raises(InputError) as bomb:
        load_config(model, ["big"])
    assert "(an alias bomb?)" in str(bomb.value)


# ------------------------------------------------------------------ 12. -q means quiet


def test_item12_quiet_prints_nothing_but_capplan_lines(tmp_path: Path) -> None:
    """A real process (the solver's C output is not Python's): -q prints nothing on an
    optimal solve but plausibility warnings, and only ``capplan:`` lines for an infeasible
    one."""
    code = "from capplan.cli import main; main()"
    ok = subprocess.run(
        [sys.executable, "-c", code, "solve", str(case(tmp_path / "a")), "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0 and ok.stdout == "", ok
    # the tiny case's values are outside their plausible ranges: warnings, and nothing else
    assert all(line.startswith("capplan: warning: ") for line in ok.stderr.splitlines()), ok
    model = case(tmp_path / "b", campaigns=[campaign(flop=1e29)])
    bad_run = subprocess.run(
        [sys.executable, "-c", code, "solve", str(model), "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad_run.returncode == 3 and bad_run.stdout == "", bad_run
    assert all(line.startswith("capplan: ") for line in bad_run.stderr.splitlines()), bad_run
