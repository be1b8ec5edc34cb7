"""Futures that can never be told apart share every column (capplan.hedge.program).

The tiny boom/bust case of tests/hedge_cases.py drawn as an explicit list with a repeat:
boom 1/4, bust 1/2, boom 1/4 again.  It is the two-future program (boom 1/2, bust 1/2):
RP = 24 at k = 10 pods in Y1, worked by hand in tests/hedge_cases.py.  The repeat adds no
row and no column, and both boom futures get the same plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capplan.hedge import hedge
from tests.hedge_cases import boom_bust, tiny_hedge_model, write_futures


def _explicit(futures: list[tuple[str, str, float]]) -> dict[str, Any]:
    data = boom_bust()
    for outcome in data["factors"]["demand"]["outcomes"].values():
        outcome.pop("probability")
    data["futures"] = [
        {"name": name, "probability": p, "outcomes": {"demand": outcome}}
        for name, outcome, p in futures
    ]
    return data


def test_repeated_futures_are_one_copy_of_the_same_program(tmp_path: Path) -> None:
    model = tiny_hedge_model(tmp_path / "m")
    two = _explicit([("up", "boom", 0.5), ("down", "bust", 0.5)])
    three = _explicit([("up", "boom", 0.25), ("down", "bust", 0.5), ("up2", "boom", 0.25)])
    a = hedge(model, write_futures(tmp_path / "two.yaml", two), write=False, values=False)
    b = hedge(model, write_futures(tmp_path / "three.yaml", three), write=False, values=False)
    assert a.summary["objective"] == pytest.approx(24.0, abs=1e-6)
    assert b.summary["objective"] == pytest.approx(24.0, abs=1e-6)
    assert b.summary["size"] == a.summary["size"]  # rows, columns, nonzeros: one copy
    h = b.result
    values = {m.name: float(v) for m, v in zip(h.members, h.future_values, strict=True)}
    assert values["up"] == values["up2"] == pytest.approx(10 + 3 * 10)  # value(boom), k = 10
    assert values["down"] == pytest.approx(18 - 10)
    up, up2 = (h.plans[[m.name for m in h.members].index(n)] for n in ("up", "up2"))
    assert (up == up2).all()
