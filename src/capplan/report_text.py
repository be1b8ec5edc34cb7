"""The short, readable summary printed at the end of ``capplan solve``.

:func:`summary_rows` gives (label, value) pairs; the terminal shows them as a table
(:mod:`capplan.terminal`) and :func:`summary_text` as plain lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capplan.results.money import money_rows

if TYPE_CHECKING:
    from capplan.pipeline import Run


def _bn(value_m: float | None) -> str:
    return "n/a" if value_m is None else f"RMB {value_m / 1e3:,.1f} bn"


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}%"


def gap_text(summary: dict[str, object]) -> str:
    """What is known about the gap, honestly: measured, proven at most, or unknown."""
    gap, at_most = summary.get("gap"), summary.get("gap_at_most")
    solver = summary["solver"]
    assert isinstance(solver, dict)
    backend, requested = solver["backend"], solver["mip_gap"]
    if isinstance(gap, float | int):
        return f"{gap:.1e} (requested {requested:g})"
    if isinstance(at_most, float | int):
        return f"<= {at_most:g}, proven by {backend}, which reports no bound"
    return "not known"


def summary_rows(run: Run) -> list[tuple[str, str]]:
    """Status, headline KPIs and times as (label, value) pairs."""
    s = run.summary
    solver = s["solver"]
    scenarios = "".join(f" + {name}" for name in s.get("scenarios") or [])
    rows = [
        ("model", f"{s['model']}{scenarios}"),
        ("status", str(s["status"])),
        ("gap", gap_text(s)),
        ("solver", f"{solver['backend']} ({solver['version']})"),
    ]
    k = s.get("kpis")
    if k:
        b = run.tables["budget"]
        cap = b.loc[b["period"] == "total", "cap_rmb_m"].iloc[0]
        rows += [
            ("NPV", _bn(k["npv_rmb_m"])),
            *(money_rows(s["money"]) if "money" in s else []),
            (
                "capex",
                f"{_bn(k['capex_rmb_m'])} of {_bn(cap)} ({_pct(k['budget_used_share'])})",
            ),
            (
                "fleet",
                f"domestic {_pct(k['domestic_share'])}, Nvidia {_pct(k['nvidia_share'])} "
                "(last period, peak PFLOPS)",
            ),
            ("unserved demand", _pct(k["unserved_share"])),
            ("utilisation", _pct(k["utilisation"])),
            ("emissions", f"{k['tco2'] / 1e6:,.2f} MtCO2"),
        ]
    rows.append(
        (
            "times",
            ", ".join(f"{key.removesuffix('_s')} {val:.2f} s" for key, val in s["times"].items()),
        )
    )
    return rows


def written_text(run: Run) -> str:
    """Where the run's files went ('' if nothing was written)."""
    if run.out_dir is None:
        return ""
    return f"wrote {run.out_dir}/ ({', '.join(sorted(run.tables))}.csv, summary.json)"


def summary_text(run: Run) -> str:
    """A few lines a planner can read: status, headline KPIs, times, where files went."""
    lines = [f"{label}: {value}" for label, value in summary_rows(run)]
    if run.out_dir is not None:
        lines.append(written_text(run))
    return "\n".join(lines)
