"""The report's money section: residual method, NPV with and without it, IRR, payback,
the NPV bridge and the cash flow by period, every number tagged with its file."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from capplan.report.html import summary_number, table_html
from capplan.report.rundata import RunData, summary_value


def _or(i: int, run: RunData, key: str, missing: str, scale: float = 1.0) -> str:
    if summary_value(run.summary, key) is None:
        return escape(missing)
    return summary_number(i, run, key, scale=scale)


def money_section(i: int, run: RunData, anchor: str, fig: Callable[[str], str]) -> str:
    """HTML of the money views ('' for a run folder without cash_flow.csv)."""
    if "cash_flow" not in run.tables or "money" not in run.summary:
        return ""
    method = escape(str(run.summary["money"].get("residual_method_text", "")))
    never = "not within the horizon"
    lead = (
        f'<p class="note">NPV {_or(i, run, "money.npv_rmb_m", "n/a", 1e-3)} RMB bn, of which '
        f"residual value {_or(i, run, 'money.residual_pv_rmb_m', 'n/a', 1e-3)} RMB bn "
        f"(method: {method}); without the residual value the NPV is "
        f"{_or(i, run, 'money.npv_without_residual_rmb_m', 'n/a', 1e-3)} RMB bn. "
        f"IRR {_or(i, run, 'money.irr', 'none')} with the residual value, "
        f"{_or(i, run, 'money.irr_without_residual', 'none')} without. Payback "
        f"{_or(i, run, 'money.payback_years', never)} years "
        f"(discounted: {_or(i, run, 'money.discounted_payback_years', never)}). "
        "All present values at the cost of capital, from the plan's start.</p>"
    )
    return "\n".join(
        [
            f'<h3 id="{anchor}-money">Money: NPV bridge, cash flow, IRR and payback</h3>',
            lead,
            fig("npv_bridge"),
            table_html(i, run, "npv_bridge", columns=["label", "kind", "pv_rmb_m"]),
            fig("cash_flow"),
            table_html(i, run, "cash_flow"),
        ]
    )
