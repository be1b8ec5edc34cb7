"""Numbers as the generated files write them: rounded to a few significant digits, and
CSV cells and text that never depend on the machine."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def sig(value: float, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def floor_sig(value: float, digits: int = 3) -> float:
    """``value`` rounded *down* to ``digits`` significant digits (for amounts to stay under)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    exponent = math.floor(math.log10(value)) - digits + 1
    mantissa = math.floor(value / 10.0**exponent)
    out = float(f"{mantissa}e{exponent}")
    while out > value and mantissa > 0:
        mantissa -= 1
        out = float(f"{mantissa}e{exponent}")
    return out


def cell(value: Any) -> str:
    """The CSV text of one value: ``true``/``false``, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Comma-separated text with a header and ``\\n`` line ends (names never need quotes)."""
    lines = [",".join(columns)]
    lines += [",".join(cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"
