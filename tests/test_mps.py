"""Tests of the MPS reader, the MPS / LP writers and the ``.solu`` reader.

Handwritten MPS texts with hand-derived arrays cover every section and bound type;
malformed texts must raise :class:`MpsError` naming the line; written models must read
back unchanged; and every public instance in ``tests/data/instances`` must solve to its
published optimum (HiGHS through OR-Tools, relative MIP gap 0).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import math
import re
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.linear_solver.python import model_builder_helper as mbh

from capplan.backends import get_backend
from capplan.backends.base import SolveOptions
from capplan.model.lp import Block, LinearProgram
from capplan.mps import (
    MpsError,
    MpsWarning,
    format_lp,
    format_mps,
    read_model,
    read_mps,
    read_solu,
    write_lp,
    write_mps,
)
from capplan.mps_write import _lp_names

INF = math.inf
INSTANCES = Path(__file__).parent / "data" / "instances"
SOLU = read_solu(INSTANCES / "instances.solu")
REL_TOL = 1e-6
CBC_OPTIONS = ("-ratioGap", "0", "-allowableGap", "0", "-threads", "1")


# --------------------------------------------------------------------------- helpers


def solve(lp: LinearProgram) -> tuple[mbh.SolveStatus, float]:
    """Solve with HiGHS through OR-Tools at a relative MIP gap of 0."""
    h: Any = mbh.ModelBuilderHelper()  # its stubs mistype numpy arrays
    h.fill_model_from_sparse_data(lp.col_lb, lp.col_ub, lp.c, lp.row_lb, lp.row_ub, lp.A)
    for j in np.flatnonzero(lp.integer).tolist():
        h.set_var_integrality(j, True)
    h.set_maximize(lp.maximize)
    h.set_objective_offset(lp.c0)
    return solve_helper(h)


def solve_helper(h: mbh.ModelBuilderHelper) -> tuple[mbh.SolveStatus, float]:
    s = mbh.ModelSolverHelper("highs")
    s.set_solver_specific_parameters("mip_rel_gap=0\noutput_flag=false\nrandom_seed=0\nthreads=1")
    s.solve(h)
    status = s.status()
    return status, s.objective_value() if status == mbh.SolveStatus.OPTIMAL else math.nan


def close(value: float, expected: float) -> bool:
    """Relative tolerance 1e-6 (absolute 1e-6 around 0, for enigma's optimum of 0)."""
    return abs(value - expected) <= REL_TOL * max(1.0, abs(expected))


@functools.cache
def _find_cbc() -> str | None:
    import pulp

    with warnings.catch_warnings():  # PULP_CBC_CMD is deprecated for PuLP 4.0
        warnings.simplefilter("ignore", DeprecationWarning)
        path = pulp.PULP_CBC_CMD(msg=False).available()
    return str(path) if path else shutil.which("cbc")


def cbc_path() -> str:
    """The CBC binary that PuLP ships (a CPLEX-LP reader independent of OR-Tools)."""
    path = _find_cbc()
    if not path:
        pytest.skip("PuLP's CBC binary is not available on this platform")
    return str(path)


def cbc_solve_file(path: Path, tmp_path: Path) -> tuple[str, float]:
    """Solve an LP / MPS file with CBC: (status word, objective value)."""
    sol = tmp_path / (path.stem + ".sol")
    subprocess.run(
        [cbc_path(), str(path), *CBC_OPTIONS, "-solve", "-solu", str(sol), "-quit"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    first = sol.read_text().splitlines()[0]
    match = re.match(r"\s*(\w+).*objective value\s+(\S+)", first)
    assert match, first
    return match.group(1), float(match.group(2))


def helper_arrays(h: mbh.ModelBuilderHelper) -> dict[str, np.ndarray]:
    """Arrays of a model read by OR-Tools (values >= 1e30 mapped to infinity)."""
    n, m = h.num_variables(), h.num_constraints()

    def inf(a: list[float]) -> np.ndarray:
        arr = np.asarray(a, dtype=float)
        return np.where(np.abs(arr) >= 1e30, np.copysign(INF, arr), arr)

    A = np.zeros((m, n))
    for i in range(m):
        for j, v in zip(h.constraint_var_indices(i), h.constraint_coefficients(i), strict=True):
            A[i, j] += v
    return {
        "c": np.array([h.var_objective_coefficient(j) for j in range(n)]),
        "col_lb": inf([h.var_lower_bound(j) for j in range(n)]),
        "col_ub": inf([h.var_upper_bound(j) for j in range(n)]),
        "integer": np.array([h.var_is_integral(j) for j in range(n)]),
        "row_lb": inf([h.constraint_lower_bound(i) for i in range(m)]),
        "row_ub": inf([h.constraint_upper_bound(i) for i in range(m)]),
        "A": A,
    }


def assert_same_lp(got: LinearProgram, want: LinearProgram) -> None:
    """Exact equality of every array (infinities included), the sense and c0."""
    for attr in ("c", "row_lb", "row_ub", "col_lb", "col_ub", "integer"):
        np.testing.assert_array_equal(getattr(got, attr), getattr(want, attr), err_msg=attr)
    np.testing.assert_array_equal(got.A.toarray(), want.A.toarray(), err_msg="A")
    assert got.maximize == want.maximize
    assert got.c0 == want.c0


def mps_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading
#
# The reader is HiGHS's (capplan.mps.read_model).  These tests pin every convention the
# module docstring states, the traps of other readers (PuLP's: BV read as continuous, MI as
# [-inf, 0], no RANGES; HiGHS's own: OBJSENSE MAXIMIZE on one line, OBJNAME, a negative UP
# bound, gzip), and that input HiGHS has to guess about is refused.

FIXED = mps_text(
    "* A comment line, then the classic fixed layout (fields at columns 2, 5, 15, 25...)",
    "NAME          TINY",
    "ROWS",
    " N  COST",
    " L  LIM1",
    " G  LIM2",
    " E  MYEQN",
    "COLUMNS",
    "    X1        COST         1.0   LIM1         1.0",
    "    X1        LIM2         1.0",
    "*   a comment between data lines",
    "    X2        COST         2.0   LIM1         1.0",
    "    X2        MYEQN       -1.0",
    "    X3        COST        -1.0   MYEQN        1.0",
    "RHS",
    "    RHS       LIM1         4.0   LIM2         1.0",
    "    RHS       MYEQN        7.0",
    "ENDATA",
)

# The same model in free MPS: irregular spacing, tabs, blank lines.
FREE = mps_text(
    "NAME TINY",
    "ROWS",
    "\tN COST",
    " L\tLIM1",
    "   G LIM2",
    " E MYEQN",
    "",
    "COLUMNS",
    " X1 COST 1 LIM1 1",
    " X1   LIM2   1e0",
    " X2 COST 2.0 LIM1 1",
    " X2 MYEQN -1",
    "   X3 COST -1 MYEQN 1",
    "RHS",
    " RHS LIM1 4 LIM2 1",
    " RHS MYEQN 7",
    "ENDATA",
)


@pytest.mark.parametrize("text", [FIXED, FREE], ids=["fixed", "free"])
def test_reads_fixed_and_free_layout(text: str) -> None:
    lp = read_mps(text)
    assert lp.name == "TINY"
    assert not lp.maximize and lp.c0 == 0.0
    np.testing.assert_array_equal(lp.c, [1.0, 2.0, -1.0])
    np.testing.assert_array_equal(lp.A.toarray(), [[1, 1, 0], [1, 0, 0], [0, -1, 1]])
    assert isinstance(lp.A, sp.csr_matrix)
    np.testing.assert_array_equal(lp.row_lb, [-INF, 1.0, 7.0])
    np.testing.assert_array_equal(lp.row_ub, [4.0, INF, 7.0])
    np.testing.assert_array_equal(lp.col_lb, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(lp.col_ub, [INF, INF, INF])
    np.testing.assert_array_equal(lp.integer, [False, False, False])
    assert list(lp.var_blocks["x"].index) == ["X1", "X2", "X3"]
    assert list(lp.row_blocks["row"].index) == ["LIM1", "LIM2", "MYEQN"]
    assert lp.var_blocks["x"].start == 0 and lp.row_blocks["row"].start == 0
    assert lp.var_names() == ["X1", "X2", "X3"]  # the file's names, unprefixed
    assert lp.row_names() == ["LIM1", "LIM2", "MYEQN"]


def fixed(*fields: str) -> str:
    """A fixed-format MPS line: fields at columns 2, 5, 15, 25, 40 and 50."""
    line = ""
    for at, field in zip((1, 4, 14, 24, 39, 49), fields, strict=False):
        line = line.ljust(at) + field
    return line


def test_fixed_format_names_with_spaces() -> None:
    """Names with spaces need HiGHS's fixed-format parser, which takes fields by column."""
    text = mps_text(
        "NAME          TINY",
        "ROWS",
        fixed("N", "COST"),
        fixed("L", "LIM 1"),
        fixed("G", "LIM2"),
        fixed("E", "MYEQN"),
        "COLUMNS",
        fixed("", "X 1", "COST", "1.0", "LIM 1", "1.0"),
        fixed("", "X 1", "LIM2", "1.0"),
        fixed("", "X2", "COST", "2.0", "LIM 1", "1.0"),
        fixed("", "X2", "MYEQN", "-1.0"),
        fixed("", "X3", "COST", "-1.0", "MYEQN", "1.0"),
        "RHS",
        fixed("", "RHS", "LIM 1", "4.0", "LIM2", "1.0"),
        fixed("", "RHS", "MYEQN", "7.0"),
        "ENDATA",
    )
    lp = read_mps(text)
    assert lp.var_names()[0] == "X 1" and lp.row_names()[0] == "LIM 1"
    assert_same_lp(lp, read_mps(FIXED))


def test_reads_path_gzip_and_name_default(tmp_path: Path) -> None:
    plain = tmp_path / "tiny.mps"
    plain.write_text(FIXED)
    assert_same_lp(read_mps(plain), read_mps(FIXED))
    assert_same_lp(read_mps(str(plain)), read_mps(FIXED))
    packed = tmp_path / "tiny.mps.gz"
    packed.write_bytes(gzip.compress(FIXED.encode()))
    assert_same_lp(read_mps(packed), read_mps(FIXED))
    nameless = tmp_path / "nameless.mps"
    nameless.write_text(FIXED.replace("NAME          TINY\n", ""))
    assert read_mps(nameless).name == "nameless"


def test_reads_an_lp_file(tmp_path: Path) -> None:
    path = tmp_path / "small.lp"
    path.write_text(
        "Maximize\n obj: x + 2 y + 3\nSubject To\n c1: x + y <= 4\n c2: x - y >= -2\n"
        "Bounds\n y <= 3\n -inf <= z <= 2\nGenerals\n x\nEnd\n"
    )
    lp = read_model(path)
    assert lp.maximize and lp.c0 == 3.0
    assert lp.var_names() == ["x", "y", "z"] and lp.row_names() == ["c1", "c2"]
    np.testing.assert_array_equal(lp.col_lb, [0.0, 0.0, -INF])
    np.testing.assert_array_equal(lp.col_ub, [INF, 3.0, 2.0])
    np.testing.assert_array_equal(lp.integer, [True, False, False])
    np.testing.assert_array_equal(lp.A.toarray(), [[1, 1, 0], [1, -1, 0]])


def small(
    *, head: str = "", rows: str = " L c1\n", cols: str = "", extra: str = "", tail: str = ""
) -> str:
    """A two-column model ``min x + y, x + y <= 10`` with pieces to vary."""
    return (
        f"NAME SMALL\n{head}ROWS\n N obj\n{rows}COLUMNS\n{cols}"
        " x obj 1 c1 1\n y obj 1 c1 1\n"
        f"RHS\n rhs c1 10\n{extra}{tail}ENDATA\n"
    )


@pytest.mark.parametrize(
    ("head", "maximize"),
    [
        ("", False),
        ("OBJSENSE\n    MAX\n", True),
        ("OBJSENSE\n    MAXIMIZE\n", True),
        ("OBJSENSE MAX\n", True),
        ("OBJSENSE    MAXIMIZE\n", True),  # HiGHS 1.12 alone reads this as minimise
        ("OBJSENSE\nMAX\n", True),
        ("OBJSENSE\n    MIN\n", False),
        ("OBJSENSE MINIMIZE\n", False),
        ("OBJSENSE\n    max\n", True),
    ],
)
def test_objsense(head: str, maximize: bool) -> None:
    assert read_mps(small(head=head)).maximize is maximize


def test_rhs_on_objective_is_minus_c0() -> None:
    lp = read_mps(small(extra=" rhs obj 5.5\n"))
    assert lp.c0 == -5.5
    np.testing.assert_array_equal(lp.row_ub, [10.0])


def test_objname_must_be_the_first_n_row() -> None:
    same = read_mps(small(head="OBJNAME obj\n"))
    assert_same_lp(same, read_mps(small()))
    with pytest.raises(MpsError, match="OBJNAME alt: only the first N row"):
        read_mps(small(head="OBJNAME alt\n"))
    text = small(head="OBJNAME\n alt\n", rows=" L c1\n N alt\n", cols=" z alt 4\n")
    with pytest.raises(MpsError, match="N rows after the first"):
        read_mps(text)


def test_later_n_rows_are_refused() -> None:
    """HiGHS 1.12 adds a right-hand side on a second N row to the objective constant."""
    text = small(rows=" L c1\n N other\n", cols=" z other 4\n", extra=" rhs other 9\n")
    with pytest.raises(MpsError, match="N rows after the first"):
        read_mps(text)


@pytest.mark.parametrize(
    ("kind", "rhs", "rng", "lb", "ub"),
    [
        ("E", 4.0, 3.0, 4.0, 7.0),  # E, R > 0: [rhs, rhs + |R|]
        ("E", 4.0, -3.0, 1.0, 4.0),  # E, R < 0: [rhs - |R|, rhs]
        ("E", 4.0, 0.0, 4.0, 4.0),  # E, R = 0: still an equality
        ("L", 4.0, 3.0, 1.0, 4.0),  # L: [rhs - |R|, rhs]
        ("L", 4.0, -3.0, 1.0, 4.0),
        ("G", 4.0, 3.0, 4.0, 7.0),  # G: [rhs, rhs + |R|]
        ("G", 4.0, -3.0, 4.0, 7.0),
        ("L", -2.0, 1e30, -INF, -2.0),  # an infinite range
    ],
)
def test_ranges(kind: str, rhs: float, rng: float, lb: float, ub: float) -> None:
    text = small(rows=f" {kind} c1\n").replace(" rhs c1 10\n", f" rhs c1 {rhs}\n")
    lp = read_mps(text.replace("ENDATA", f"RANGES\n rng c1 {rng}\nENDATA"))
    assert (lp.row_lb[0], lp.row_ub[0]) == (lb, ub)


@pytest.mark.parametrize(
    ("bounds", "lb", "ub", "integer"),
    [
        ([], 0.0, INF, False),
        (["UP BND x 4"], 0.0, 4.0, False),
        (["LO BND x -2"], -2.0, INF, False),
        (["LO BND x 1", "UP BND x 3"], 1.0, 3.0, False),
        (["FX BND x 3.5"], 3.5, 3.5, False),
        (["FR BND x"], -INF, INF, False),
        (["MI BND x"], -INF, INF, False),  # not [-inf, 0] as PuLP reads it
        (["UP BND x 5", "MI BND x"], -INF, 5.0, False),  # MI keeps the upper bound
        (["LO BND x -1", "PL BND x"], -1.0, INF, False),
        (["BV BND x"], 0.0, 1.0, True),  # binary *integer*, not continuous as PuLP has it
        (["LI BND x 2"], 2.0, INF, True),
        (["UI BND x 7"], 0.0, 7.0, True),
        (["LI BND x -3", "UI BND x 8"], -3.0, 8.0, True),
        (["UP BND x 0"], 0.0, 0.0, False),
        (["LO BND x -10", "UP BND x -3"], -10.0, -3.0, False),
        (["MI BND x", "UP BND x -3"], -INF, -3.0, False),
        (["UP BND x 1e30"], 0.0, INF, False),  # |v| >= 1e20 is infinite
        (["LO BND x -1e20"], -INF, INF, False),
        (["UP BND x 1.5D+01"], 0.0, 15.0, False),  # a Fortran exponent
    ],
)
def test_bounds(bounds: list[str], lb: float, ub: float, integer: bool) -> None:
    body = "".join(f" {b}\n" for b in bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MpsWarning)
        lp = read_mps(small(tail=f"BOUNDS\n{body}" if bounds else ""))
    assert (lp.col_lb[0], lp.col_ub[0], bool(lp.integer[0])) == (lb, ub, integer)
    # the other column keeps its defaults
    assert (lp.col_lb[1], lp.col_ub[1], bool(lp.integer[1])) == (0.0, INF, False)


@pytest.mark.parametrize(
    ("bounds", "lb", "ub", "integer"),
    [
        (["UP BND x -3"], -INF, -3.0, False),
        (["LO BND x 0", "UP BND x -3"], -INF, -3.0, False),
        (["UI BND x -2"], -INF, -2.0, True),
    ],
)
def test_negative_up_bound_implies_minus_infinity(
    bounds: list[str], lb: float, ub: float, integer: bool
) -> None:
    body = "".join(f" {b}\n" for b in bounds)
    with pytest.warns(MpsWarning, match=r"<string>: negative upper bound on 1 column.* \(x\)"):
        lp = read_mps(small(tail=f"BOUNDS\n{body}"))
    assert (lp.col_lb[0], lp.col_ub[0], bool(lp.integer[0])) == (lb, ub, integer)


def test_integer_markers_without_bounds_are_binary() -> None:
    """HiGHS's convention (capplan's writer always writes such a column's bounds)."""
    text = mps_text(
        "NAME INT",
        "ROWS",
        " N obj",
        " L c1",
        "COLUMNS",
        " a obj 1 c1 1",
        " M1 'MARKER' 'INTORG'",
        " b obj 2 c1 1",
        " c obj 3 c1 1",
        " M2 'MARKER' 'INTEND'",
        " d obj 4 c1 1",
        "    MARKER0001  'MARKER'                 'INTORG'",
        " e obj 5 c1 1",
        " f obj 6 c1 1",
        "    MARKER0002  'MARKER'                 'INTEND'",
        "RHS",
        " rhs c1 10",
        "BOUNDS",
        " UP BND c 6",
        " LO BND e -4",
        " PL BND f",
        "ENDATA",
    )
    lp = read_mps(text)
    np.testing.assert_array_equal(lp.integer, [False, True, True, False, True, True])
    np.testing.assert_array_equal(lp.col_lb, [0, 0, 0, 0, -4, 0])
    np.testing.assert_array_equal(lp.col_ub, [INF, 1, 6, INF, INF, INF])
    np.testing.assert_array_equal(lp.c, [1, 2, 3, 4, 5, 6])


def test_zeros_are_dropped() -> None:
    lp = read_mps(small(cols=" z c1 1.5\n w c1 0\n"))
    np.testing.assert_array_equal(lp.A.toarray(), [[1.5, 0.0, 1.0, 1.0]])
    assert lp.A.nnz == 3


def test_everything_after_endata_is_ignored() -> None:
    text = small() + "GARBAGE that is not MPS\n FOO 1 2 3 4 5 6\n"
    assert_same_lp(read_mps(text), read_mps(small()))


def _bad(lines: list[str]) -> str:
    return mps_text(*lines)


_HEAD = ["NAME BAD", "ROWS", " N obj", " L c1", "COLUMNS"]
_TAIL = ["RHS", " rhs c1 1", "ENDATA"]

# Input HiGHS rejects, or reads only by ignoring or guessing (then capplan refuses it).
MALFORMED = {
    "semi-continuous": (small(tail="BOUNDS\n SC BND x 5\n"), "semi-continuous"),
    "quadratic": (_bad([*_HEAD, " x obj 1", "QUADOBJ", " x x 1", "ENDATA"]), "QUADOBJ"),
    "SOS": (_bad([*_HEAD, " x obj 1", *_TAIL[:-1], "SOS", " S1 SOS", " x 1", "ENDATA"]), "SOS"),
    "unknown row in COLUMNS": (_bad([*_HEAD, " x obj 1", " x nope 2", *_TAIL]), "not in ROWS"),
    "unknown row in RHS": (_bad([*_HEAD, " x obj 1", "RHS", " rhs c9 1", "ENDATA"]), "c9"),
    "repeated entry": (small(cols=" z c1 1.5 c1 2\n"), "duplicate nonzero 2"),
    "second RHS value": (small(extra=" other c1 99\n"), "duplicate value 99"),
    "two upper bounds": (small(tail="BOUNDS\n UP B1 x 4\n UP B2 x 8\n"), "duplicate upper"),
    "BV after UP": (small(tail="BOUNDS\n UP BND x 9\n BV BND x\n"), "duplicate lower"),
    "duplicate row": (_bad(["NAME BAD", "ROWS", " N obj", " L c1", " G c1", "ENDATA"]), "c1"),
    "bad row type": (_bad(["NAME BAD", "ROWS", " N obj", " X c1", "ENDATA"]), "X c1"),
    "unknown bound type": (_bad([*_HEAD, " x obj 1", "BOUNDS", " XX BND x 1", "ENDATA"]), "XX"),
    "bound without value": (_bad([*_HEAD, " x obj 1", "BOUNDS", " UP BND", "ENDATA"]), "UP"),
    "bad marker": (_bad([*_HEAD, " M 'MARKER' 'INTBEG'", " x obj 1", *_TAIL]), "marker"),
    "bad objsense": (_bad(["NAME BAD", "OBJSENSE", "  UP", "ROWS", "ENDATA"]), "MAX or MIN"),
    "missing ENDATA": (_bad([*_HEAD, " x obj 1"]), "Parser error"),
}


@pytest.mark.parametrize(("text", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_refused(text: str, message: str) -> None:
    with pytest.raises(MpsError, match=message) as info:
        read_mps(text)
    assert str(info.value).startswith("<string>")
    assert "/tmp" not in str(info.value)  # names the input, not capplan's scratch copy
    assert isinstance(info.value, ValueError)


# What HiGHS 1.12 reads without a word: these stay strict xfails so a fixed reader shows.
SILENT = {
    "bad number": _bad([*_HEAD, " x obj 1 c1 two", *_TAIL]),
    "nan": _bad([*_HEAD, " x obj nan", *_TAIL]),
    "too many fields": _bad([*_HEAD, " x obj 1 c1 2 c1", *_TAIL]),
    "unknown column in BOUNDS": _bad([*_HEAD, " x obj 1", "BOUNDS", " UP BND z 1", "ENDATA"]),
}


@pytest.mark.xfail(
    strict=True, reason="HiGHS 1.12's MPS reader accepts these silently (a number as 0...)"
)
@pytest.mark.parametrize("text", SILENT.values(), ids=SILENT.keys())
def test_input_highs_reads_silently(text: str) -> None:
    with pytest.raises(MpsError):
        read_mps(text)


def test_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.mps"
    path.write_text(mps_text(*_HEAD, " x nope 1", *_TAIL))
    with pytest.raises(MpsError) as info:
        read_mps(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.source == str(path)
    with pytest.raises(MpsError, match="no such file"):
        read_mps(tmp_path / "missing.mps")


def test_highspy_and_ortools_in_one_process() -> None:
    """highspy 1.12 reads and solves, then OR-Tools 9.15 (HiGHS and SCIP) solves the same
    program in the same process: the two coexist (solver-hazards.md)."""
    import highspy

    path = INSTANCES / "p0033.mps"
    lp = read_mps(path)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert close(h.getInfo().objective_function_value, 3089.0)
    status, value = solve(lp)
    assert status == mbh.SolveStatus.OPTIMAL and close(value, 3089.0)
    for backend in ("highs", "scip"):
        result = get_backend(backend).solve(lp, SolveOptions(mip_gap=0.0))
        assert result.objective is not None and close(result.objective, 3089.0), backend


# --------------------------------------------------------------------------- writing


def tricky_lp(maximize: bool = True, c0: float = 7.25) -> LinearProgram:
    """A small MIP with every kind of bound and row, awkward names and a bounded optimum.

    Minimising uses the negated objective, so both senses have the same optimal point.
    """
    cols = ["a b", "e1", "Constant", "x", "bin", "free", "neg", "fixed", "gen", "empty", "cap"]
    rows = ["Obj", "r_lhs", "c", "free row", "g", "r2", "lo"]
    dense = np.array(
        [
            #  a   e1  C   x  bin  f  neg fixed gen empty cap
            [1.0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],  # Obj   in [-2, 4]
            [1.0, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0],  # r_lhs <= 3
            [0.0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],  # c     == 1
            [1.0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0],  # free row
            [0.0, 0, 0, 0, 0, -1, 0, 0, -1, 0, 0],  # g    >= -10
            [0.1, 0, 0, 0, 0, 0, 0, 0.05, 0, 0, 0],  # r2  in [0.1, 0.3]
            [1.0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],  # lo    >= -7
        ]
    )
    return LinearProgram(
        c=np.array([1.0, 2, -1, 3, 4, 1, -1, 1, 1, 0, 1]) * (1 if maximize else -1),
        matrix=sp.csr_matrix(dense),
        row_lb=np.array([-2.0, -INF, 1, -INF, -10, 0.1, -7]),
        row_ub=np.array([4.0, 3, 1, INF, INF, 0.3, INF]),
        col_lb=np.array([-1.0, -INF, 0, -5, 0, -INF, -INF, 2.5, 0, 0, -INF]),
        col_ub=np.array([2.0, 1, INF, -1, 1, INF, -0.5, 2.5, INF, 3, 3]),
        integer=np.array([0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0], dtype=bool),
        maximize=maximize,
        c0=c0,
        name="tricky model",
        var_blocks={"v": Block("v", 0, pd.Index(cols))},
        row_blocks={"r": Block("r", 0, pd.Index(rows))},
    )


@pytest.mark.parametrize(("maximize", "c0"), [(True, 7.25), (False, 0.0), (False, -1e-300)])
def test_mps_round_trip(maximize: bool, c0: float, tmp_path: Path) -> None:
    lp = tricky_lp(maximize, c0)
    path = tmp_path / "tricky.mps"
    write_mps(lp, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MpsWarning)
        back = read_mps(path)
    assert_same_lp(back, lp)
    assert list(back.var_blocks["x"].index) == [n.replace(" ", "_") for n in lp.var_names()]
    assert list(back.row_blocks["row"].index) == [n.replace(" ", "_") for n in lp.row_names()]
    assert back.name == "tricky_model"


def test_mps_writer_uses_the_special_bound_types() -> None:
    text = format_mps(tricky_lp())
    lines = text.splitlines()
    assert lines[:3] == ["NAME tricky_model", "OBJSENSE", "    MAX"]
    for expected in [
        " BV BND v[bin]",
        " MI BND v[e1]",
        " FR BND v[free]",
        " FX BND v[fixed] 2.5",
        " PL BND v[gen]",
        " UP BND v[empty] 3",
        "    RHS OBJ -7.25",
        "    RHS r[free_row] -1e+30",
        "    v[empty] OBJ 0",  # a column without entries is still declared
    ]:
        assert expected in lines, expected
    assert sum("'MARKER'" in line for line in lines) == 6  # e1 | x, bin | gen
    assert "RANGES" in lines and lines[-1] == "ENDATA"
    # MI or LO before UP, so that UP < 0 never implies lb = -inf on reading
    assert lines.index(" MI BND v[neg]") < lines.index(" UP BND v[neg] -0.5")
    assert lines.index(" LO BND v[x] -5") < lines.index(" UP BND v[x] -1")
    assert "BOUNDS" not in format_mps(read_mps(small())).splitlines()  # all default


def test_mps_writer_refuses_an_empty_column_domain() -> None:
    """lb = 0 > ub: the reader would take UP < 0 as lb = -inf (the CPLEX convention)."""
    lp = tricky_lp()
    lp = lp.with_bounds(col_ub=np.where(np.arange(lp.num_vars) == 9, -1.0, lp.col_ub))
    with pytest.raises(ValueError, match="lower bound > upper bound"):
        format_mps(lp)


def test_mps_writer_output_reads_in_ortools() -> None:
    """An independent reader (OR-Tools) sees the same model in the written MPS."""
    lp = tricky_lp()
    h = mbh.ModelBuilderHelper()
    assert h.import_from_mps_string(format_mps(lp))
    got = helper_arrays(h)
    for attr in ("c", "col_lb", "col_ub", "integer", "row_lb", "row_ub"):
        np.testing.assert_array_equal(got[attr], getattr(lp, attr), err_msg=attr)
    np.testing.assert_array_equal(got["A"], lp.A.toarray())
    assert h.maximize() and h.objective_offset() == lp.c0
    assert solve_helper(h) == solve(lp)


def test_mps_writer_rejects_what_mps_cannot_say() -> None:
    lp = tricky_lp()
    empty_range = np.where(np.arange(7) == 0, 5.0, lp.row_lb)  # row 0: [5, 4]
    with pytest.raises(ValueError, match="empty range"):
        format_mps(dataclasses.replace(lp, row_lb=empty_range))
    with pytest.raises(ValueError, match="finite"):
        format_mps(dataclasses.replace(lp, c=np.where(lp.c == 2, np.nan, lp.c)))
    with pytest.raises(ValueError, match=r"\+inf"):
        format_mps(lp.with_bounds(col_lb=np.full(lp.num_vars, INF)))


bound_values = st.sampled_from([-INF, -1e12, -3.5, -1.0, 0.0, 1e-7, 0.1, 0.3, 1.0, 2.5, 1e12, INF])
coefficients = st.one_of(
    st.just(0.0),
    # HiGHS takes |v| >= 1e20 as an infinite cost, rejects matrix values over 1e15 and
    # drops those of at most 1e-9 (the reader then refuses the file)
    st.floats(min_value=-1e14, max_value=1e14, allow_nan=False).filter(lambda v: abs(v) > 1e-9),
)


@st.composite
def random_lps(draw: st.DrawFn) -> LinearProgram:
    m = draw(st.integers(0, 5))
    n = draw(st.integers(1, 5))
    dense = np.array(draw(st.lists(coefficients, min_size=m * n, max_size=m * n))).reshape(m, n)
    row_pairs = [sorted(draw(st.lists(bound_values, min_size=2, max_size=2))) for _ in range(m)]
    row_lb = np.array([p[0] for p in row_pairs], dtype=float)
    row_ub = np.array([p[1] for p in row_pairs], dtype=float)
    row_lb[row_lb == INF] = 1e12  # +inf is no lower bound, -inf no upper bound
    row_ub[row_ub == -INF] = -1e12
    col_pairs = [sorted(draw(st.lists(bound_values, min_size=2, max_size=2))) for _ in range(n)]
    col_lb = np.array([p[0] if p[0] < INF else 1e12 for p in col_pairs])
    col_ub = np.array([p[1] if p[1] > -INF else -1e12 for p in col_pairs])
    return LinearProgram(
        c=np.array(draw(st.lists(coefficients, min_size=n, max_size=n))),
        matrix=sp.csr_matrix(dense.reshape(m, n)),
        row_lb=row_lb,
        row_ub=row_ub,
        col_lb=col_lb,
        col_ub=col_ub,
        integer=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
        maximize=draw(st.booleans()),
        c0=draw(coefficients),
    )


@settings(max_examples=150, deadline=None)
@given(random_lps())
def test_mps_round_trip_property(lp: LinearProgram) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", MpsWarning)
        back = read_mps(format_mps(lp))
    lp.A.eliminate_zeros()
    assert_same_lp(back, lp)


finite = st.floats(min_value=-4e19, max_value=4e19, allow_nan=False, allow_subnormal=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite, min_size=2, max_size=2, unique=True).map(sorted))
def test_ranged_row_round_trip_is_within_one_ulp(bounds: list[float]) -> None:
    """Exact where MPS can say it; else one bound within an ulp of the larger bound."""
    lb, ub = bounds
    lp = LinearProgram(
        c=np.ones(1),
        matrix=sp.csr_matrix(np.ones((1, 1))),
        row_lb=np.array([lb]),
        row_ub=np.array([ub]),
        col_lb=np.zeros(1),
        col_ub=np.full(1, INF),
        integer=np.zeros(1, dtype=bool),
    )
    back = read_mps(format_mps(lp))
    got_lb, got_ub = float(back.row_lb[0]), float(back.row_ub[0])
    assert got_lb == lb or got_ub == ub
    tolerance = math.ulp(max(abs(lb), abs(ub)))
    assert abs(got_lb - lb) <= tolerance and abs(got_ub - ub) <= tolerance


def test_ranged_row_that_mps_cannot_say_exactly() -> None:
    lb, ub = -2.21873532668027, 7.559800490466841
    lp = dataclasses.replace(read_mps(small()), row_lb=np.array([lb]), row_ub=np.array([ub]))
    back = read_mps(format_mps(lp))
    got_lb, got_ub = float(back.row_lb[0]), float(back.row_ub[0])
    assert (got_lb == lb) != (got_ub == ub)  # exactly one bound is exact
    assert abs(got_lb - lb) <= math.ulp(ub) and abs(got_ub - ub) <= math.ulp(ub)


def test_mps_round_trip_of_every_instance() -> None:
    for path in sorted(INSTANCES.glob("*.mps")):
        lp = read_mps(path)
        back = read_mps(format_mps(lp))
        assert_same_lp(back, lp)
        assert list(back.var_blocks["x"].index) == lp.var_names()


def test_mps_and_lp_names_are_sanitised_and_unique() -> None:
    lp = LinearProgram(
        c=np.ones(3),
        matrix=sp.csr_matrix(np.ones((2, 3))),
        row_lb=np.array([-INF, 0.0]),
        row_ub=np.ones(2),
        col_lb=np.zeros(3),
        col_ub=np.ones(3),
        integer=np.zeros(3, dtype=bool),
        var_blocks={"pods": Block("pods", 0, pd.Index(["CN Ascend 910C", "CN_Ascend_910C", "*"]))},
        row_blocks={"cap": Block("cap", 0, pd.MultiIndex.from_tuples([("a", 1), ("a:b", 2)]))},
    )
    back = read_mps(format_mps(lp))
    assert list(back.var_blocks["x"].index) == [
        "pods[CN_Ascend_910C]",
        "pods[CN_Ascend_910C]_1",
        "pods[*]",
    ]
    assert list(back.row_blocks["row"].index) == ["cap[a,1]", "cap[a:b,2]"]
    text = format_lp(lp)
    for name in ["pods(CN_Ascend_910C)", "pods(CN_Ascend_910C)_1", "pods(_)", "cap(a,1)"]:
        assert re.search(rf"(^|\s){re.escape(name)}(\s|:|$)", text, re.M), name
    assert "cap(a_b,2)_lhs:" in text and "cap(a_b,2)_rhs:" in text


def test_lp_name_rules() -> None:
    assert _lp_names(["1x", ".x", "e1", "E+", "e", "energy", "free", "Constant", "obj", "x y"]) == [
        "_1x",
        "_.x",
        "_e1",
        "E_",
        "_e",
        "energy",
        "_free",
        "_Constant",
        "_obj",
        "x_y",
    ]
    assert _lp_names(["a", "a", "a_1"]) == ["a", "a_1", "a_1_1"]
    assert len(_lp_names(["x" * 300])[0]) <= 255
    assert _lp_names(["v[1,2]", 'q"uote', "s/lash", "ok!#$%&(),.;?@_`{}|~"]) == [
        "v(1,2)",
        "q_uote",
        "s_lash",
        "ok!#$%&(),.;?@_`{}|~",
    ]


def test_lp_writer_keeps_every_name(tmp_path: Path) -> None:
    """OR-Tools would rename or obfuscate invalid names; ours must come out unchanged."""
    lp = tricky_lp()
    path = tmp_path / "tricky.lp"
    write_lp(lp, path)
    text = path.read_text()
    assert text == format_lp(lp)
    assert "Maximize" in text and "+7.25 Constant" in text
    for name in _lp_names(lp.var_names()):
        assert re.search(rf" {re.escape(name)}( |$)", text, re.M), name
    assert "Generals" in text and "Binaries" in text
    # OR-Tools alone writes "v(neg) <= -0.5", which LP readers take as [0, -0.5]
    for line in [" -inf <= v(neg) <= -0.5", " -inf <= v(cap) <= 3", " -inf <= v(e1) <= 1"]:
        assert line in text.splitlines(), line
    assert " 0 <= v(empty) <= 3" in text.splitlines()  # kept though it has no entries


@pytest.mark.parametrize(("maximize", "c0", "optimum"), [(True, 7.25, 36.25), (False, -3.0, -32.0)])
def test_lp_file_solves_to_the_same_optimum_in_cbc(
    maximize: bool, c0: float, optimum: float, tmp_path: Path
) -> None:
    lp = tricky_lp(maximize, c0)
    status, expected = solve(lp)
    assert status == mbh.SolveStatus.OPTIMAL and close(expected, optimum)
    path = tmp_path / "tricky.lp"
    write_lp(lp, path)
    word, value = cbc_solve_file(path, tmp_path)
    assert word == "Optimal" and close(value, expected), (value, expected)


@pytest.mark.xfail(
    reason="OR-Tools' import_from_lp_string parses glop's own LP dialect "
    "('min: x + 2 y;', variables free by default), not the CPLEX LP format that "
    "export_to_lp_string writes: it returns False even on OR-Tools' own export. "
    "The LP writer is checked with CBC instead.",
    strict=True,
)
def test_ortools_reimports_lp_output() -> None:
    h = mbh.ModelBuilderHelper()
    assert h.import_from_lp_string(format_lp(read_mps(INSTANCES / "afiro.mps")))


# --------------------------------------------------------------------------- instances


def test_read_solu(tmp_path: Path) -> None:
    assert SOLU["afiro"] == ("opt", -464.75314286)
    assert SOLU["woodinfe"] == ("inf", None)
    assert len(SOLU) == 15
    assert {p.stem for p in INSTANCES.glob("*.mps")} == set(SOLU)
    path = tmp_path / "x.solu"
    path.write_text(
        "# comment\n=opt=  a  1.5\n=best= b 2 # trailing\n=bestdual= b 1\n"
        "=unkn= c\n\n=inf= d\n=opt= a 2.5\n"
    )
    assert read_solu(path) == {
        "a": ("opt", 2.5),
        "b": ("best", 2.0),
        "c": ("unkn", None),
        "d": ("inf", None),
    }
    path.write_text("=opt= a\n")
    with pytest.raises(MpsError, match=r"x\.solu:1: expected"):
        read_solu(path)


@pytest.mark.parametrize("name", sorted(SOLU))
def test_instance_solves_to_published_optimum(name: str) -> None:
    start = time.perf_counter()
    lp = read_mps(INSTANCES / f"{name}.mps")
    status, value = solve(lp)
    elapsed = time.perf_counter() - start
    expected_status, expected = SOLU[name]
    if expected_status == "inf":
        assert status == mbh.SolveStatus.INFEASIBLE
    else:
        assert expected is not None
        assert status == mbh.SolveStatus.OPTIMAL
        assert close(value, expected), (value, expected)
    print(f"{name}: {elapsed:.3f} s, objective {value} (published {expected})")


@pytest.mark.parametrize("name", ["afiro", "kb2", "israel", "p0033", "flugpl", "woodinfe"])
def test_lp_writer_output_of_instance_solves_in_cbc(name: str, tmp_path: Path) -> None:
    lp = read_mps(INSTANCES / f"{name}.mps")
    path = tmp_path / f"{name}.lp"
    write_lp(lp, path)
    word, value = cbc_solve_file(path, tmp_path)
    expected_status, expected = SOLU[name]
    if expected_status == "inf":
        assert word == "Infeasible"
    else:
        assert expected is not None
        assert word == "Optimal" and close(value, expected), (value, expected)


@pytest.mark.parametrize("name", ["kb2", "flugpl", "egout"])
def test_mps_writer_output_of_instance_solves_in_ortools(name: str) -> None:
    h = mbh.ModelBuilderHelper()
    assert h.import_from_mps_string(format_mps(read_mps(INSTANCES / f"{name}.mps")))
    status, value = solve_helper(h)
    expected = SOLU[name][1]
    assert status == mbh.SolveStatus.OPTIMAL and expected is not None
    assert close(value, expected)


@pytest.mark.parametrize("name", ["tricky", "afiro", "p0033", "israel"])
def test_lp_writer_output_reads_back_through_highs(name: str, tmp_path: Path) -> None:
    """capplan's LP file, read by HiGHS's LP reader (read_model), has the same optimum."""
    lp = tricky_lp() if name == "tricky" else read_mps(INSTANCES / f"{name}.mps")
    path = tmp_path / f"{name}.lp"
    write_lp(lp, path)
    back = read_model(path)
    assert back.maximize == lp.maximize and back.num_integer == lp.num_integer
    (status, value), (status_back, value_back) = solve(lp), solve(back)
    assert status == status_back == mbh.SolveStatus.OPTIMAL
    assert close(value_back, value), (value_back, value)
