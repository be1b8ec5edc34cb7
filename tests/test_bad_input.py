"""Bad input gets one clear message per problem and a documented exit code.

Every case runs the real command line (``capplan validate`` or ``capplan solve``) through
Typer's test runner and checks: the exit code (2 bad input, 3 infeasible), that the
message names the file, the key path or row and column, the bad value and what was
expected, that each problem is one line, and that no traceback reaches the user.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from capplan.cli import app
from capplan.config.loader import load_config
from capplan.errors import ExitCode, InputError
from tests.tiny import case, part, region

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
BAD_INPUT = int(ExitCode.BAD_INPUT)
INFEASIBLE = int(ExitCode.INFEASIBLE)

runner = CliRunner()


# --------------------------------------------------------------------------- helpers


def base_copy(tmp_path: Path) -> Path:
    """A copy of the shipped base case (models/ and inputs/); return its model file."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    return tmp_path / "models" / "base.yaml"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a text file (which must contain it) by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def table(model: Path, name: str) -> Path:
    """The path of input file ``name`` next to a tiny case or a base copy."""
    tiny = model.parent / "inputs" / name
    return tiny if model.name == "model.yaml" else model.parent.parent / "inputs" / name


def validate(model: Path) -> Result:
    """Run ``capplan validate <model>``."""
    return runner.invoke(app, ["validate", str(model)])


def check_clean(result: Result, code: int) -> str:
    """The exit code is ``code``, no traceback was printed or raised; return the output."""
    output = result.output
    assert result.exit_code == code, output
    assert "Traceback" not in output
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    return output


def check_message(result: Result, *fragments: str, problems: int = 1) -> str:
    """Exit code 2; the message has every fragment and one line per problem."""
    output = check_clean(result, BAD_INPUT)
    stderr = result.stderr
    assert stderr.startswith("capplan: bad input:"), stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"
    lines = stderr.strip().splitlines()
    assert len(lines) == (1 if problems == 1 else problems + 1), stderr
    if problems > 1:
        assert lines[0] == f"capplan: bad input: {problems} problems"
    assert output.strip() == stderr.strip()  # nothing else printed
    return stderr


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Bad:
    """A kind of bad input: how to make it and what its one message must say."""

    make: Callable[[Path], Path]
    fragments: tuple[str, ...]


def _unknown_key(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(model, "  wacc: 0.079", "  wacc: 0.079\n  wac: 0.08")
    return model


def _unknown_top_key(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(model, "objective:", "objectiv:\n  kind: max_npv\nobjective:")
    return model


def _region_typo_eligibility(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(table(model, "eligibility.csv"), "H20,Brazil,", "H20,Brazl,")
    return model


def _zone_typo_demand(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(table(model, "demand.csv"), "EU,FY2026,", "EUU,FY2026,")
    return model


def _region_typo_campaign(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(table(model, "campaigns.csv"), "China;Singapore;Malaysia", "China;Singapur;Malaysia")
    return model


def _negative_price(tmp: Path) -> Path:
    return case(tmp, parts=[part(price_usd=-5)])


def _yaml_1e6(tmp: Path) -> Path:
    model = case(tmp)
    edit(model, "total_rmb_bn: 100", "total_rmb_bn: 1e6")
    return model


def _yaml_yes_for_number(tmp: Path) -> Path:
    model = case(tmp)
    edit(model, "wacc: 0.0", "wacc: yes")
    return model


def _yaml_number_for_text(tmp: Path) -> Path:
    model = case(tmp, model={"horizon": {"periods": [2026], "period_years": 1}})
    return model


def _yaml_nan(tmp: Path) -> Path:
    model = case(tmp)
    edit(model, "wacc: 0.0", "wacc: .nan")
    return model


def _csv_nan(tmp: Path) -> Path:
    return case(tmp, regions=[region(pue="nan")])


def _csv_inf(tmp: Path) -> Path:
    return case(tmp, parts=[part(tflops="inf")])


def _missing_parts(tmp: Path) -> Path:
    model = case(tmp)
    table(model, "parts.csv").unlink()
    return model


def _missing_model(tmp: Path) -> Path:
    return tmp / "no-such-model.yaml"


def _missing_inputs_dir(tmp: Path) -> Path:
    return case(tmp, model={"inputs": {"dir": "inptus"}})


def _header_only_regions(tmp: Path) -> Path:
    model = case(tmp)
    path = table(model, "regions.csv")
    path.write_text(path.read_text().splitlines()[0] + "\n")
    return model


def _empty_regions_file(tmp: Path) -> Path:
    model = case(tmp)
    table(model, "regions.csv").write_text("")
    return model


def _empty_model_file(tmp: Path) -> Path:
    model = case(tmp)
    model.write_text("# nothing here\n")
    return model


def _model_is_a_list(tmp: Path) -> Path:
    model = case(tmp)
    model.write_text("- name: tiny\n")
    return model


def _deadline_outside_horizon(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(table(model, "campaigns.csv"), ",FY2026,China,*", ",FY2030,China,*")
    return model


# A small valid model file whose line numbers the YAML syntax cases rely on.
MODEL_TEXT = """\
name: tiny
horizon:
  periods: [Y1]
  period_years: 1
budget:
  total_rmb_bn: 100
finance:
  wacc: 0.0
  server_uplift: 0.0
inputs:
  dir: inputs
"""


def _yaml_text(tmp: Path, old: str, new: str) -> Path:
    """A tiny case whose model file is MODEL_TEXT with ``old`` replaced by ``new``."""
    model = case(tmp)
    assert old in MODEL_TEXT
    model.write_text(MODEL_TEXT.replace(old, new, 1))
    return model


def _yaml_bad_indent(tmp: Path) -> Path:
    return _yaml_text(tmp, "  period_years: 1", "    period_years: 1")


def _yaml_unclosed_bracket(tmp: Path) -> Path:
    return _yaml_text(tmp, "[Y1]", "[Y1")


def _yaml_tab(tmp: Path) -> Path:
    return _yaml_text(tmp, "  period_years: 1", "\tperiod_years: 1")


def _yaml_key_twice(tmp: Path) -> Path:
    return _yaml_text(tmp, "  wacc: 0.0", "  wacc: 0.0\n  wacc: 0.1")


def _yaml_missing_key(tmp: Path) -> Path:
    model = base_copy(tmp)
    edit(model, "  wacc: 0.079", "")
    return model


def _yaml_missing_section(tmp: Path) -> Path:
    model = base_copy(tmp)
    text = model.read_text()
    start, end = text.index("finance:"), text.index("objective:")
    model.write_text(text[:start] + text[end:])
    return model


def _missing_rate_beside_unused_currency(tmp: Path) -> Path:
    rates = [{"currency": c, "period": "Y1", "per_usd": 1.0} for c in ("CNY", "USD", "GBP")]
    return case(tmp, regions=[region(currency="EUR")], exchange_rates=rates)


def _yaml_bad_choice(tmp: Path) -> Path:
    return case(tmp, model={"objective": {"kind": "max_nvp"}})


def _unknown_column(tmp: Path) -> Path:
    return case(tmp, parts=[part(colour="red")])


def _misspelt_column(tmp: Path) -> Path:
    model = case(tmp)
    edit(table(model, "parts.csv"), "price_usd", "price_us")
    return model


def _missing_column(tmp: Path) -> Path:
    row = region()
    del row["pue"]
    return case(tmp, regions=[row])


def _duplicate_column(tmp: Path) -> Path:
    model = case(tmp)
    path = table(model, "eligibility.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",region", *(x + ",A" for x in lines[1:])]) + "\n")
    return model


def _duplicate_region(tmp: Path) -> Path:
    return case(
        tmp,
        regions=[region(), region(pue=1.2)],
        eligibility=[{"part": "P", "region": "A", "allowed": True}],
    )


def _ragged_row(tmp: Path) -> Path:
    model = case(tmp, parts=[part(), part(part="Q")])
    edit(table(model, "parts.csv"), "\nQ,V,", "\nQ,V,x,")
    return model


def _thousands_comma(tmp: Path) -> Path:
    model = case(tmp, regions=[region(existing_mw=1500)])
    edit(table(model, "regions.csv"), ",1500,", ",1,500,")
    return model


def _bad_boolean(tmp: Path) -> Path:
    return case(tmp, parts=[part(domestic="maybe")])


def _fractional_pod(tmp: Path) -> Path:
    return case(tmp, parts=[part(pod_size=2.5)])


def _blank_cell(tmp: Path) -> Path:
    return case(tmp, parts=[part(vendor="")])


def _bad_market(tmp: Path) -> Path:
    return case(tmp, regions=[region(market="chna")])


def _bad_currency(tmp: Path) -> Path:
    rates = [{"currency": c, "period": "Y1", "per_usd": 1.0} for c in ("CNY", "USD")]
    return case(tmp, regions=[region(currency="yuan")], exchange_rates=rates)


def _unknown_zone_policy(tmp: Path) -> Path:
    return case(tmp, policy={"state_share": {"Z": 0.5, "ZZ": 0.5}})


def _share_above_one(tmp: Path) -> Path:
    return case(tmp, policy={"state_share": {"Z": 1.5}})


def _missing_supply_row(tmp: Path) -> Path:
    rows = [{"part": "P", "market": "china", "period": "Y1", "units": 10, "price_premium": 0}]
    return case(tmp, supply=rows)


def _earliest_after_deadline(tmp: Path) -> Path:
    model = case(
        tmp,
        model={"horizon": {"periods": ["Y1", "Y2"], "period_years": 1}},
        campaigns=[
            {
                "campaign": "c",
                "flop": 1e21,
                "earliest": "Y2",
                "deadline": "Y1",
                "regions": "*",
                "parts": "*",
                "late_penalty_rmb_per_zflop": "",
            }
        ],
    )
    return model


def _not_utf8(tmp: Path) -> Path:
    model = case(tmp)
    table(model, "demand.csv").write_bytes(b"zone,period\n\xff\xfe,Y1\n")
    return model


CASES: dict[str, Bad] = {
    "unknown key": Bad(
        _unknown_key,
        (
            "base.yaml: finance.wac: unknown key (did you mean 'wacc'?)",
            "expected one of: wacc, server_uplift",
        ),
    ),
    "unknown top-level key": Bad(
        _unknown_top_key, ("base.yaml: objectiv: unknown key (did you mean 'objective'?)",)
    ),
    "region typo in eligibility": Bad(
        _region_typo_eligibility,
        (
            "eligibility.csv: row 3 (part=H20, region=Brazl), column region",
            "unknown region 'Brazl' (did you mean 'Brazil'?)",
            "expected one of: China, Brazil",
        ),
    ),
    "zone typo in demand": Bad(
        _zone_typo_demand,
        (
            "demand.csv: row 5 (zone=EUU, period=FY2026), column zone",
            "unknown zone 'EUU' (did you mean 'EU'?)",
            "expected one of the zones of",
        ),
    ),
    "region typo in a campaign list": Bad(
        _region_typo_campaign,
        (
            "campaigns.csv: row 3 (campaign=qwen-omni), column regions",
            "unknown region 'Singapur' (did you mean 'Singapore'?)",
        ),
    ),
    "negative price": Bad(
        _negative_price,
        (
            "parts.csv: row 2 (part=P), column price_usd",
            "expected a number greater than 0, got '-5'",
        ),
    ),
    "1e6 read as text by YAML": Bad(
        _yaml_1e6,
        (
            "model.yaml: budget.total_rmb_bn: expected a number, got '1e6'",
            "YAML 1.1 reads numbers like 1e6 as text: write 1.0e+6 or 1000000",
        ),
    ),
    "yes for a number": Bad(
        _yaml_yes_for_number,
        (
            "model.yaml: finance.wacc: expected a number, got True",
            "YAML reads yes/no/on/off/true/false as a boolean",
        ),
    ),
    "number for a text": Bad(
        _yaml_number_for_text,
        ("model.yaml: horizon.periods[0]: expected text, got 2026", "put it in quotes"),
    ),
    "NaN in YAML": Bad(
        _yaml_nan,
        ("model.yaml: finance.wacc: expected a finite number (not NaN or infinity), got nan",),
    ),
    "NaN in a CSV cell": Bad(
        _csv_nan,
        (
            "regions.csv: row 2 (region=A), column pue",
            "expected a finite number (not NaN or infinity), got 'nan'",
        ),
    ),
    "infinity in a CSV cell": Bad(
        _csv_inf,
        ("parts.csv: row 2 (part=P), column tflops", "expected a finite number", "got 'inf'"),
    ),
    "missing table file": Bad(
        _missing_parts,
        ("parts.csv: file not found: expected a CSV table with columns part, vendor",),
    ),
    "missing model file": Bad(
        _missing_model, ("no-such-model.yaml: file not found: expected a YAML file",)
    ),
    "missing inputs folder": Bad(
        _missing_inputs_dir,
        (
            "model.yaml: inputs.dir: folder 'inptus' not found",
            "expected the folder that holds the input tables",
        ),
    ),
    "table with a header only": Bad(
        _header_only_regions,
        ("regions.csv: table has a header but no rows: expected at least one row",),
    ),
    "empty table file": Bad(
        _empty_regions_file,
        ("regions.csv: file is empty: expected a CSV table with columns region, zone",),
    ),
    "empty model file": Bad(
        _empty_model_file, ("model.yaml: file is empty: expected a YAML mapping of keys to values",)
    ),
    "model file not a mapping": Bad(
        _model_is_a_list, ("model.yaml: expected a YAML mapping of keys to values, got a list",)
    ),
    "deadline outside the horizon": Bad(
        _deadline_outside_horizon,
        (
            "campaigns.csv: row 2 (campaign=qwen-max-next, deadline=FY2030), column deadline",
            "period 'FY2030' is outside the horizon",
            "expected one of horizon.periods of",
            "FY2026, FY2027, FY2028",
        ),
    ),
    "YAML bad indentation": Bad(
        _yaml_bad_indent,
        ("model.yaml: line 4, column 5: malformed YAML", "expected consistent indentation"),
    ),
    "YAML unclosed bracket": Bad(
        _yaml_unclosed_bracket,
        (
            "model.yaml: line 4",
            "malformed YAML",
            "flow sequence at line 3",
            "expected a closing ] or }",
        ),
    ),
    "YAML tab": Bad(
        _yaml_tab, ("model.yaml: line 4, column 1: malformed YAML", "expected spaces, not tabs")
    ),
    "YAML key given twice": Bad(
        _yaml_key_twice,
        (
            "model.yaml: line 9, column 3",
            "key 'wacc' appears twice (first on line 8)",
            "expected each key once",
        ),
    ),
    "YAML required key missing": Bad(
        _yaml_missing_key,
        ("base.yaml: finance.wacc: missing required key: Cost of capital per year",),
    ),
    "YAML required section missing": Bad(
        _yaml_missing_section,
        ("base.yaml: finance: missing required key: Discounting and cost assumptions",),
    ),
    "missing exchange rate": Bad(
        _missing_rate_beside_unused_currency,
        ("exchange_rates.csv: currency=EUR, period=Y1: missing row",),
    ),
    "YAML value not among the choices": Bad(
        _yaml_bad_choice,
        ("model.yaml: objective.kind: expected 'max_npv' or 'min_cost', got 'max_nvp'",),
    ),
    "unknown CSV column": Bad(
        _unknown_column,
        ("parts.csv: row 1 (header): unknown column 'colour'", "expected columns: part, vendor"),
    ),
    "misspelt CSV column": Bad(
        _misspelt_column,
        ("parts.csv: row 1 (header): unknown column 'price_us' (did you mean 'price_usd'?)",),
    ),
    "missing CSV column": Bad(
        _missing_column,
        ("regions.csv: row 1 (header): missing column(s) pue", "expected columns: region"),
    ),
    "CSV column given twice": Bad(
        _duplicate_column, ("eligibility.csv: row 1 (header): column(s) given twice: region",)
    ),
    "duplicate region row": Bad(
        _duplicate_region,
        (
            "regions.csv: row 3 (region=A): duplicate region: row 2 has the same",
            "expected one row per region",
        ),
    ),
    "ragged CSV row": Bad(_ragged_row, ("parts.csv: row 3: 12 values, expected 11",)),
    "thousands separator in a CSV number": Bad(
        _thousands_comma, ("regions.csv: row 2: 16 values, expected 15",)
    ),
    "bad boolean": Bad(
        _bad_boolean,
        ("parts.csv: row 2 (part=P), column domestic: expected true or false, got 'maybe'",),
    ),
    "fraction for a whole number": Bad(
        _fractional_pod,
        ("parts.csv: row 2 (part=P), column pod_size: expected a whole number, got '2.5'",),
    ),
    "blank required cell": Bad(
        _blank_cell, ("parts.csv: row 2 (part=P), column vendor: empty cell: expected text",)
    ),
    "value not among the choices": Bad(
        _bad_market,
        (
            "regions.csv: row 2 (region=A), column market",
            "expected 'china' or 'overseas', got 'chna'",
        ),
    ),
    "value not matching a pattern": Bad(
        _bad_currency,
        (
            "regions.csv: row 2 (region=A), column currency",
            "expected text matching the pattern '^[A-Z]{3}$' (ISO code of the currency",
            "got 'yuan'",
        ),
    ),
    "unknown zone in policy": Bad(
        _unknown_zone_policy,
        (
            "policy.yaml: state_share.ZZ: unknown zone 'ZZ'",
            "expected one of the zones of",
            "regions.csv: Z",
        ),
    ),
    "share above one": Bad(
        _share_above_one,
        ("policy.yaml: state_share.Z: expected a number less than or equal to 1, got 1.5",),
    ),
    "missing supply row": Bad(
        _missing_supply_row,
        (
            "supply.csv: part=P, market=overseas, period=Y1: missing row",
            "expected one row for every combination of part x market x period",
        ),
    ),
    "earliest after deadline": Bad(
        _earliest_after_deadline,
        (
            "campaigns.csv: row 2 (campaign=c), column earliest",
            "earliest Y2 is after deadline Y1: expected earliest <= deadline",
        ),
    ),
    "file not UTF-8": Bad(_not_utf8, ("demand.csv: not UTF-8 text", "save it as UTF-8")),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_gives_one_message_and_exit_code_2(kind: str, tmp_path: Path) -> None:
    bad = CASES[kind]
    check_message(validate(bad.make(tmp_path)), *bad.fragments)


def test_at_least_ten_kinds_are_covered() -> None:
    assert len(CASES) >= 10


# --------------------------------------------------------------------------- all at once


def test_problems_in_several_files_are_reported_together(tmp_path: Path) -> None:
    model = case(
        tmp_path,
        regions=[region(pue="nan")],
        parts=[part(price_usd=-5)],
        policy={"state_share": {"Z": 1.5}},
    )
    edit(model, "total_rmb_bn: 100", "total_rmb_bn: 1e6")
    check_message(
        validate(model),
        "model.yaml: budget.total_rmb_bn: expected a number, got '1e6'",
        "regions.csv: row 2 (region=A), column pue: expected a finite number",
        "parts.csv: row 2 (part=P), column price_usd: expected a number greater than 0",
        "policy.yaml: state_share.Z: expected a number less than or equal to 1",
        problems=4,
    )


def test_problems_in_one_table_are_reported_together(tmp_path: Path) -> None:
    model = case(tmp_path, parts=[part(price_usd=-5, pod_size=0), part(part="Q", watts="")])
    check_message(
        validate(model),
        "row 2 (part=P), column price_usd: expected a number greater than 0, got '-5.0'",
        "row 2 (part=P), column pod_size: expected a number greater than or equal to 1, got '0'",
        "row 3 (part=Q), column watts: empty cell: expected a number",
        problems=3,
    )


def test_bad_references_are_reported_together(tmp_path: Path) -> None:
    model = base_copy(tmp_path)
    edit(table(model, "eligibility.csv"), "H20,Brazil,", "H20,Brazl,")
    edit(table(model, "campaigns.csv"), ",FY2026,China,*", ",FY2030,China,*")
    edit(table(model, "policy.yaml"), "CN: 0.3", "CN: 0.3\n  CNN: 0.1")
    check_message(
        validate(model),
        "eligibility.csv: row 3 (part=H20, region=Brazl), column region: unknown region",
        "campaigns.csv: row 2 (campaign=qwen-max-next, deadline=FY2030), column deadline",
        "policy.yaml: state_share.CNN: unknown zone 'CNN' (did you mean 'CN'?)",
        problems=3,
    )


def test_a_typo_is_one_problem_not_also_a_missing_row(tmp_path: Path) -> None:
    model = base_copy(tmp_path)
    edit(table(model, "eligibility.csv"), "H20,Brazil,", "H20,Brazl,")
    with pytest.raises(InputError) as info:
        load_config(model)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert Path(problem.file).name == "eligibility.csv"
    assert problem.where == "row 3 (part=H20, region=Brazl), column region"


def test_many_missing_rows_are_capped(tmp_path: Path) -> None:
    parts = [part(part=f"P{i}") for i in range(30)]
    supply = [{"part": "P0", "market": "china", "period": "Y1", "units": 1, "price_premium": 0}]
    with pytest.raises(InputError) as info:
        load_config(case(tmp_path, parts=parts, supply=supply))
    problems = info.value.problems
    assert len(problems) == 21
    assert problems[-1].message == "... and 39 more missing rows"


def test_row_numbers_count_blank_lines(tmp_path: Path) -> None:
    model = case(tmp_path, parts=[part(), part(part="Q", price_usd=-1)])
    edit(table(model, "parts.csv"), "\nQ,", "\n\n\nQ,")
    check_message(validate(model), "parts.csv: row 5 (part=Q), column price_usd")


# --------------------------------------------------------------------------- solve


def _campaign(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "campaign": "big",
        "flop": 1e23,
        "earliest": "",
        "deadline": "Y1",
        "regions": "*",
        "parts": "*",
        "late_penalty_rmb_per_zflop": "",
    }
    return {**row, **changes}


def test_infeasible_budget_exits_3(tmp_path: Path) -> None:
    # the campaign needs 100 ZFLOP by Y1: 100 pods of RMB 1 million; the budget buys 2
    model = case(tmp_path, model={"budget": {"total_rmb_bn": 0.002}}, campaigns=[_campaign()])
    result = runner.invoke(app, ["solve", str(model), "--out", str(tmp_path / "run")])
    check_clean(result, INFEASIBLE)
    assert "infeasible" in result.stderr.lower()
    lines = result.stderr.strip().splitlines()
    # the tiny case's figures are implausible on purpose (plausible.py): warnings aside
    assert len([ln for ln in lines if "warning:" not in ln]) <= 3


def test_solve_reports_bad_input_like_validate(tmp_path: Path) -> None:
    model = case(tmp_path, parts=[part(price_usd=-5)])
    result = runner.invoke(app, ["solve", str(model), "--out", str(tmp_path / "run")])
    check_message(result, "parts.csv: row 2 (part=P), column price_usd")
    assert not (tmp_path / "run").exists()


def test_unknown_solver_exits_2(tmp_path: Path) -> None:
    model = case(tmp_path)
    result = runner.invoke(
        app, ["solve", str(model), "--solver", "gurobii", "--out", str(tmp_path / "run")]
    )
    check_message(
        result, "command line: --solver: unknown value 'gurobii'", "expected one of", "highs"
    )
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- good input


def test_shipped_base_case_is_valid_by_absolute_path() -> None:
    result = validate(BASE)
    output = check_clean(result, 0)
    assert "valid" in output


def test_shipped_base_case_is_valid_from_the_project_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["validate", "models/base.yaml"])
    output = check_clean(result, 0)
    assert output.startswith("models/base.yaml: valid")


def test_base_case_with_blank_lines_crlf_and_bom_is_valid(tmp_path: Path) -> None:
    model = base_copy(tmp_path)
    path = table(model, "parts.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\r\n")
    check_clean(validate(model), 0)


def test_model_text_of_the_yaml_cases_is_valid(tmp_path: Path) -> None:
    check_clean(validate(_yaml_text(tmp_path, "name: tiny", "name: tiny")), 0)
