"""Checks across files: every name refers to something that exists, tables are complete."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterable

import pandas as pd

from capplan.config.schema import ModelFile, Policy
from capplan.errors import Problem

ALL = "*"


def split_list(cell: str) -> list[str]:
    """``"China; Singapore"`` -> ``["China", "Singapore"]``; ``"*"`` stays ``["*"]``."""
    return [item.strip() for item in cell.split(";") if item.strip()]


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown(
    file: str, where: str, what: str, name: str, known: Iterable[str]
) -> Problem:
    known = list(known)
    return Problem(
        file, where, f"unknown {what} {name!r}{_hint(name, known)}; known: {', '.join(known)}"
    )


def _row(frame: pd.DataFrame, i: int, keys: list[str]) -> str:
    ident = ", ".join(f"{k}={frame.at[i, k]}" for k in keys)
    return f"row {i + 2} ({ident})"


def cross_check(
    model: ModelFile, policy: Policy, tables: dict[str, pd.DataFrame], files: dict[str, str]
) -> list[Problem]:
    """Every reference between files, with one Problem per bad reference or missing row."""
    out: list[Problem] = []
    periods = list(model.horizon.periods)
    regions = tables["regions"]
    parts = tables["parts"]
    region_names = list(regions["region"])
    part_names = list(parts["part"])
    zones = list(dict.fromkeys(regions["zone"]))

    def refs(table: str, column: str, known: list[str], what: str) -> None:
        frame = tables[table]
        for i, value in frame[column].items():
            if not pd.isna(value) and value not in known:
                where = _row(frame, int(i), [column]) + f", column {column}"
                out.append(_unknown(files[table], where, what, value, known))

    # model file
    per = model.budget.per_period_rmb_bn
    if per is not None:
        for p in per:
            if p not in periods:
                out.append(_unknown(files["model"], f"budget.per_period_rmb_bn.{p}",
                                    "period", p, periods))
        for p in periods:
            if p not in per:
                out.append(Problem(files["model"], f"budget.per_period_rmb_bn.{p}",
                                   "missing: every period of horizon.periods needs a cap"))

    refs("supply", "part", part_names, "part")
    refs("supply", "period", periods, "period")
    refs("eligibility", "part", part_names, "part")
    refs("eligibility", "region", region_names, "region")
    refs("demand", "zone", zones, "zone (not the zone of any region)")
    refs("demand", "period", periods, "period")
    refs("exchange_rates", "period", periods, "period")
    refs("campaigns", "deadline", periods, "period")
    refs("campaigns", "earliest", periods, "period")

    out += _complete(tables["supply"], files["supply"],
                     {"part": part_names, "market": ["china", "overseas"], "period": periods})
    out += _complete(tables["eligibility"], files["eligibility"],
                     {"part": part_names, "region": region_names})
    out += _complete(tables["demand"], files["demand"], {"zone": zones, "period": periods})
    currencies = sorted({*regions["currency"], "CNY", "USD"})
    out += _complete(tables["exchange_rates"], files["exchange_rates"],
                     {"currency": currencies, "period": periods})

    for zone in policy.state_share:
        if zone not in zones:
            out.append(_unknown(files["policy"], f"state_share.{zone}", "zone", zone, zones))

    out += _check_campaigns(tables, files, periods, region_names, part_names)
    return out


def _complete(frame: pd.DataFrame, file: str, dims: dict[str, list[str]]) -> list[Problem]:
    """A row must exist for every combination of ``dims`` (missing rows are errors)."""
    have = set(frame[list(dims)].itertuples(index=False, name=None))
    out = []
    for combo in itertools.product(*dims.values()):
        if combo not in have:
            ident = ", ".join(f"{k}={v}" for k, v in zip(dims, combo, strict=True))
            out.append(Problem(file, ident, "missing row: every combination of "
                               f"{' x '.join(dims)} needs one"))
    return out[:20]


def _check_campaigns(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    periods: list[str],
    region_names: list[str],
    part_names: list[str],
) -> list[Problem]:
    out: list[Problem] = []
    camp = tables["campaigns"]
    elig = tables["eligibility"]
    allowed = set(elig.loc[elig["allowed"], ["region", "part"]].itertuples(index=False, name=None))
    for i, row in camp.iterrows():
        where = _row(camp, int(i), ["campaign"])
        regs = split_list(row["regions"])
        prts = split_list(row["parts"])
        bad = False
        for name in regs:
            if name != ALL and name not in region_names:
                out.append(_unknown(files["campaigns"], where + ", column regions", "region",
                                    name, region_names))
                bad = True
        for name in prts:
            if name != ALL and name not in part_names:
                out.append(_unknown(files["campaigns"], where + ", column parts", "part",
                                    name, part_names))
                bad = True
        if row["earliest"] in periods and row["deadline"] in periods and (
            periods.index(row["earliest"]) > periods.index(row["deadline"])
        ):
            out.append(Problem(files["campaigns"], where + ", column earliest",
                               f"earliest {row['earliest']} is after deadline {row['deadline']}"))
        if bad:
            continue
        regs = region_names if ALL in regs else regs
        prts = part_names if ALL in prts else prts
        if not any((r, p) in allowed for r in regs for p in prts):
            out.append(Problem(files["campaigns"], where, "no eligible region: none of its "
                               "regions may install any of its parts (see eligibility.csv)"))
    return out
