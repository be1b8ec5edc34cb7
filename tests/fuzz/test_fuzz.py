"""The fuzz suite (docs/reliability.md): seeded mutations of every input kind.

    python -m pytest tests/fuzz                       # the quick slice: 300 cases
    python -m pytest tests/fuzz --fuzz-cases 10000    # the full run
    python -m pytest tests/fuzz --fuzz-cases 2000 --fuzz-first 4000   # cases 4000-5999

Every case is loaded and validated as ``capplan validate`` does (in process, for speed);
one in 4 of the cases validation accepts is also solved (time limit 10 s).  The figures
must be: 0 tracebacks (an error that is not a capplan error), 0 exit-4 errors on bad
input, 0 cases over 10 s, no message line over 2 KB, and every rejection naming the
layer that was changed (the file, the scenario or ``command line`` for ``--set``).
Set CAPPLAN_FUZZ_REPORT=path to write the figures as JSON.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from capplan.errors import CapplanError, InputError
from capplan.pipeline import load, solve
from tests.fuzz.mutate import Case, make_case, template

SEED = 20261203
HANG_S = 10.0
MAX_LINE = 2048
REPORT_EVERY = 50  # cases between writes of CAPPLAN_FUZZ_REPORT
SOLVE_EVERY = 4  # 10,000 cases accept about 1,300: one in 4 gives the 300 solves of the issue


def _check_case(c: Case, figures: Counter[str], failures: list[str], solve_it: bool) -> bool:
    """Validate one case (and maybe solve it); count what happened; True if accepted."""
    start = time.perf_counter()
    accepted = False
    try:
        load(c.model, c.scenarios, c.sets)
        accepted = True
    except InputError as exc:
        figures["rejected"] += 1
        lines = str(exc).splitlines()
        figures["longest_line"] = max(figures["longest_line"], max(len(s) for s in lines))
        if max(len(s) for s in lines) > MAX_LINE:
            failures.append(f"case {c.n} ({c.kind}: {c.what}): a line over 2 KB")
        layers = (c.layer,) if isinstance(c.layer, str) else c.layer
        if not any(p.file.endswith(layers) for p in exc.problems):
            figures["layer_not_named"] += 1
            failures.append(f"case {c.n} ({c.kind}: {c.what}): {c.layer} not named: {exc}"[:600])
    except CapplanError as exc:
        figures["exit_4"] += 1
        failures.append(f"case {c.n} ({c.kind}: {c.what}): exit {exc.exit_code}: {exc}"[:600])
    except Exception as exc:
        figures["tracebacks"] += 1
        failures.append(f"case {c.n} ({c.kind}: {c.what}): {type(exc).__name__}: {exc}"[:600])
    if accepted:
        figures["accepted"] += 1
        if solve_it:
            _solve_case(c, figures, failures)
    if time.perf_counter() - start > HANG_S:
        figures["over_10s"] += 1
        failures.append(f"case {c.n} ({c.kind}: {c.what}): over {HANG_S:g} s")
    return accepted


def _solve_case(c: Case, figures: Counter[str], failures: list[str]) -> None:
    figures["solved"] += 1
    try:
        run = solve(c.model, scenarios=c.scenarios, sets=c.sets, write=False, time_limit_s=10)
        figures[f"solve_{run.result.status}"] += 1
        if int(run.exit_code) == 4:
            figures["solve_exit_4"] += 1
            failures.append(f"case {c.n} ({c.kind}: {c.what}): solve exit 4: {run.result.message}")
    except CapplanError as exc:
        figures[f"solve_error_{int(exc.exit_code)}"] += 1
        if int(exc.exit_code) == 4:
            figures["solve_exit_4"] += 1
            failures.append(f"case {c.n} ({c.kind}: {c.what}): solve exit 4: {exc}"[:600])
    except Exception as exc:
        figures["tracebacks"] += 1
        failures.append(f"case {c.n} solve ({c.kind}: {c.what}): {type(exc).__name__}: {exc}")


def _report(figures: Counter[str], failures: list[str], first: int, done: int, s: float) -> None:
    """Write the figures so far to CAPPLAN_FUZZ_REPORT (also every REPORT_EVERY cases, so a
    long run stopped early still tells how many cases ran and what they found)."""
    figures["cases"], figures["first"], figures["seconds"] = done, first, round(s)
    if os.environ.get("CAPPLAN_FUZZ_REPORT"):
        report = dict(sorted(figures.items()))
        Path(os.environ["CAPPLAN_FUZZ_REPORT"]).write_text(
            json.dumps({"figures": report, "failures": failures}, indent=2)
        )


def test_fuzz_inputs(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    cases = int(request.config.getoption("--fuzz-cases"))
    first = int(request.config.getoption("--fuzz-first"))
    base = tmp_path / "template"
    template(base)
    figures: Counter[str] = Counter(tracebacks=0, exit_4=0, over_10s=0, layer_not_named=0)
    figures["longest_line"] = 0
    failures: list[str] = []
    accepted = 0
    start = time.perf_counter()
    for n in range(first, first + cases):
        c = make_case(n, SEED, base, tmp_path / "work")
        figures[f"kind_{c.kind}"] += 1
        solve_it = accepted % SOLVE_EVERY == 0
        if _check_case(c, figures, failures, solve_it):
            accepted += 1
        if (n - first + 1) % REPORT_EVERY == 0:
            _report(figures, failures, first, n - first + 1, time.perf_counter() - start)
    _report(figures, failures, first, cases, time.perf_counter() - start)
    report = dict(sorted(figures.items()))
    assert failures == [], f"{len(failures)} failures, figures {report}:\n" + "\n".join(
        failures[:20]
    )
    assert figures["accepted"] > 0 and figures["rejected"] > 0  # the mutator reaches both
