"""Two plans over the same futures, pair by pair (capplan.sweep.evaluate.paired), and the
sentence the report's side-by-side section gives for two evaluations.  Hand-worked: with
differences d = (2, 2, 3, 3), mean 2.5, sd sqrt(1/3), t(0.975, 3) = 3.18245, the 95%
interval is 2.5 +- 3.18245 x 0.57735 / 2 = [1.5813, 3.4187]."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from capplan.report.sweep import Folder, _paired_html
from capplan.sweep.evaluate import paired


def samples(npv: list[float | None], inputs: list[float] | None = None) -> pd.DataFrame:
    n = len(npv)
    return pd.DataFrame(
        {
            "sample": range(n),
            "in_demand": inputs or [1.0 + i / 10 for i in range(n)],
            "status": ["optimal" if v is not None else "infeasible" for v in npv],
            "npv_rmb_m": [v if v is not None else "" for v in npv],
        }
    )


def test_the_better_plan_and_by_how_much() -> None:
    p = paired(samples([12, 12, 13, 13, None]), samples([10, 10, 10, 10, 9]), ("base", "hedge"))
    assert p["pairs"] == 4 and p["infeasible_a"] == 1 and p["infeasible_b"] == 0
    assert p["npv_diff_mean_rmb_m"] == pytest.approx(2.5)
    assert p["npv_diff_ci_low_rmb_m"] == pytest.approx(1.58127, abs=1e-4)
    assert p["npv_diff_ci_high_rmb_m"] == pytest.approx(3.41873, abs=1e-4)
    assert p["holds_up_better"] == "base" and p["share_a_better"] == 1.0
    assert p["verdict"].startswith("base holds up better: its NPV is higher by 2 RMB M")
    flipped = paired(samples([10, 10, 10, 10]), samples([12, 12, 13, 13]), ("a", "b"))
    assert flipped["holds_up_better"] == "b" and flipped["npv_diff_mean_rmb_m"] == -2.5


def test_no_clear_difference_and_other_futures() -> None:
    # d = (1, 2, 1, 4): mean 2, sd sqrt(2), half width 3.18245 x 1.41421 / 2 = 2.2503
    p = paired(samples([10, 12, 14, 16]), samples([9, 10, 13, 12]))
    assert p["holds_up_better"] == "" and p["npv_diff_ci_low_rmb_m"] == pytest.approx(
        -0.2503, abs=1e-4
    )
    assert p["verdict"].startswith("no clear difference at 95%")
    other = paired(samples([1, 2, 3]), samples([1, 2, 3], inputs=[1.0, 1.5, 2.0]))
    assert other == {"comparable": False, "reason": "the evaluations did not face the same futures"}


def test_the_report_says_which_plan_holds_up_better(tmp_path: Path) -> None:
    folders = []
    for i, name in enumerate(["plan", "hedge"]):
        path = tmp_path / name
        path.mkdir()
        samples([1, 2]).to_csv(path / "samples.csv", index=False)
        p = paired(samples([12, 12, 13, 13]), samples([10, 10, 10, 10]), ("plan", "hedge"))
        summary = {
            "kind": "evaluation",
            **({"paired": {"plans": ["plan", "hedge"], **p}} if i else {}),
        }
        (path / "summary.json").write_text(json.dumps(summary))
        folders.append(Folder(path, i))
    html = _paired_html(folders)
    expected = (
        "<p class='verdict'>plan holds up better than hedge: over the same futures, paired, "
        "the confidence interval of the mean NPV difference lies clear of zero.</p>"
    )
    assert html == expected
    assert _paired_html(folders[:1]) == ""
