"""The CI gate's baseline file: the suite to run and the numbers to compare with."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.bench import checks, report
from capplan.errors import InputError, Problem

if TYPE_CHECKING:
    from capplan.bench.run import BenchOutcome, BenchSettings

BASELINE_VERSION = 1


def load_baseline(path: Path) -> dict[str, Any]:
    """A baseline file, checked for the keys the gate needs (input error otherwise)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            [Problem(str(path), "", "file not found: expected a baseline (JSON)")]
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(path), "", f"not a readable JSON baseline: {exc}")]) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or "suite" not in data:
        raise InputError(
            [
                Problem(
                    str(path),
                    "",
                    f"expected a capplan bench baseline (version {BASELINE_VERSION}, with "
                    "'suite' and 'runs'); write one with capplan bench --write-baseline",
                )
            ]
        )
    return data


def machine_info() -> dict[str, Any]:
    """Where the numbers were measured."""
    from capplan.pipeline import versions

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions(),
    }


def write_baseline(settings: BenchSettings, outcome: BenchOutcome, path: Path) -> None:
    """Write the gate's baseline: the suite, each run's answer and the overhead ratio."""
    root = path.resolve().parent
    data = {
        "version": BASELINE_VERSION,
        "note": "capplan bench --gate compares a run of this suite with these numbers; "
        "rewrite it with capplan bench --suite ci --write-baseline (docs/benchmarks.md)",
        "suite": settings.suite(root),
        "overhead_ratio": checks.overhead_ratio(outcome.runs),
        "machine": machine_info(),
        "runs": [
            {
                "instance": r["instance"],
                "backend": r["backend"],
                "status": r["status"],
                "objective": r["objective"],
                "gap_at_most": r["gap_at_most"],
                "overhead_ratio": r["overhead_ratio"],
            }
            for r in outcome.runs
        ],
    }
    report.write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
