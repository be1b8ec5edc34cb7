"""Options for the heavy runs that are off by default (docs/reliability.md).

- ``--fuzz-cases N``: cases of the fuzz suite (tests/fuzz/); default 300, the quick slice;
  ``--fuzz-first K`` starts at case K (cases K ... K+N-1, the same as in one long run).
- ``--faults N``: kill -9 runs per command in tests/test_faults.py; by default one kill of
  ``solve`` only (report and export render charts, seconds each: only with the option).
- ``--slow``: also run the tests marked ``slow`` (base-case scaling over every factor).
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("capplan reliability")
    group.addoption("--fuzz-cases", type=int, default=300, help="fuzz cases (default 300)")
    group.addoption(
        "--fuzz-first",
        type=int,
        default=0,
        help="number of the first fuzz case (default 0): a full run split over processes",
    )
    group.addoption(
        "--faults",
        type=int,
        default=None,
        help="kill -9 runs per command (default: 1 of solve only; report and export too "
        "when given)",
    )
    group.addoption("--slow", action="store_true", help="also run the slow tests")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a heavy test, run with --slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
