"""Checks across files: every name refers to something that exists, tables are complete."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable
from typing import NamedTuple

import pandas as pd

from capplan.config.schema import TABLE_KEYS, ModelFile, Policy
from capplan.errors import Problem

ALL = "*"
MAX_LISTED = 12  # names listed in an "expected one of" message
MAX_MISSING_ROWS = 20  # missing rows reported per table


def split_list(cell: str) -> list[str]:
    """``"China; Singapore"`` -> ``["China", "Singapore"]``; ``"*"`` stays ``["*"]``."""
    return [item.strip() for item in cell.split(";") if item.strip()]


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(known: list[str]) -> str:
    shown = ", ".join(known[:MAX_LISTED])
    return shown + (f" ... ({len(known)} in all)" if len(known) > MAX_LISTED else "")


def unknown_name(
    file: str, where: str, what: str, name: str, known: Iterable[str], source: str = ""
) -> Problem:
    """An unknown name: the name, the closest known one, and the names it may be."""
    known = list(known)
    among = f" {source}" if source else ""
    if what == "period":
        label = f"period {name!r} is outside the horizon"
    else:
        label = f"unknown {what} {name!r}"
    return Problem(
        file, where, f"{label}{_hint(name, known)}; expected one of{among}: {_listing(known)}"
    )


def _row(frame: pd.DataFrame, i: int, keys: Iterable[str]) -> str:
    """``row 5 (part=H20, region=Brazl)``: the file row number of row ``i`` and its key."""
    lines = frame.attrs.get("lines")
    number = lines[i] if lines is not None and i < len(lines) else i + 2
    cells = {k: frame[k].iloc[i] for k in keys}
    ident = ", ".join(f"{k}={v}" for k, v in cells.items() if isinstance(v, str))
    return f"row {number}" + (f" ({ident})" if ident else "")


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
    horizon = files.get("horizon", f"horizon.periods of {files['model']}")
    zone_source = f"the zones of {files['regions']}"

    rowless = _rowless(tables, files, periods, part_names)
    hidden = {what: r.strays for what, r in rowless.items()}  # said once, by the root

    def refs(table: str, column: str, known: list[str], what: str, source: str = "") -> None:
        frame = tables[table]
        keys = dict.fromkeys([*TABLE_KEYS[table], column])
        for i, value in enumerate(frame[column]):
            if not pd.isna(value) and value not in known and value not in hidden.get(what, ()):
                where = _row(frame, i, keys) + f", column {column}"
                out.append(unknown_name(files[table], where, what, value, known, source))

    def covered(what: str, names: list[str]) -> list[str]:
        """The names rows are expected for (one without any row is reported at its root)."""
        return [n for n in names if what not in rowless or n not in rowless[what].names]

    for found in rowless.values():
        out += found.problems

    out += _budget_periods(model, periods, files["model"])

    refs("supply", "part", part_names, "part")
    refs("supply", "period", periods, "period", horizon)
    refs("eligibility", "part", part_names, "part")
    refs("eligibility", "region", region_names, "region")
    refs("demand", "zone", zones, "zone", zone_source)
    refs("demand", "period", periods, "period", horizon)
    refs("exchange_rates", "period", periods, "period", horizon)
    refs("campaigns", "deadline", periods, "period", horizon)
    refs("campaigns", "earliest", periods, "period", horizon)

    out += _complete(
        tables["supply"],
        files["supply"],
        {
            "part": covered("part", part_names),
            "market": ["china", "overseas"],
            "period": covered("period", periods),
        },
    )
    out += _complete(
        tables["eligibility"],
        files["eligibility"],
        {"part": covered("part", part_names), "region": region_names},
        origin=f" (the regions of {files['regions']})",
    )
    out += _complete(
        tables["demand"],
        files["demand"],
        {"zone": zones, "period": covered("period", periods)},
        origin=f" (the zones of {files['regions']})",
    )
    currencies = sorted({*regions["currency"], "CNY", "USD"})
    out += _complete(
        tables["exchange_rates"],
        files["exchange_rates"],
        {"currency": currencies, "period": covered("period", periods)},
        reported=["period"],  # rates of currencies no region uses are allowed
    )

    for zone in policy.state_share:
        if zone not in zones:
            out.append(
                unknown_name(
                    files["policy"], f"state_share.{zone}", "zone", zone, zones, zone_source
                )
            )

    out += _check_campaigns(tables, files, periods, region_names, part_names)
    return out


def _budget_periods(model: ModelFile, periods: list[str], model_file: str) -> list[Problem]:
    """budget.per_period_rmb_bn: a cap for every period of the horizon, and no other."""
    out: list[Problem] = []
    per = model.budget.per_period_rmb_bn
    if per is not None:
        for p in per:
            if p not in periods:
                out.append(
                    unknown_name(
                        model_file,
                        f"budget.per_period_rmb_bn.{p}",
                        "period",
                        p,
                        periods,
                        "horizon.periods",
                    )
                )
        for p in periods:
            if p not in per:
                out.append(
                    Problem(
                        model_file,
                        f"budget.per_period_rmb_bn.{p}",
                        "missing: expected a cap for every period of horizon.periods",
                    )
                )
    return out


class Rowless(NamedTuple):
    """Names that no table needing rows for them has a row for: each is reported once, on
    the layer that gave the name (a rename, when the tables have rows for ``strays``,
    unknown names, instead: those rows are not reported again)."""

    names: set[str]
    strays: set[str]
    problems: list[Problem]


def _rowless(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    periods: list[str],
    part_names: list[str],
) -> dict[str, Rowless]:
    """Periods and parts without a row in any of the tables that need one.

    A period that supply, demand and exchange rates all lack was given (or renamed) by
    ``horizon.periods``, not by the tables: it is blamed there (the loader names the model
    file, scenario or ``--set`` that set it), as a part that supply and eligibility both
    lack is blamed on its row of parts.csv.
    """

    def row_of(table: str, column: str) -> Callable[[str], tuple[str, str]]:
        frame = tables[table]
        return lambda name: (
            files[table],
            _row(frame, list(frame[column]).index(name), TABLE_KEYS[table]) + f", column {column}",
        )

    dims: dict[str, tuple[list[str], Callable[[str], tuple[str, str]], list[tuple[str, str]]]] = {
        "period": (
            periods,
            lambda name: (files["model"], "horizon.periods"),
            [("supply", "period"), ("demand", "period"), ("exchange_rates", "period")],
        ),
        "part": (
            part_names,
            row_of("parts", "part"),
            [("supply", "part"), ("eligibility", "part")],
        ),
    }  # not zones (demand) or regions (eligibility): with one table that needs rows, a
    # rename in either file looks the same, so those stay "missing row" on the table
    found: dict[str, Rowless] = {}
    for what, (names, origin, uses) in dims.items():
        seen = {v for t, c in uses for v in tables[t][c] if not pd.isna(v)}
        missing = [n for n in names if n not in seen]
        if not missing:
            continue
        strays = sorted(seen - set(names))
        where = ", ".join(files[t] for t, _ in uses)
        shown = _listing([repr(s) for s in strays])
        they = "they have" if len(uses) > 1 else "it has"
        instead = f"; {they} rows for {shown} instead (renamed?)" if strays else ""
        problems = []
        for name in missing[:MAX_MISSING_ROWS]:
            file, at = origin(name)
            problems.append(
                Problem(
                    file,
                    at,
                    f"{what} {name!r} has no rows in {where}{instead}; expected a {what} "
                    f"with rows in {'each of them' if len(uses) > 1 else 'it'} (add its rows, "
                    "or correct the name)",
                )
            )
        found[what] = Rowless(set(missing), set(strays), problems)
    return found


def _complete(
    frame: pd.DataFrame,
    file: str,
    dims: dict[str, list[str]],
    reported: Iterable[str] | None = None,
    origin: str = "",
) -> list[Problem]:
    """A row must exist for every combination of ``dims`` (missing rows are errors);
    ``origin`` says where the names come from (the other file a rename may be in).

    A row with an unknown name in a ``reported`` column (default: every column of ``dims``;
    its problem is already reported, usually a typo) is taken to be the missing row it
    matches on its known names, so one typo gives one message.  Rows with unknown names
    only in other columns (such as an unused currency) are extra rows, allowed.
    """
    names = list(dims)
    checked = [name in set(names if reported is None else reported) for name in names]
    known = [set(v) for v in dims.values()]
    have: set[tuple[str, ...]] = set()
    strays: list[tuple[str, ...]] = []
    for combo in frame[names].itertuples(index=False, name=None):
        bad = [v not in k for v, k in zip(combo, known, strict=True)]
        if not any(bad):
            have.add(combo)
        elif any(b and c for b, c in zip(bad, checked, strict=True)):
            strays.append(combo)

    def explained(combo: tuple[str, ...]) -> bool:
        """Whether a stray row (a typo) matches ``combo``; each stray explains one combo."""
        for j, stray in enumerate(strays):
            parts = zip(stray, combo, known, checked, strict=True)
            if all(s == c or (s not in k and ok) for s, c, k, ok in parts):
                del strays[j]
                return True
        return False

    out = []
    for combo in itertools.product(*dims.values()):
        if combo not in have and not explained(combo):
            ident = ", ".join(f"{k}={v}" for k, v in zip(dims, combo, strict=True))
            out.append(
                Problem(
                    file,
                    ident,
                    "missing row: expected one row for every combination of "
                    f"{' x '.join(dims)}{origin}",
                )
            )
    if len(out) > MAX_MISSING_ROWS:
        more = len(out) - MAX_MISSING_ROWS
        out = out[:MAX_MISSING_ROWS]
        out.append(Problem(file, "", f"... and {more} more missing rows"))
    return out


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
    for i, (_, row) in enumerate(camp.iterrows()):
        where = _row(camp, i, ["campaign"])
        regs = split_list(row["regions"])
        prts = split_list(row["parts"])
        bad = False
        for name in regs:
            if name != ALL and name not in region_names:
                out.append(
                    unknown_name(
                        files["campaigns"], where + ", column regions", "region", name, region_names
                    )
                )
                bad = True
        for name in prts:
            if name != ALL and name not in part_names:
                out.append(
                    unknown_name(
                        files["campaigns"], where + ", column parts", "part", name, part_names
                    )
                )
                bad = True
        if (
            row["earliest"] in periods
            and row["deadline"] in periods
            and (periods.index(row["earliest"]) > periods.index(row["deadline"]))
        ):
            out.append(
                Problem(
                    files["campaigns"],
                    where + ", column earliest",
                    f"earliest {row['earliest']} is after deadline "
                    f"{row['deadline']}: expected earliest <= deadline",
                )
            )
        if bad:
            continue
        regs = region_names if ALL in regs else regs
        prts = part_names if ALL in prts else prts
        if not any((r, p) in allowed for r in regs for p in prts):
            out.append(
                Problem(
                    files["campaigns"],
                    where,
                    "no eligible region: none of its "
                    "regions may install any of its parts (see eligibility.csv)",
                )
            )
    return out
