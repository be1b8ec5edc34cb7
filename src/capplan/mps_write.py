"""Write a :class:`LinearProgram` as free MPS or CPLEX LP (read back by :mod:`capplan.mps`).

Not HiGHS's writer (measured, highspy 1.12.0): it refuses names with spaces (capplan's
labels such as ``pods[CN,Ascend 910C,FY2026]`` have them), writes 15 significant digits,
writes free rows as ``N`` rows that its reader drops, and its own LP reader rejects its LP
output of ranged rows.  :func:`write_mps` writes numbers with ``repr`` (exact); RANGES
alone can cost one bound an ulp of the larger bound (readers compute ``rhs -+ |R|``, and
for a few rows no ``R`` gives both back).  :func:`write_lp` goes through OR-Tools'
exporter.  Both sanitise ``lp.var_names()`` / ``lp.row_names()`` for the format and keep
them unique.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from capplan.model.lp import LinearProgram

#: Values with at least this magnitude in RHS, RANGES and BOUNDS are read as infinite.
MPS_INFINITY = 1e20


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
    if (np.abs(lp.c) >= MPS_INFINITY).any():
        raise ValueError(f"an objective coefficient of {MPS_INFINITY:g} or more is infinite")
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
    if (lp.col_lb > lp.col_ub).any():
        raise ValueError("a column has lower bound > upper bound: MPS cannot express it")
    if (lp.row_lb == np.inf).any() or (lp.row_ub == -np.inf).any():
        raise ValueError("a row has lower bound +inf or upper bound -inf")


def _row_entry(lb: float, ub: float) -> tuple[str, float, float | None]:
    """(type, rhs, range or None) for a row with bounds ``lb <= a x <= ub``."""
    lo_inf, up_inf = lb == -math.inf, ub == math.inf
    if lo_inf and up_inf:
        return "G", -1e30, None  # a free row (infinite to HiGHS and OR-Tools), kept
    if lo_inf:
        return "L", ub, None
    if up_inf:
        return "G", lb, None
    if lb == ub:
        return "E", lb, None
    if lb > ub:
        raise ValueError(f"row bounds {lb} > {ub}: MPS cannot express an empty range")
    if ub - lb >= MPS_INFINITY:
        raise ValueError(f"row range [{lb}, {ub}] is too wide for MPS (>= {MPS_INFINITY:g})")
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
            # MI or LO before UP; a negative UP always has a lower bound below it, and
            # lb = 0 > ub is rejected (the reader takes UP < 0 with lb 0 as lb = -inf)
            if lb == -math.inf:
                lines.append(f" MI BND {name}")
            elif lb != 0:
                lines.append(f" LO BND {name} {_num(lb)}")
            if ub != math.inf:
                lines.append(f" UP BND {name} {_num(ub)}")
            elif is_int:
                # HiGHS (and others) read a MARKER integer without bounds as binary
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
    magnitude 1e20 or more read back as infinite; a row with ``row_lb > row_ub`` cannot
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
