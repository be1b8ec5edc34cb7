"""Read MPS files into a :class:`LinearProgram`; write MPS and CPLEX LP files.

Reader (:func:`read_mps`)
=========================

Fixed and free MPS are both read as whitespace-separated tokens, so names must not
contain spaces (fixed-format files whose names contain spaces are not supported).  A line
that starts in column 1 is a section header; data lines start with a blank.  Lines that
start with ``*`` and blank lines are comments; everything after ``ENDATA`` is ignored.

Sections and the conventions used:

* ``NAME`` (optional) -- the rest of the line is the model name.
* ``OBJSENSE`` -- ``MAX``/``MAXIMIZE``/``MIN``/``MINIMIZE`` on the same line or on the
  next line.  ``OBJNAME`` likewise picks the objective among several ``N`` rows.
* ``ROWS`` -- types ``N``, ``E``, ``L``, ``G``.  The first ``N`` row is the objective
  (unless ``OBJNAME`` names another); further ``N`` rows are free rows and are dropped,
  together with their coefficients, right-hand sides and ranges.
* ``COLUMNS`` -- ``name row value [row value]``.  Columns between
  ``'MARKER' 'INTORG'`` and ``'MARKER' 'INTEND'`` lines are integer.  **An integer
  column without bounds keeps the default bounds [0, +inf)**; some old readers make it
  binary ([0, 1]) instead -- this reader does not.  Repeated (row, column) entries are
  summed (also when a column's lines are not adjacent); explicit zeros are dropped from
  the matrix.
* ``RHS`` -- defaults 0.  A right-hand side ``v`` on the objective row sets the objective
  constant ``c0 = -v`` (the row reads ``c @ x - v``).
* ``RANGES`` -- with ``R`` the range value: ``E`` rows become ``[rhs, rhs + |R|]`` if
  ``R > 0`` and ``[rhs - |R|, rhs]`` if ``R < 0`` (``R = 0`` keeps the equality);
  ``L`` rows ``[rhs - |R|, rhs]``; ``G`` rows ``[rhs, rhs + |R|]``.
* ``BOUNDS`` -- defaults ``[0, +inf)``.  ``UP``, ``LO``, ``FX`` (both), ``FR``
  (``(-inf, +inf)``), ``MI`` (lower bound ``-inf``, upper bound unchanged), ``PL``
  (upper bound ``+inf``, lower bound unchanged), ``BV`` (integer, ``[0, 1]``), ``LI`` /
  ``UI`` (integer with that lower / upper bound).  ``SC`` (semi-continuous) raises
  :class:`MpsError`.  **An ``UP`` or ``UI`` bound below 0 on a column whose lower bound
  is 0 at that point also sets the lower bound to -inf** (the convention of CPLEX,
  HiGHS and others) and emits an :class:`MpsWarning`, unless a later ``LO``/``MI``/
  ``FX``/``FR``/``BV``/``LI`` line sets the lower bound again (it then wins).
  ``FR``/``MI``/``PL``/``BV`` lines may carry a value; it is ignored.
* Only the first RHS, RANGES and BOUNDS set is used; entries of other sets are skipped
  with an :class:`MpsWarning`.  The set name may be omitted.
* Values of magnitude 1e30 or more in RHS, RANGES and BOUNDS are infinite (except a
  right-hand side on the objective row, which must give a finite ``c0``).
* ``ENDATA`` is required: a file that ends without it is taken as truncated.

Malformed input raises :class:`MpsError` (a :class:`ValueError`) naming the file, the
line number and what was expected.  Sections of non-linear or non-standard extensions
(``QUADOBJ``, ``SOS``, ``INDICATORS`` ...) are rejected with a clear message.

The column and row names of the file are kept as the index of one unnamed block each:
``var_blocks = {"x": Block("", 0, pd.Index(col_names))}`` and
``row_blocks = {"row": Block("", 0, pd.Index(row_names))}``.  An unnamed block labels
its entries by their bare names, so ``lp.var_names()`` gives the file's names and a model
read and written again keeps them (no ``x[x[NAME]]`` growth).

Writers
=======

:func:`write_mps` writes free MPS that :func:`read_mps` reads back to the same arrays
(numbers are written with ``repr``, which round-trips floats exactly).  The one
exception is inherent to RANGES, which readers turn into bounds by computing
``rhs -+ |R|``: for a few ranged rows (such as [-2.21873532668027, 7.559800490466841]) no
``R`` gives both bounds back exactly, and one bound comes back within one unit in the
last place of the larger bound.
:func:`write_lp` writes CPLEX LP format through OR-Tools' exporter.  Both take names from
``lp.var_names()`` / ``lp.row_names()`` and sanitise them for the format, keeping them
unique.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.model.lp import Block, LinearProgram

__all__ = [
    "MpsError",
    "MpsWarning",
    "format_lp",
    "format_mps",
    "model_file_format",
    "read_mps",
    "read_solu",
    "write_lp",
    "write_model_file",
    "write_mps",
]

#: Values with at least this magnitude in RHS, RANGES and BOUNDS are read as infinite.
MPS_INFINITY = 1e30

_ROW_TYPES = frozenset("NELG")
_SENSES = {"MAX": True, "MAXIMIZE": True, "MIN": False, "MINIMIZE": False}
_BOUNDS_WITH_VALUE = frozenset({"UP", "LO", "FX", "LI", "UI", "SC"})
_BOUNDS_WITHOUT_VALUE = frozenset({"FR", "MI", "PL", "BV"})
_SECTIONS = ("NAME", "OBJSENSE", "OBJNAME", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS")
_UNSUPPORTED_SECTIONS = frozenset(
    {
        "SOS",
        "QUADOBJ",
        "QMATRIX",
        "QSECTION",
        "QCMATRIX",
        "CSECTION",
        "INDICATORS",
        "LAZYCONS",
        "USERCUTS",
        "GENCONS",
        "PWLOBJ",
        "PWLNAM",
        "PWLCON",
        "BRANCH",
        "DELAYEDROWS",
        "MODELCUTS",
    }
)

# Row kinds in the name -> index map: >= 0 is a constraint row.
_OBJECTIVE = -1
_FREE_ROW = -2


class MpsError(ValueError):
    """Malformed or unsupported MPS input; the message names the file and the line."""

    def __init__(self, message: str, source: str = "<string>", line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}")


class MpsWarning(UserWarning):
    """A legal but noteworthy construct in an MPS file (ignored set, implied bound)."""


# --------------------------------------------------------------------------- reading


def _load_text(path_or_text: str | os.PathLike[str]) -> tuple[str, str, str | None]:
    """Return (text, source label for messages, file stem or None)."""
    if isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text):
        return path_or_text, "<string>", None
    path = Path(path_or_text)
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        stem = Path(path.stem).stem
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        stem = path.stem
    return text, str(path), stem


class _Parser:
    """State of one MPS parse; :meth:`run` returns the :class:`LinearProgram`."""

    def __init__(self, text: str, source: str, default_name: str) -> None:
        self.text = text
        self.source = source
        self.name = default_name
        self.lineno = 0
        self.maximize = False
        self.objname: str | None = None
        self.objective_row: str | None = None
        self.row_index: dict[str, int] = {}
        self.row_names: list[str] = []
        self.row_types: list[str] = []
        self.col_index: dict[str, int] = {}
        self.col_names: list[str] = []
        self.col_integer: list[bool] = []
        self.a_rows: list[int] = []
        self.a_cols: list[int] = []
        self.a_vals: list[float] = []
        self.obj_cols: list[int] = []
        self.obj_vals: list[float] = []
        self.c0 = 0.0
        self.rhs: dict[int, float] = {}
        self.ranges: dict[int, float] = {}
        self.bounds: list[tuple[str, int, float, int]] = []
        self.active_set: dict[str, str] = {}
        self.warned_sets: set[tuple[str, str]] = set()

    # -- helpers -----------------------------------------------------------------

    def error(self, message: str) -> MpsError:
        return MpsError(message, self.source, self.lineno)

    def warn(self, message: str) -> None:
        warnings.warn(MpsWarning(f"{self.source}:{self.lineno}: {message}"), stacklevel=2)

    def number(self, token: str, infinite: bool = False) -> float:
        """Parse a value; with ``infinite``, magnitudes >= 1e30 become +-inf."""
        try:
            value = float(token)
        except ValueError:
            try:  # Fortran-style exponents (1.5D+02) appear in old files.
                value = float(token.replace("D", "E").replace("d", "e"))
            except ValueError:
                raise self.error(f"expected a number, got {token!r}") from None
        if math.isnan(value):
            raise self.error(f"expected a number, got {token!r}")
        if infinite and abs(value) >= MPS_INFINITY:
            return math.copysign(math.inf, value)
        return value

    def row(self, name: str) -> int:
        try:
            return self.row_index[name]
        except KeyError:
            raise self.error(f"unknown row {name!r} (not declared in ROWS)") from None

    def column(self, name: str) -> int:
        try:
            return self.col_index[name]
        except KeyError:
            raise self.error(f"unknown column {name!r} (not declared in COLUMNS)") from None

    def in_active_set(self, section: str, set_name: str) -> bool:
        """True for the first set name seen in a section; warn once for each other set."""
        active = self.active_set.setdefault(section, set_name)
        if active == set_name:
            return True
        if (section, set_name) not in self.warned_sets:
            self.warned_sets.add((section, set_name))
            self.warn(f"{section} set {set_name!r} ignored: only the first set {active!r} is used")
        return False

    # -- sections ----------------------------------------------------------------

    def parse_sense(self, token: str) -> None:
        try:
            self.maximize = _SENSES[token.upper()]
        except KeyError:
            raise self.error(f"expected MAX, MAXIMIZE, MIN or MINIMIZE, got {token!r}") from None

    def rows_line(self, tokens: list[str]) -> None:
        if len(tokens) != 2:
            raise self.error(f"expected 'type name' in ROWS, got {len(tokens)} fields")
        kind, name = tokens[0].upper(), tokens[1]
        if kind not in _ROW_TYPES:
            raise self.error(f"expected row type N, E, L or G, got {tokens[0]!r}")
        if name in self.row_index:
            raise self.error(f"duplicate row {name!r}")
        if kind == "N":
            is_objective = (
                self.objective_row is None if self.objname is None else name == self.objname
            )
            if is_objective:
                self.objective_row = name
                self.row_index[name] = _OBJECTIVE
            else:
                self.row_index[name] = _FREE_ROW
            return
        self.row_index[name] = len(self.row_names)
        self.row_names.append(name)
        self.row_types.append(kind)

    def rhs_or_ranges_line(self, section: str, tokens: list[str]) -> None:
        n = len(tokens)
        if n not in (2, 3, 4, 5):
            raise self.error(f"expected '[set] row value [row value]' in {section}, got {n} fields")
        start = n % 2  # odd count: the first field is the set name
        if not self.in_active_set(section, tokens[0] if start else ""):
            return
        for k in range(start, n, 2):
            i = self.row(tokens[k])
            # No infinity convention for the objective constant: it must be finite.
            value = self.number(tokens[k + 1], infinite=i >= 0)
            if section == "RHS":
                if i >= 0:
                    self.rhs[i] = value
                elif i == _OBJECTIVE:
                    self.c0 = -value
            elif i >= 0:
                self.ranges[i] = value

    def bounds_line(self, tokens: list[str]) -> None:
        n = len(tokens)
        kind = tokens[0].upper() if tokens else ""
        if kind in _BOUNDS_WITH_VALUE:
            if n == 4:
                set_name, col, value_token = tokens[1], tokens[2], tokens[3]
            elif n == 3:
                set_name, col, value_token = "", tokens[1], tokens[2]
            else:
                raise self.error(f"expected '{kind} [set] column value', got {n} fields")
            if kind == "SC":
                raise self.error("semi-continuous not supported (SC bound)")
            j = self.column(col)
            value = self.number(value_token, infinite=True)
        elif kind in _BOUNDS_WITHOUT_VALUE:
            if n == 2:
                set_name, col = "", tokens[1]
            elif n == 3:
                # 'FR set col' unless only 'FR col value' makes sense.
                if tokens[2] in self.col_index or tokens[1] not in self.col_index:
                    set_name, col = tokens[1], tokens[2]
                else:
                    set_name, col = "", tokens[1]
            elif n == 4:
                set_name, col = tokens[1], tokens[2]
            else:
                raise self.error(f"expected '{kind} [set] column', got {n} fields")
            j = self.column(col)
            value = 0.0
        else:
            raise self.error(
                f"expected a bound type (UP, LO, FX, FR, MI, PL, BV, LI, UI), got {tokens[0]!r}"
            )
        if self.in_active_set("BOUNDS", set_name):
            self.bounds.append((kind, j, value, self.lineno))

    def columns_line(self, tokens: list[str], state: list[bool]) -> None:
        """One COLUMNS line; ``state[0]`` is True inside an integer MARKER block."""
        n = len(tokens)
        if n >= 2 and tokens[1] == "'MARKER'":
            if n != 3 or tokens[2] not in ("'INTORG'", "'INTEND'"):
                raise self.error("expected 'name 'MARKER' 'INTORG'' or ... 'INTEND''")
            state[0] = tokens[2] == "'INTORG'"
            return
        if n not in (3, 5):
            raise self.error(f"expected 'column row value [row value]' in COLUMNS, got {n} fields")
        name = tokens[0]
        j = self.col_index.get(name)
        if j is None:
            j = len(self.col_names)
            self.col_index[name] = j
            self.col_names.append(name)
            self.col_integer.append(state[0])
        elif state[0]:
            self.col_integer[j] = True
        for k in (1, 3) if n == 5 else (1,):
            i = self.row(tokens[k])
            value = self.number(tokens[k + 1])
            if i >= 0:
                self.a_rows.append(i)
                self.a_cols.append(j)
                self.a_vals.append(value)
            elif i == _OBJECTIVE:
                self.obj_cols.append(j)
                self.obj_vals.append(value)

    # -- driver ------------------------------------------------------------------

    def run(self) -> LinearProgram:
        section: str | None = None
        marker = [False]
        ended = False
        for lineno, line in enumerate(self.text.splitlines(), start=1):
            self.lineno = lineno
            if not line or line[0] == "*":
                continue
            tokens = line.split()
            if not tokens:
                continue
            # A sense / objective name may also stand unindented on the next line.
            if section in ("OBJSENSE", "OBJNAME") and (
                line[0].isspace() or tokens[0].upper() not in _SECTIONS
            ):
                if section == "OBJSENSE":
                    self.parse_sense(tokens[0])
                else:
                    self.objname = tokens[0]
                section = None
                continue
            if not line[0].isspace():
                key = tokens[0].upper()
                if key == "ENDATA":
                    ended = True
                    break
                if key in _UNSUPPORTED_SECTIONS:
                    raise self.error(f"section {tokens[0]} is not supported (linear models only)")
                if key not in _SECTIONS:
                    raise self.error(
                        f"unknown section {tokens[0]!r}; expected one of "
                        + ", ".join(_SECTIONS)
                        + ", ENDATA (data lines must start with a blank)"
                    )
                if key == "OBJNAME" and self.row_index:
                    raise self.error("OBJNAME must come before ROWS")
                section = key
                if key == "NAME":
                    rest = line.strip()[4:].strip()
                    if rest:
                        self.name = rest
                    section = None
                elif key in ("OBJSENSE", "OBJNAME") and len(tokens) > 1:
                    if key == "OBJSENSE":
                        self.parse_sense(tokens[1])
                    else:
                        self.objname = tokens[1]
                    section = None
                continue
            if section == "COLUMNS":
                self.columns_line(tokens, marker)
            elif section == "ROWS":
                self.rows_line(tokens)
            elif section in ("RHS", "RANGES"):
                self.rhs_or_ranges_line(section, tokens)
            elif section == "BOUNDS":
                self.bounds_line(tokens)
            else:
                raise self.error("data line outside a section; expected a section header")
        if not ended:
            self.lineno += 1
            raise self.error("expected ENDATA, reached the end of the file")
        if self.objname is not None and self.objective_row is None:
            raise MpsError(f"OBJNAME row {self.objname!r} is not an N row", self.source)
        return self.build()

    def build(self) -> LinearProgram:
        m, n = len(self.row_names), len(self.col_names)
        A = sp.coo_matrix(
            (
                np.asarray(self.a_vals, dtype=float),
                (np.asarray(self.a_rows, dtype=np.int64), np.asarray(self.a_cols, dtype=np.int64)),
            ),
            shape=(m, n),
        ).tocsr()  # sums duplicates
        A.eliminate_zeros()
        c = np.zeros(n)
        np.add.at(c, np.asarray(self.obj_cols, dtype=np.int64), np.asarray(self.obj_vals))

        kinds = np.asarray(self.row_types, dtype="U1")
        rhs = np.zeros(m)
        if self.rhs:
            rhs[list(self.rhs)] = list(self.rhs.values())
        row_lb = np.where(kinds == "L", -np.inf, rhs)
        row_ub = np.where(kinds == "G", np.inf, rhs)
        for i, r in self.ranges.items():
            kind = self.row_types[i]
            if kind == "L" or (kind == "E" and r < 0):
                row_lb[i] = rhs[i] - abs(r)
            elif kind == "G" or (kind == "E" and r > 0):
                row_ub[i] = rhs[i] + abs(r)

        col_lb = np.zeros(n)
        col_ub = np.full(n, np.inf)
        integer = np.asarray(self.col_integer, dtype=bool).reshape(n)
        implied: dict[int, tuple[int, str]] = {}  # column -> line, text of a pending warning
        for kind, j, value, lineno in self.bounds:
            if kind in ("UP", "UI"):
                if value < 0 and col_lb[j] == 0:
                    col_lb[j] = -np.inf
                    implied[j] = (lineno, f"{kind} bound {value:g} < 0")
                col_ub[j] = value
                integer[j] |= kind == "UI"
                continue
            if kind != "PL":
                implied.pop(j, None)  # the lower bound is set again below
            if kind in ("LO", "LI"):
                col_lb[j] = value
                integer[j] |= kind == "LI"
            elif kind == "FX":
                col_lb[j] = col_ub[j] = value
            elif kind == "FR":
                col_lb[j], col_ub[j] = -np.inf, np.inf
            elif kind == "MI":
                col_lb[j] = -np.inf
            elif kind == "PL":
                col_ub[j] = np.inf
            else:  # BV
                col_lb[j], col_ub[j] = 0.0, 1.0
                integer[j] = True
        for j, (lineno, what) in implied.items():
            self.lineno = lineno
            self.warn(
                f"{what} on column {self.col_names[j]!r} with lower bound 0 "
                "and no later lower bound: lower bound set to -inf"
            )

        return LinearProgram(
            c=c,
            A=A,
            row_lb=row_lb,
            row_ub=row_ub,
            col_lb=col_lb,
            col_ub=col_ub,
            integer=integer,
            maximize=self.maximize,
            c0=float(self.c0),
            name=self.name,
            # unnamed blocks: their labels are the file's names, unchanged (Block.labels)
            var_blocks={"x": Block("", 0, pd.Index(self.col_names))},
            row_blocks={"row": Block("", 0, pd.Index(self.row_names))},
        )


def read_mps(path_or_text: str | os.PathLike[str]) -> LinearProgram:
    """Read a fixed or free MPS model (see the module docstring for the conventions).

    ``path_or_text`` is a path (``str`` or :class:`os.PathLike`; ``.gz`` files are
    decompressed) or the MPS text itself: a ``str`` that contains a line break is text.

    Raises :class:`MpsError` for malformed or unsupported input and warns with
    :class:`MpsWarning` for implied bounds and ignored RHS / RANGES / BOUNDS sets.
    """
    text, source, stem = _load_text(path_or_text)
    return _Parser(text, source, stem or "mps").run()


def read_solu(path: str | os.PathLike[str]) -> dict[str, tuple[str, float | None]]:
    """Read a ``.solu`` file of published results (the MIPLIB / SCIP format).

    Lines are ``=opt= name value``, ``=best= name value``, ``=feas= name value``,
    ``=inf= name``, ``=unbd= name`` or ``=unkn= name``; ``#`` starts a comment.  The
    status is returned without the ``=`` signs (``"opt"``, ``"inf"`` ...) with the value
    (``None`` where there is none).  ``=bestdual=`` lines (dual bounds, not solution
    values) are skipped; when a name repeats, the later line wins.
    """
    with_value = {"opt", "best", "feas"}
    without_value = {"inf", "unbd", "unkn"}
    result: dict[str, tuple[str, float | None]] = {}
    source = str(path)
    for lineno, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        status = tokens[0].strip("=").lower()
        if status == "bestdual":
            continue
        if status in with_value and len(tokens) == 3:
            try:
                value = float(tokens[2])
            except ValueError:
                raise MpsError(f"expected a number, got {tokens[2]!r}", source, lineno) from None
            result[tokens[1]] = (status, value)
        elif status in without_value and len(tokens) == 2:
            result[tokens[1]] = (status, None)
        else:
            raise MpsError(
                "expected '=opt=|=best=|=feas= name value' or '=inf=|=unbd=|=unkn= name', "
                f"got {line!r}",
                source,
                lineno,
            )
    return result


# --------------------------------------------------------------------------- writing


def _unique(names: Iterable[str], taken: set[str] | None = None) -> list[str]:
    """Make names unique by appending ``_1``, ``_2`` ... to repeats (and to ``taken``)."""
    used = set() if taken is None else set(taken)
    out: list[str] = []
    for name in names:
        candidate = name
        k = 0
        while candidate in used:
            k += 1
            candidate = f"{name}_{k}"
        used.add(candidate)
        out.append(candidate)
    return out


_MPS_BAD = re.compile(r"\s")


def _mps_names(names: Sequence[str], taken: set[str] | None = None) -> list[str]:
    """Names for free MPS: no whitespace, not empty, not starting with ``*`` or ``$``."""
    clean = []
    for name in names:
        name = _MPS_BAD.sub("_", name) or "_"
        if name[0] in "*$":
            name = "_" + name
        clean.append(name)
    return _unique(clean, taken)


def _num(value: float) -> str:
    """Shortest text that reads back as exactly the same float."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _check_finite(lp: LinearProgram) -> None:
    if not np.isfinite(lp.c).all() or not np.isfinite(lp.A.data).all():
        raise ValueError("objective and matrix coefficients must be finite")
    if not math.isfinite(lp.c0):
        raise ValueError("the objective constant c0 must be finite")
    for label, arr in (
        ("col_lb", lp.col_lb),
        ("col_ub", lp.col_ub),
        ("row_lb", lp.row_lb),
        ("row_ub", lp.row_ub),
    ):
        if np.isnan(arr).any():
            raise ValueError(f"{label} contains NaN")
    if (lp.col_lb == np.inf).any() or (lp.col_ub == -np.inf).any():
        raise ValueError("a column has lower bound +inf or upper bound -inf")
    if (lp.row_lb == np.inf).any() or (lp.row_ub == -np.inf).any():
        raise ValueError("a row has lower bound +inf or upper bound -inf")


def _row_entry(lb: float, ub: float) -> tuple[str, float, float | None]:
    """(type, rhs, range or None) for a row with bounds ``lb <= a x <= ub``."""
    lo_inf, up_inf = lb == -math.inf, ub == math.inf
    if lo_inf and up_inf:
        return "G", -MPS_INFINITY, None  # a free row, kept so the matrix round-trips
    if lo_inf:
        return "L", ub, None
    if up_inf:
        return "G", lb, None
    if lb == ub:
        return "E", lb, None
    if lb > ub:
        raise ValueError(f"row bounds {lb} > {ub}: MPS cannot express an empty range")
    if ub - lb >= MPS_INFINITY:
        raise ValueError(f"row range [{lb}, {ub}] is too wide for MPS (>= 1e30)")
    # The reader computes rhs -+ |R| in floating point: pick a form and an R (ub - lb or
    # a neighbouring float) that gives back exactly the other bound.  That is not always
    # possible (e.g. [-2.21873532668027, 7.559800490466841]); then take the closest.
    best: tuple[float, str, float, float] = (math.inf, "L", ub, ub - lb)
    for kind, rhs, sign, target in (("L", ub, -1.0, lb), ("G", lb, 1.0, ub)):
        r = ub - lb
        for _ in range(4):
            got = rhs + sign * r
            if got == target:
                return kind, rhs, r
            best = min(best, (abs(got - target), kind, rhs, r))
            # ``got`` moves with ``sign * r``: step r towards the target.
            r = math.nextafter(r, math.inf if (target - got) * sign > 0 else -math.inf)
    return best[1], best[2], best[3]


def format_mps(lp: LinearProgram) -> str:
    """The free-MPS text of ``lp`` (see :func:`write_mps`)."""
    _check_finite(lp)
    cols = _mps_names(lp.var_names())
    rows = _mps_names(lp.row_names())
    obj = _unique(["OBJ"], set(rows))[0]
    lines = [f"NAME {_MPS_BAD.sub('_', lp.name) or 'capplan'}"]
    if lp.maximize:
        lines += ["OBJSENSE", "    MAX"]
    lines += ["ROWS", f" N  {obj}"]
    entries = [
        _row_entry(float(lo), float(up)) for lo, up in zip(lp.row_lb, lp.row_ub, strict=True)
    ]
    lines += [f" {kind}  {name}" for (kind, _, _), name in zip(entries, rows, strict=True)]

    lines.append("COLUMNS")
    A = sp.csc_matrix(lp.A)
    A.sort_indices()
    indptr, indices, data = A.indptr, A.indices, A.data
    in_marker = False
    n_markers = 0
    for j, name in enumerate(cols):
        if bool(lp.integer[j]) != in_marker:
            tag = "'INTEND'" if in_marker else "'INTORG'"
            lines.append(f"    MARKER{n_markers} 'MARKER' {tag}")
            n_markers += 1
            in_marker = not in_marker
        start, stop = indptr[j], indptr[j + 1]
        if lp.c[j] != 0 or start == stop:
            lines.append(f"    {name} {obj} {_num(lp.c[j])}")
        lines += [
            f"    {name} {rows[i]} {_num(v)}"
            for i, v in zip(indices[start:stop], data[start:stop], strict=True)
        ]
    if in_marker:
        lines.append(f"    MARKER{n_markers} 'MARKER' 'INTEND'")

    lines.append("RHS")
    if lp.c0 != 0:
        lines.append(f"    RHS {obj} {_num(-lp.c0)}")
    lines += [
        f"    RHS {name} {_num(rhs)}"
        for (_, rhs, _), name in zip(entries, rows, strict=True)
        if rhs != 0
    ]
    ranged = [(name, r) for (_, _, r), name in zip(entries, rows, strict=True) if r is not None]
    if ranged:
        lines.append("RANGES")
        lines += [f"    RNG {name} {_num(r)}" for name, r in ranged]

    lines.append("BOUNDS")
    for j, name in enumerate(cols):
        lb, ub, is_int = float(lp.col_lb[j]), float(lp.col_ub[j]), bool(lp.integer[j])
        if is_int and lb == 0 and ub == 1:
            lines.append(f" BV BND {name}")
        elif lb == ub:
            lines.append(f" FX BND {name} {_num(lb)}")
        elif lb == -math.inf and ub == math.inf:
            lines.append(f" FR BND {name}")
        else:
            # LO / MI before UP, so that a negative UP cannot imply lb = -inf on reading;
            # for lb = 0 > ub an explicit LO 0 after UP overrides the implied -inf.
            if lb == -math.inf:
                lines.append(f" MI BND {name}")
            elif lb != 0:
                lines.append(f" LO BND {name} {_num(lb)}")
            if ub != math.inf:
                lines.append(f" UP BND {name} {_num(ub)}")
                if lb == 0 and ub < 0:
                    lines.append(f" LO BND {name} 0")
            elif is_int:
                # Guards against readers that make unbounded MARKER integers binary.
                lines.append(f" PL BND {name}")
    if lines[-1] == "BOUNDS":
        lines.pop()
    lines.append("ENDATA")
    return "\n".join(lines) + "\n"


def _write_atomic(text: str, path: str | os.PathLike[str]) -> None:
    """Write ``text`` to ``path`` atomically, replacing an existing file (capplan.io)."""
    from capplan.io import write_file_atomically

    write_file_atomically(Path(path), text, force=True)


#: File formats :func:`write_model_file` writes, by file suffix.
MODEL_FILE_FORMATS = {".mps": "free MPS", ".lp": "CPLEX LP"}


def model_file_format(path: str | os.PathLike[str]) -> str:
    """The suffix (``.mps`` or ``.lp``) that selects the format of ``path``.

    Raises ``ValueError`` naming the accepted suffixes for any other.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in MODEL_FILE_FORMATS:
        known = ", ".join(f"{k} ({v})" for k, v in MODEL_FILE_FORMATS.items())
        raise ValueError(f"unknown model file suffix {Path(path).suffix!r}; expected {known}")
    return suffix


def write_model_file(lp: LinearProgram, path: str | os.PathLike[str]) -> str:
    """Write ``lp`` as free MPS (``.mps``) or CPLEX LP (``.lp``), chosen by the suffix.

    Returns the suffix.  The file is written atomically.
    """
    suffix = model_file_format(path)
    if suffix == ".mps":
        write_mps(lp, path)
    else:
        write_lp(lp, path)
    return suffix


def write_mps(lp: LinearProgram, path: str | os.PathLike[str]) -> None:
    """Write ``lp`` as free MPS.

    ``OBJSENSE MAX`` for maximisation, integer columns in ``MARKER`` blocks, ranged rows
    through ``RANGES``, every non-default bound (``FR``/``MI``/``BV`` where they apply,
    ``PL`` for integer columns without an upper bound), and ``c0`` as the right-hand side
    ``-c0`` of the objective row.  Rows with no finite bound are written as ``G`` rows
    with right-hand side ``-1e30``, which reads back as a free row.  Finite bounds of
    magnitude 1e30 or more read back as infinite; a row with ``row_lb > row_ub`` cannot
    be written (``ValueError``).  Names come from
    ``lp.var_names()`` / ``lp.row_names()`` with whitespace replaced by ``_`` and
    repeats made unique.  The file is written atomically (a temporary file beside it,
    renamed when complete).
    """
    _write_atomic(format_mps(lp), path)


# CPLEX LP names: letters, digits and !"#$%&()/,.;?@_`'{}|~ ; OR-Tools' exporter also
# rewrites '/', and quotes confuse some readers, so both are replaced as well.
_LP_BAD = re.compile(r"[^A-Za-z0-9!#$%&(),.;?@_`{}|~]")
_LP_KEYWORDS = frozenset(
    {
        "min",
        "max",
        "minimize",
        "maximize",
        "minimum",
        "maximum",
        "subject",
        "to",
        "st",
        "s.t.",
        "such",
        "that",
        "bound",
        "bounds",
        "general",
        "generals",
        "gen",
        "integer",
        "integers",
        "int",
        "binary",
        "binaries",
        "bin",
        "semi",
        "semis",
        "sos",
        "end",
        "free",
        "inf",
        "infinity",
        "obj",
        "constant",  # OR-Tools writes the objective offset as a variable "Constant"
    }
)
_LP_MAX_NAME = 250


def _lp_names(names: Sequence[str], taken: set[str] | None = None) -> list[str]:
    """Names valid in CPLEX LP and unchanged by OR-Tools' exporter, kept unique."""
    clean = []
    for name in names:
        name = _LP_BAD.sub("_", name.replace("[", "(").replace("]", ")"))
        if (
            not name
            or name[0].isdigit()
            or name[0] == "."
            or re.match(r"[eE]([0-9+\-.]|$)", name)
            or name.lower() in _LP_KEYWORDS
        ):
            name = "_" + name
        clean.append(name[:_LP_MAX_NAME])
    return _unique(clean, taken)


def format_lp(lp: LinearProgram) -> str:
    """The CPLEX LP text of ``lp`` (see :func:`write_lp`)."""
    from ortools.linear_solver.python import model_builder_helper as mbh

    _check_finite(lp)
    cols = _lp_names(lp.var_names())
    rows = _lp_names(lp.row_names(), taken=set(cols))
    # OR-Tools splits a ranged row r into rows r_lhs and r_rhs: keep those free too.
    ranged = np.isfinite(lp.row_lb) & np.isfinite(lp.row_ub) & (lp.row_lb != lp.row_ub)
    if ranged.any():
        used = set(cols) | set(rows)
        for r in np.flatnonzero(ranged).tolist():
            used.discard(rows[r])
            base, k = rows[r], 0
            while {rows[r], rows[r] + "_lhs", rows[r] + "_rhs"} & used:
                k += 1
                rows[r] = f"{base}_{k}"
            used |= {rows[r], rows[r] + "_lhs", rows[r] + "_rhs"}

    h: Any = mbh.ModelBuilderHelper()  # its stubs mistype numpy arrays
    h.fill_model_from_sparse_data(
        np.asarray(lp.col_lb, dtype=float),
        np.asarray(lp.col_ub, dtype=float),
        np.asarray(lp.c, dtype=float),
        np.asarray(lp.row_lb, dtype=float),
        np.asarray(lp.row_ub, dtype=float),
        sp.csr_matrix(lp.A, dtype=float),
    )
    for j, name in enumerate(cols):
        h.set_var_name(j, name)
    for i, name in enumerate(rows):
        h.set_constraint_name(i, name)
    for j in np.flatnonzero(lp.integer).tolist():
        h.set_var_integrality(j, True)
    h.set_maximize(bool(lp.maximize))
    h.set_objective_offset(float(lp.c0))
    h.set_name(_LP_BAD.sub("_", lp.name))
    options = mbh.MPModelExportOptions()
    options.max_line_length = 255  # CPLEX reads lines of up to 560 characters
    options.show_unused_variables = True  # keep columns without coefficients
    text: str = h.export_to_lp_string(options)
    if not text:
        raise ValueError("OR-Tools could not export the model to LP format")
    return _fix_lp_bounds(text)


_LP_UPPER_ONLY = re.compile(r"^ (\S+) <= (\S+)$", re.MULTILINE)
_LP_AFTER_BOUNDS = ("Binaries", "Generals", "End")


def _fix_lp_bounds(text: str) -> str:
    """Make OR-Tools' bound lines for columns with lb = -inf say so.

    OR-Tools 9.15 writes a column with bounds (-inf, u] as ``x <= u``, which CPLEX-LP
    readers (CPLEX, Gurobi, HiGHS, CBC) read with the default lower bound 0, i.e. as
    [0, u].  In the Bounds section a line with only ``<= u`` comes from exactly these
    columns (a finite lower bound alone is written ``l <= x``, with the number first), so
    it becomes ``-inf <= x <= u``.
    """
    start = text.find("\nBounds\n")
    if start < 0:
        return text
    ends = [text.find(f"\n{word}\n", start + 1) for word in _LP_AFTER_BOUNDS]
    stop = min((i for i in ends if i >= 0), default=len(text))
    fixed = _LP_UPPER_ONLY.sub(_upper_only_line, text[start:stop])
    return text[:start] + fixed + text[stop:]


def _upper_only_line(match: re.Match[str]) -> str:
    """`` x <= u`` -> `` -inf <= x <= u``; `` l <= x`` (a number first) stays."""
    try:
        float(match.group(1))
    except ValueError:  # a name: our names never read as numbers
        return f" -inf <= {match.group(1)} <= {match.group(2)}"
    return match.group(0)


def write_lp(lp: LinearProgram, path: str | os.PathLike[str]) -> None:
    """Write ``lp`` in CPLEX LP format (through OR-Tools' ``MPModelProtoExporter``).

    Names come from ``lp.var_names()`` / ``lp.row_names()``: ``[`` ``]`` become ``(``
    ``)``, other characters the format forbids become ``_``, names that could be read
    as a number or keyword get a leading ``_``, and repeats are made unique.  The
    exporter writes a ranged row ``r`` as two rows ``r_lhs`` and ``r_rhs``, drops rows
    with no finite bound, and writes a non-zero ``c0`` as a variable ``Constant`` fixed
    to 1 (no model name can clash with these).  Its bound lines for columns with lower
    bound -inf and a finite upper bound (``x <= u``, which LP readers take as [0, u])
    are rewritten as ``-inf <= x <= u``; columns without coefficients are kept.  The
    file is written atomically.
    """
    _write_atomic(format_lp(lp), path)
