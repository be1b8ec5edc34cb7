"""The short, readable summary printed at the end of ``capplan solve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capplan.pipeline import Run


def _bn(value_m: float | None) -> str:
    return "n/a" if value_m is None else f"RMB {value_m / 1e3:,.1f} bn"


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}%"


def summary_text(run: Run) -> str:
    """A few lines a planner can read: status, headline KPIs, times, where files went."""
    s = run.summary
    lines = []
    gap, at_most = s.get("gap"), s.get("gap_at_most")
    backend, requested = s["solver"]["backend"], s["solver"]["mip_gap"]
    if gap is not None:
        gap_text = f"gap {gap:.1e}, requested {requested:g}"
    elif at_most is not None:
        gap_text = f"gap <= {at_most:g}, proven by {backend}, which reports no bound"
    else:
        gap_text = "no gap known"
    lines.append(f"{s['model']}: {s['status']} ({gap_text}) with {backend}")
    k = s.get("kpis")
    if k:
        b = run.tables["budget"]
        cap = b.loc[b["period"] == "total", "cap_rmb_m"].iloc[0]
        lines.append(
            f"NPV {_bn(k['npv_rmb_m'])} | capex {_bn(k['capex_rmb_m'])} of {_bn(cap)} "
            f"({_pct(k['budget_used_share'])})"
        )
        lines.append(
            f"fleet: domestic {_pct(k['domestic_share'])}, Nvidia {_pct(k['nvidia_share'])} | "
            f"unserved demand {_pct(k['unserved_share'])} | utilisation "
            f"{_pct(k['utilisation'])} | {k['tco2'] / 1e6:,.2f} MtCO2"
        )
    t = s["times"]
    lines.append(
        "times: " + ", ".join(f"{key.removesuffix('_s')} {val:.2f} s" for key, val in t.items())
    )
    if run.out_dir is not None:
        lines.append(f"wrote {run.out_dir}/ ({', '.join(sorted(run.tables))}.csv, summary.json)")
    return "\n".join(lines)
