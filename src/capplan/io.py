"""Run folders written atomically: all files or none, and never over an earlier run.

Files are written into a hidden temporary folder beside the target and renamed into
place when complete, so an interrupted or failed run leaves nothing half-written.  With
``force`` an existing run is first moved aside and deleted only after the new one is in
place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import OutputExistsError


def default_run_dir(outputs: Path, name: str) -> Path:
    """``outputs/<name>``, or the first free ``outputs/<name>-<n>`` if that exists."""
    candidate = outputs / name
    n = 2
    while candidate.exists():
        candidate = outputs / f"{name}-{n}"
        n += 1
    return candidate


def check_writable(out_dir: Path, force: bool) -> None:
    """Fail before any work if the run folder exists and may not be replaced."""
    if out_dir.exists() and not force:
        raise OutputExistsError(
            f"output folder {out_dir} already exists: choose another with --out, "
            "or pass --force to replace it"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"output path {out_dir} exists and is not a folder")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")


def write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def write_run(
    out_dir: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any], force: bool
) -> Path:
    """Write ``<table>.csv`` for every table plus ``summary.json``, atomically.

    ``summary["times"]["write_s"]`` is set to the time taken to write the tables.
    """

    def fill(tmp: Path) -> None:
        start = time.perf_counter()
        for name, frame in tables.items():
            write_csv(frame, tmp / f"{name}.csv")
        summary.setdefault("times", {})["write_s"] = round(time.perf_counter() - start, 6)
        write_json(summary, tmp / "summary.json")

    return write_atomically(out_dir, fill, force)


def write_folder(
    out_dir: Path,
    tables: dict[str, pd.DataFrame],
    force: bool,
    *,
    json_files: dict[str, dict[str, Any]] | None = None,
    texts: dict[str, str] | None = None,
) -> Path:
    """Write ``<name>.csv`` per table, ``<name>`` per JSON mapping and per text, atomically
    (nothing is added: the same content gives the same bytes)."""

    def fill(tmp: Path) -> None:
        for name, frame in tables.items():
            write_csv(frame, tmp / f"{name}.csv")
        for name, data in (json_files or {}).items():
            write_json(data, tmp / name)
        for name, text in (texts or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")

    return write_atomically(out_dir, fill, force)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(out_dir: Path, fill: Callable[[Path], None], force: bool) -> Path:
    """Let ``fill`` write into a hidden temporary folder, then rename it to ``out_dir``."""
    check_writable(out_dir, force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; a run folder is an ordinary one
        fill(tmp)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, old / out_dir.name)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
