"""How a number is shown in the report: one function, so a test can parse it back."""

from __future__ import annotations

import math
from typing import Any


def number(value: float | int, *, share: bool = False, scale: float = 1.0) -> str:
    """A number for people: thousands separators, precision by size, shares as percent.

    ``scale`` multiplies the value first (1e-3 shows RMB million as RMB billion).
    Integers stay exact; NaN/None show as an empty string ("not applicable").
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and scale == 1.0 and not share:
        return f"{value:,}"
    v = float(value) * scale
    if share:
        return f"{100 * v:.1f}%"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:,.1f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.3g}"


def cell(value: Any, unit: str) -> str:
    """A table cell: text as it is, booleans as yes/no, numbers by :func:`number`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value, share=unit == "share")
    if value is None:
        return ""
    return str(value)
