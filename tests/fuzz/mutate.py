"""A seeded mutator of capplan's inputs: model, scenario and policy files, tables, ``--set``.

Each case starts from a small valid model folder (tests/tiny.py with a scenario, a
campaign and two regions), makes one random change to one input kind and says which
layer it changed, so the suite can check that the message names that layer.  The same
seed gives the same cases.
"""

from __future__ import annotations

import copy
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tests.tiny import campaign, case, region

# columns other tables refer to: a rename there may be reported on either file (a name
# defined in one table and used in another looks the same renamed on either side)
REFERENCED = {"regions": ("region", "zone"), "parts": ("part",)}
KINDS = ("model", "scenario", "policy", "table", "set", "text")
TABLES = ["regions", "parts", "supply", "eligibility", "demand", "campaigns", "exchange_rates"]

NASTY_VALUES: list[Any] = [
    1e300,
    -1e300,
    1e23,
    2**31,
    2**63,
    -1,
    0,
    0.5,
    1e-320,
    True,
    False,
    None,
    "",
    "x",
    "1e6",
    "nan",
    "inf",
    "-inf",
    "NaN",
    "a\x00b",
    "../../../etc/passwd",
    "/tmp/capplan-fuzz",
    "y" * 5000,
    "é中文",
    [],
    [1, 2],
    {},
    {"a": {"b": {"c": 1}}},
    [[[[]]]],
    "*",
    ";",
    "FY2026",
]
NASTY_CELLS = [
    "",
    "x",
    "-1",
    "0",
    "1e999",
    "1e300",
    "-1e300",
    "nan",
    "inf",
    "1e23",
    "2147483648",
    "true",
    "maybe",
    "\x00",
    "z" * 5000,
    '"',
    "1,2",
    "  7  ",
    "0x10",
    "1_000",
    "é",
    "*",
    ";;",
]
NASTY_SET_TEXT = [
    "1e300",
    "1.0e+300",
    "-1",
    "[1, 2]",
    "{a: 1}",
    "'a\\0b'",
    '"a\\0b"',
    "*a",
    "&a [*a]",
    "!!python/object/apply:os.system ['true']",
    "",
    "null",
    "~",
    "1.0e+999",
    ".nan",
    ".inf",
    "'" + "w" * 3000 + "'",
    "[[[[[[]]]]]]",
    "2147483648",
    "yes",
    "0x10",
    "FY2026",
]
SET_KEYS = [
    "name",
    "description",
    "horizon.periods",
    "horizon.period_years",
    "budget.total_rmb_bn",
    "budget.per_period_rmb_bn",
    "finance.wacc",
    "finance.carbon_price_rmb_per_t",
    "objective.kind",
    "objective.unserved_penalty_rmb_per_zflop",
    "solver.backend",
    "solver.time_limit_s",
    "solver.mip_gap",
    "solver.threads",
    "solver.seed",
    "inputs.dir",
    "inputs.regions",
    "inputs.policy",
    "foo",
    "foo.bar",
    "budget.foo",
    "policy.state_share.CN",
    "policy.min_domestic_share_china",
    "policy.max_foreign_vendor_share",
    "policy.foo",
]


@dataclass
class Case:
    """One mutated input: the model to load, its scenarios and ``--set`` values, and the
    layer changed (as messages name it: a file name's tail, or ``command line``)."""

    n: int
    kind: str
    model: Path
    layer: str | tuple[str, ...]  # what a message must name (any of them)
    what: str
    scenarios: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)


def template(root: Path) -> Path:
    """The valid starting folder: two regions, a campaign, a scenario beside the model."""
    regions = [region(), region(region="B", zone="Z", max_new_mw_per_period=5)]
    campaigns = [campaign(flop=1e20, late_penalty_rmb_per_zflop=1000)]
    model = case(root, regions=regions, campaigns=campaigns, policy={"state_share": {"Z": 0.1}})
    folder = root / "scenarios"
    folder.mkdir()
    spec = {
        "extends": "../model.yaml",
        "overrides": {"budget": {"total_rmb_bn": 50}},
        "edits": [{"table": "demand", "where": {"zone": "Z"}, "scale": {"demand_zflop": 1.5}}],
    }
    (folder / "s.yaml").write_text(yaml.safe_dump(spec))
    return model


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def _mutate_mapping(data: dict[str, Any], rng: random.Random) -> str:
    paths = _paths(data)
    path = rng.choice(paths)
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    action = rng.random()
    if action < 0.15 and isinstance(parent, dict):
        del parent[path[-1]]
        return f"delete {path}"
    if action < 0.3 and isinstance(parent, dict):
        parent[rng.choice(["zzz", "Name", "bugdet", "x" * 300])] = rng.choice(NASTY_VALUES)
        return f"add a key beside {path}"
    value = copy.deepcopy(rng.choice(NASTY_VALUES))
    parent[path[-1]] = value
    return f"{path} = {value!r:.60}"


def _mutate_yaml(path: Path, rng: random.Random) -> str:
    data = yaml.safe_load(path.read_text())
    what = _mutate_mapping(data, rng)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return what


def _mutate_table(path: Path, rng: random.Random) -> str:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    action = rng.random()
    if action < 0.1 and len(frame.columns) > 1:
        col = rng.choice(list(frame.columns))
        frame = frame.drop(columns=col)
        what = f"drop column {col}"
    elif action < 0.2:
        col = rng.choice(list(frame.columns))
        frame[rng.choice([col.upper(), col + "x", "extra"])] = "1"
        what = f"add a column near {col}"
    elif action < 0.3:
        frame = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
        what = "duplicate the first row"
    elif len(frame) == 0:
        return "empty table left alone"
    else:
        row, col = rng.randrange(len(frame)), rng.choice(list(frame.columns))
        value = rng.choice(NASTY_CELLS)
        frame.loc[row, col] = value
        what = f"row {row} {col} = {value!r:.40}"
    frame.to_csv(path, index=False)
    return what


def _mutate_text(path: Path, rng: random.Random) -> str:
    data = path.read_bytes()
    action = rng.random()
    cut = rng.randrange(len(data) + 1)
    if action < 0.3:
        out, what = data[:cut], f"truncate at {cut}"
    elif action < 0.6:
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        out, what = data[:cut] + junk + data[cut:], f"insert {junk!r} at {cut}"
    elif action < 0.8:
        out, what = data[:cut] + b"\t" + data[cut:], f"tab at {cut}"
    else:
        out, what = data.replace(b"\n", b"\r\n", rng.randrange(5)), "some CRLF"
    path.write_bytes(out)
    return what


def make_case(n: int, seed: int, template_dir: Path, work: Path) -> Case:
    """Case ``n``: a copy of the template in ``work`` with one seeded change."""
    rng = random.Random(seed * 1_000_003 + n)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template_dir, work)
    model = work / "model.yaml"
    kind = KINDS[n % len(KINDS)]
    if kind == "model":
        return Case(n, kind, model, "model.yaml", _mutate_yaml(model, rng))
    if kind == "scenario":
        what = _mutate_yaml(work / "scenarios" / "s.yaml", rng)
        return Case(n, kind, model, "s.yaml", what, scenarios=["s"])
    if kind == "policy":
        return Case(
            n, kind, model, "policy.yaml", _mutate_yaml(work / "inputs" / "policy.yaml", rng)
        )
    if kind == "table":
        name = rng.choice(TABLES)
        what = _mutate_table(work / "inputs" / f"{name}.csv", rng)
        columns = REFERENCED.get(name, ())
        if what.startswith("row ") and any(f" {col} = " in what for col in columns):
            return Case(n, kind, model, ".csv", what)  # a renamed key: its users may speak
        return Case(n, kind, model, f"{name}.csv", what)
    if kind == "set":
        text = f"{rng.choice(SET_KEYS)}={rng.choice(NASTY_SET_TEXT)}"
        return Case(n, kind, model, "command line", f"--set {text:.60}", sets=[text])
    files = [model, work / "scenarios" / "s.yaml", work / "inputs" / "policy.yaml"]
    files += [work / "inputs" / f"{t}.csv" for t in TABLES]
    path = rng.choice(files)
    scenarios = ["s"] if path.name == "s.yaml" else []
    return Case(n, kind, model, path.name, _mutate_text(path, rng), scenarios=scenarios)
