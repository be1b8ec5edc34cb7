"""Read MPS and CPLEX LP files through HiGHS's own reader; read ``.solu`` files.

:func:`read_model` (also :func:`read_mps`) hands the file to ``highspy.Highs.readModel``
(HiGHS 1.12: fixed and free MPS, CPLEX LP by the ``.lp`` suffix) and turns HiGHS's
``HighsLp`` into a :class:`LinearProgram`.  The conventions are HiGHS's:

* ``NAME``, ``ROWS`` (``N E L G``; the first ``N`` row is the objective, other ``N`` rows
  are refused), ``COLUMNS`` with ``'MARKER' 'INTORG'`` / ``'INTEND'``
  integer blocks, ``RHS`` (a value on the objective row sets the constant ``c0 = -v``),
  ``RANGES`` (``E`` rows ``[rhs, rhs + |R|]`` for ``R > 0`` and ``[rhs - |R|, rhs]`` for
  ``R < 0``; ``L`` rows ``[rhs - |R|, rhs]``; ``G`` rows ``[rhs, rhs + |R|]``), ``BOUNDS``
  (``UP LO FX FR MI PL BV LI UI``; ``MI`` leaves the upper bound as it is).
* **An integer column in a MARKER block without bounds is binary, [0, 1]** (HiGHS's
  reading; capplan's writer always writes such a column's bounds, ``PL`` when it has
  none).
* Values of magnitude 1e20 or more are infinite (HiGHS's ``infinite_bound``).

What capplan adds, because HiGHS 1.12 gets it wrong or says nothing:

* ``OBJSENSE`` and ``OBJNAME`` are read from the lines before ``ROWS`` (on the same line
  or the next): HiGHS reads ``OBJSENSE MAXIMIZE`` on one line as minimisation and ignores
  ``OBJNAME``.  An ``OBJNAME`` that is not the first ``N`` row is an error (HiGHS keeps
  only the first).
* **An ``UP`` (or ``UI``) bound below 0 on a column whose lower bound is 0 sets the lower
  bound to -inf** (the convention of CPLEX and of capplan's earlier reader; HiGHS keeps
  the empty domain [0, u]), with an :class:`MpsWarning`.
* ``.gz`` files are decompressed first (this HiGHS build reads no gzip); a ``str`` that
  contains a line break is the model text itself (MPS).
* Semi-continuous or semi-integer columns, quadratic objectives and the sections of other
  extensions (``SOS``, ``QUADOBJ``, ``INDICATORS``...; HiGHS skips some silently) raise
  :class:`MpsError`; so does anything HiGHS rejects, with HiGHS's own messages, **and
  anything HiGHS reads only by ignoring or guessing** (a repeated entry, a second RHS or
  bound value, a row not in ROWS, two rows of one name, a matrix value of magnitude 1e-9
  or less: HiGHS warns and goes on).  A
  second ``N`` row is refused too (HiGHS 1.12 adds its RHS to the objective constant).
* Not caught (HiGHS 1.12 says nothing): a malformed number reads as 0, extra fields on a
  line are ignored, a ``BOUNDS`` line may create a column (``tests/test_mps.py`` keeps
  these as strict xfails).

The file's column and row names are kept as the index of one unnamed block each, so
``lp.var_names()`` gives them back and a model read and written again keeps them.
The writers are in :mod:`capplan.mps_write` (and importable from here).
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.model.lp import Block, LinearProgram
from capplan.mps_write import (
    MODEL_FILE_FORMATS,
    format_lp,
    format_mps,
    model_file_format,
    write_lp,
    write_model_file,
    write_mps,
)

__all__ = [
    "MODEL_FILE_FORMATS",
    "MpsError",
    "MpsWarning",
    "format_lp",
    "format_mps",
    "model_file_format",
    "read_model",
    "read_mps",
    "read_solu",
    "write_lp",
    "write_model_file",
    "write_mps",
]

_SENSES = {"MAX": True, "MAXIMIZE": True, "MAXIMISE": True, "MIN": False, "MINIMIZE": False}
_SENSES["MINIMISE"] = False
# Sections of extensions capplan does not take (HiGHS skips some of them without a word)
_UNSUPPORTED = re.compile(
    r"^(SOS|QUADOBJ|QMATRIX|QSECTION|QCMATRIX|CSECTION|INDICATORS|LAZYCONS|USERCUTS|"
    r"GENCONS|PWLOBJ|PWLNAM|PWLCON|BRANCH|DELAYEDROWS|MODELCUTS)\b",
    re.MULTILINE,
)
# HiGHS warnings about a well-formed file; any other means HiGHS ignored or guessed input
_BENIGN = ("assume fixed format", "switching to fixed format", "inconsistent bounds")


class MpsError(ValueError):
    """Malformed or unsupported model file; the message names the file (and the line)."""

    def __init__(self, message: str, source: str = "<string>", line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}")


class MpsWarning(UserWarning):
    """A legal but noteworthy construct in a model file (dropped entries, implied bound)."""


def read_mps(path_or_text: str | os.PathLike[str]) -> LinearProgram:
    """Read an MPS (or, by its ``.lp`` suffix, CPLEX LP) model: see the module docstring."""
    return read_model(path_or_text)


def read_model(path_or_text: str | os.PathLike[str]) -> LinearProgram:
    """Read a model file through HiGHS (see the module docstring for the conventions)."""
    with tempfile.TemporaryDirectory(prefix="capplan-read-") as tmp:
        path, source, stem = _local_file(path_or_text, Path(tmp))
        header = _header(path, source) if path.suffix.lower() != ".lp" else {}
        if path.suffix.lower() != ".lp":
            _check_sections(path, source)
        lp = _highs_read(path, source, Path(tmp) / "highs.log")
    return _program(lp, header, source, str(header.get("NAME") or stem))


def _local_file(path_or_text: str | os.PathLike[str], tmp: Path) -> tuple[Path, str, str]:
    """(a file HiGHS can read, source label for messages, default model name)."""
    if isinstance(path_or_text, str) and ("\n" in path_or_text or "\r" in path_or_text):
        path = tmp / "model.mps"
        path.write_text(path_or_text, encoding="utf-8")
        return path, "<string>", "mps"
    given = Path(path_or_text)
    if not given.is_file():
        raise MpsError("no such file", str(given))
    if given.suffix.lower() != ".gz":
        return given, str(given), given.stem
    inner = Path(given.stem)  # name.mps.gz -> name.mps
    path = tmp / f"model{inner.suffix or '.mps'}"
    try:
        with gzip.open(given, "rb") as fh:
            path.write_bytes(fh.read())
    except (OSError, EOFError) as exc:
        raise MpsError(f"not a readable gzip file: {exc}", str(given)) from None
    return path, str(given), inner.stem


def _header(path: Path, source: str) -> dict[str, str]:
    """NAME, OBJSENSE and OBJNAME from the lines before ROWS (on the same line or the
    next), and the N row of ROWS as ``OBJROW`` (a second one is an error)."""
    found: dict[str, str] = {}
    section, at = "", 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, raw in enumerate(fh, start=1):
            tokens = raw.split()
            if not tokens or raw.startswith("*"):
                continue
            if not raw[0].isspace():  # a section header
                section, at = tokens[0].upper(), lineno
                if section not in ("NAME", "OBJSENSE", "OBJNAME", "ROWS"):
                    break
                if len(tokens) > 1 and section != "ROWS":
                    found[section] = " ".join(tokens[1:]) if section == "NAME" else tokens[1]
            elif section == "ROWS" and tokens[0].upper() == "N" and len(tokens) > 1:
                if "OBJROW" in found:
                    raise MpsError(
                        f"N row {tokens[1]!r}: N rows after the first are not supported "
                        "(HiGHS 1.12 adds their right-hand side to the objective constant)",
                        source,
                        lineno,
                    )
                found["OBJROW"] = tokens[1]
            elif section in ("OBJSENSE", "OBJNAME") and section not in found:
                found[section], at = tokens[0], lineno
    sense = found.get("OBJSENSE")
    if sense is not None and sense.upper() not in _SENSES:
        raise MpsError(f"OBJSENSE {sense!r}: expected MAX or MIN", source, at)
    return found


def _check_sections(path: Path, source: str) -> None:
    """Refuse the sections of non-linear or non-standard extensions (SOS, QUADOBJ...)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    end = re.search(r"^ENDATA\b", text, re.MULTILINE)
    found = _UNSUPPORTED.search(text, 0, end.start() if end else len(text))
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise MpsError(
            f"section {found.group(1)} is not supported (linear programs only)", source, line
        )


def _highs_read(path: Path, source: str, log: Path) -> object:
    """HiGHS's ``HighsLp`` of the file (MpsError on an error or a guess, see _BENIGN)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("log_file", str(log))
    status = h.readModel(str(path))
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = [line.strip() for line in text.splitlines()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR")]
    notes = [line.removeprefix("WARNING:").strip() for line in lines if line.startswith("WARN")]
    guessed = [note for note in notes if not any(ok in note for ok in _BENIGN)]
    if status == highspy.HighsStatus.kError or guessed:
        said = "; ".join(errors + guessed) or "HiGHS could not read the file"
        raise MpsError(said.replace(str(path), source), source)
    model = h.getModel()
    if model.hessian_.dim_ > 0:
        raise MpsError("a quadratic objective is not supported (linear programs only)", source)
    return model.lp_


def _program(lp: object, header: dict[str, str], source: str, name: str) -> LinearProgram:
    """The :class:`LinearProgram` of a ``HighsLp`` with the header's sense and objective."""
    import highspy

    hl: highspy.HighsLp = lp
    m, n = int(hl.num_row_), int(hl.num_col_)
    kinds = np.array([int(k) for k in hl.integrality_], dtype=np.int64)
    if kinds.size and (kinds > 1).any():
        raise MpsError("semi-continuous and semi-integer columns are not supported", source)
    objective = header.get("OBJNAME")
    if objective is not None and objective != header.get("OBJROW"):
        raise MpsError(
            f"OBJNAME {objective}: only the first N row can be the objective (HiGHS keeps it)",
            source,
        )
    a = hl.a_matrix_
    start, index, value = (np.asarray(x) for x in (a.start_, a.index_, a.value_))
    if int(a.format_) == int(highspy.MatrixFormat.kRowwise):
        A = sp.csr_matrix((value, index, start), shape=(m, n))
    else:
        A = sp.csc_matrix((value, index, start), shape=(m, n)).tocsr()
    A.sum_duplicates()
    A.eliminate_zeros()
    col_lb = np.array(hl.col_lower_, dtype=float)
    col_ub = np.array(hl.col_upper_, dtype=float)
    implied = (col_lb == 0) & (col_ub < 0)
    if implied.any():
        at = np.flatnonzero(implied)
        names = ", ".join(str(hl.col_names_[j]) for j in at[:3]) + (", ..." if len(at) > 3 else "")
        warnings.warn(
            f"{source}: negative upper bound on {len(at)} column(s) with lower bound 0 "
            f"({names}): lower bound set to -inf",
            MpsWarning,
            stacklevel=4,
        )
        col_lb[implied] = -np.inf
    sense = header.get("OBJSENSE")
    maximize = _SENSES[sense.upper()] if sense else hl.sense_ == highspy.ObjSense.kMaximize
    return LinearProgram(
        c=np.array(hl.col_cost_, dtype=float),
        matrix=A,
        row_lb=np.array(hl.row_lower_, dtype=float),
        row_ub=np.array(hl.row_upper_, dtype=float),
        col_lb=col_lb,
        col_ub=col_ub,
        integer=kinds == 1 if kinds.size else np.zeros(n, dtype=bool),
        maximize=bool(maximize),
        c0=float(hl.offset_),
        name=re.sub(r"\s", "_", name) or "mps",
        var_blocks={"x": Block("", 0, pd.Index(_names(hl.col_names_, "x", n)))},
        row_blocks={"row": Block("", 0, pd.Index(_names(hl.row_names_, "r", m)))},
    )


def _names(names: object, prefix: str, size: int) -> list[str]:
    got = [str(x) for x in names]  # type: ignore[attr-defined]
    return got if len(got) == size else [f"{prefix}{i}" for i in range(size)]


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
