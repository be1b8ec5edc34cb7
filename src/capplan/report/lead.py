"""The report's top for leadership: a short written summary of a run (what is built and
where, what binds, what it earns, what it depends on) and the marginal values worth
showing.  Every number is a tagged summary.json value; the rest are names from the tables.
"""

from __future__ import annotations

from html import escape

from capplan.report.html import summary_number
from capplan.report.marginal_rows import shown_marginal
from capplan.report.rundata import RunData, summary_value


def _names(items: list[str]) -> str:
    items = [escape(str(i)) for i in dict.fromkeys(items) if str(i)]
    if not items:
        return "none"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _binding(run: RunData) -> str:
    mv = run.tables["marginal_values"]
    rows = mv.loc[shown_marginal(run)]
    parts = []
    supply = rows[rows["family"] == "supply"]
    for market, group in supply.groupby("market", sort=False):
        parts.append(f"the supply of {_names(list(group['part']))} for {escape(str(market))}")
    power = rows[rows["family"] == "power"]
    if len(power):
        parts.append(f"power in {_names(list(power['region']))}")
    for family, words in [
        ("budget_total", "the total budget"),
        ("budget_period", "a period's budget cap"),
        ("mw_total", "a region's new-MW limit"),
        ("domestic_share", "China's domestic share"),
        ("vendor_cap", "a vendor's share cap"),
    ]:
        if (rows["family"] == family).any():
            parts.append(words)
    if not parts:
        return "No limit other than demand binds"
    budget = not rows["family"].isin(["budget_total", "budget_period"]).any()
    tail = "; the budget does not bind" if budget else ""
    text = "; ".join(parts) + tail
    return text[0].upper() + text[1:]


def summary_paragraph(i: int, run: RunData) -> str:
    """A few sentences at the top of a run's section."""
    if summary_value(run.summary, "kpis.npv_rmb_m") is None:
        return ""

    def n(key: str, scale: float = 1.0) -> str:
        if summary_value(run.summary, key) is None:
            return "n/a"
        return summary_number(i, run, key, scale=scale)

    inv = run.tables["investments"]
    built = _names(list(inv.loc[inv["category"] == "data_centre", "region"]))
    bought = inv[inv["category"] == "accelerators"]
    top = bought.groupby("part")["capex_rmb_m"].sum().sort_values(ascending=False)
    where = _names(list(bought["region"]))
    money = run.summary.get("money") or {}
    irr = f"an IRR of {n('money.irr')} " if money.get("irr") is not None else "no single IRR "
    payback = (
        f"pays back in {n('money.payback_years')} years"
        if money.get("payback_years") is not None
        else "does not pay back within the horizon without its residual value"
    )
    depends = ""
    if "residual_pv_rmb_m" in money:
        depends = (
            f" It depends on the residual value of RMB {n('money.residual_pv_rmb_m', 1e-3)} bn "
            f"({escape(str(money.get('residual_method_text', '')))}): without it the NPV is "
            f"RMB {n('money.npv_without_residual_rmb_m', 1e-3)} bn."
        )
    return (
        '<div class="lead"><p>'
        f"<b>What it builds.</b> The plan spends RMB {n('kpis.capex_rmb_m', 1e-3)} bn "
        f"({n('kpis.budget_used_share')} of the budget): data centres in {built}; "
        f"accelerators in {where}, most capex on {_names(list(top.index[:3]))}. "
        f"<b>What binds.</b> {_binding(run)}. "
        f"<b>What it earns.</b> NPV RMB {n('kpis.npv_rmb_m', 1e-3)} bn, {irr}with the "
        f"residual value; it {payback}. Demand left unserved: {n('kpis.unserved_share')}."
        f"<b> What it depends on.</b>{depends or ' The inputs as given.'}"
        "</p></div>"
    )
