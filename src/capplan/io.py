"""Atomic writing: the one place capplan puts files and folders on disk.

Everything is written into a hidden temporary name beside its target
(``.<name>.tmp-<pid>-<random>``) and published by a rename when complete, so an
interrupted or failed write leaves nothing half-written under the final name.

- A folder is published by an *exclusive* rename (Linux ``renameat2(RENAME_NOREPLACE)``;
  elsewhere an ``os.mkdir`` claim of the final name followed by a rename onto that empty
  folder): two writers can never share one name.  With ``next_free`` a taken name moves
  on to the next candidate (``base-2``, ``base-3``...), also when two runs race.
- ``force`` moves an existing target aside first and deletes it after the new one is in.
- Hidden temporary names of writers that are no longer running (killed with SIGKILL, a
  power cut) are removed by the next write into the same folder.
- :func:`check_can_write` tests, before any long work, that the folder can be written and
  has at least ``CAPPLAN_MIN_FREE_MB`` (default 64) MiB free.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from capplan.errors import OutputError, OutputExistsError

MIN_FREE_ENV = "CAPPLAN_MIN_FREE_MB"
DEFAULT_MIN_FREE_MB = 64
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-[0-9a-f]{8}$")


# --------------------------------------------------------------------------- names


def default_run_dir(outputs: Path, name: str) -> Path:
    """``outputs/<name>``, or the first free ``outputs/<name>-<n>`` if that exists.

    The name is only a first guess: :func:`write_atomically` with ``next_free`` claims
    the final name when the run is written, moving on if another run took it meanwhile.
    """
    return next_free_name(outputs, name)(1)


def next_free_name(outputs: Path, name: str) -> Callable[[int], Path]:
    """A function that gives the first free name of ``outputs/<name>``, ``<name>-2``...
    at the moment it is called (its argument counts the attempts)."""

    if Path(name).name != name or name in ("", ".", ".."):
        raise OutputError(
            f"run name {name!r} is not a plain folder name: it would leave {outputs}; "
            "name the folder with --out instead"
        )

    def candidate(attempt: int) -> Path:
        n = 1
        while True:
            path = outputs / (name if n == 1 else f"{name}-{n}")
            if not path.exists():
                return path
            n += 1

    return candidate


def check_writable(out_dir: Path, force: bool) -> None:
    """Fail before any work if the run folder exists and may not be replaced, or its
    parent folder cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"output path {out_dir} exists and is not a folder")
    if out_dir.exists() and not force:
        raise OutputExistsError(
            f"output folder {out_dir} already exists: choose another with --out, "
            "or pass --force to replace it"
        )
    check_can_write(out_dir.parent)


def min_free_bytes() -> int:
    """The free space a write needs (``CAPPLAN_MIN_FREE_MB`` MiB, default 64)."""
    text = os.environ.get(MIN_FREE_ENV, "")
    try:
        mb = float(text) if text.strip() else DEFAULT_MIN_FREE_MB
    except ValueError:
        mb = DEFAULT_MIN_FREE_MB
    return int(max(mb, 0.0) * 2**20)


def check_can_write(folder: Path) -> None:
    """Fail (exit code 2) unless ``folder`` (or the nearest existing folder above it) can
    be written and has at least :func:`min_free_bytes` free."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot write into {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write into {folder}: permission denied on {existing}; choose a "
            "writable folder with --out"
        )
    free = shutil.disk_usage(existing).free
    need = min_free_bytes()
    if free < need:
        raise OutputError(
            f"cannot write into {folder}: {free / 2**20:.1f} MiB free, at least "
            f"{need / 2**20:.0f} MiB needed (set {MIN_FREE_ENV} to change the threshold)"
        )


# --------------------------------------------------------------------------- writing


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6f")


def write_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def write_run(
    out_dir: Path,
    tables: dict[str, pd.DataFrame],
    summary: dict[str, Any],
    force: bool,
    next_free: Callable[[int], Path] | None = None,
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

    return write_atomically(out_dir, fill, force, next_free=next_free)


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


def temp_name(target: Path, kind: str = "tmp") -> Path:
    """A fresh hidden name beside ``target`` that :func:`clean_leftovers` recognises."""
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def write_atomically(
    out_dir: Path,
    fill: Callable[[Path], None],
    force: bool,
    *,
    next_free: Callable[[int], Path] | None = None,
) -> Path:
    """Let ``fill`` write into a hidden temporary folder, then publish it as ``out_dir``
    (or, with ``next_free``, the first free candidate); return the folder written."""
    if next_free is None or force:
        check_writable(out_dir, force)
    else:  # a taken name moves on at publish time
        check_can_write(out_dir.parent)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out_dir.parent)
    tmp = temp_name(out_dir)
    try:
        tmp.mkdir(mode=0o777 & ~_umask())
        fill(tmp)
        return publish(tmp, out_dir, force, next_free)
    except OSError as exc:
        raise _as_output_error(exc, out_dir) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_file_atomically(target: Path, data: bytes | str, force: bool, mode: int = 0o666) -> Path:
    """Write one file through a hidden temporary beside it, published when complete.

    Without ``force`` an existing ``target`` is an error, checked again at the rename.
    """
    if target.is_dir():
        raise OutputExistsError(f"{target} is a folder: expected a file name")
    if target.exists() and not force:
        raise OutputExistsError(
            f"{target} already exists: pass --force to replace it, or choose another --out"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    check_can_write(target.parent)
    clean_leftovers(target.parent)
    tmp = temp_name(target)
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        if force:
            os.replace(tmp, target)
        else:
            rename_noreplace(tmp, target)
    except FileExistsError:
        raise OutputExistsError(f"{target} appeared while it was being written") from None
    except OSError as exc:
        raise _as_output_error(exc, target) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def publish(
    tmp: Path, target: Path, force: bool, next_free: Callable[[int], Path] | None = None
) -> Path:
    """Rename the complete ``tmp`` to ``target`` without ever replacing another writer's
    result; ``force`` replaces an existing ``target``; ``next_free(n)`` gives the n-th
    candidate name to try when ``target`` is taken."""
    attempt = 1
    while True:
        if force and target.exists():
            old = temp_name(target, "old")
            os.replace(target, old)
            try:
                rename_noreplace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    rename_noreplace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
            return target
        try:
            rename_noreplace(tmp, target)
            return target
        except FileExistsError:
            if next_free is None:
                raise OutputExistsError(
                    f"output folder {target} appeared while this run was written: choose "
                    "another with --out, or pass --force to replace it"
                ) from None
            attempt += 1
            target = next_free(attempt)


_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def _renameat2() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError):
        return None


_RENAMEAT2 = _renameat2()


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists (never replaced)."""
    if _RENAMEAT2 is not None:
        rc = _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, os.strerror(err), str(dst))
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), str(dst))
    # no renameat2 here: claim the name exclusively, then rename onto the empty claim
    if src.is_dir():
        os.mkdir(dst)  # FileExistsError if taken
        os.replace(src, dst)
    else:
        os.link(src, dst)  # FileExistsError if taken
        os.unlink(src)


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove hidden temporary names (``.<name>.tmp-<pid>-<hex>``) in ``folder`` left by
    writers that are no longer running; return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMP.match(path.name)
        if match is None or _alive(int(match["pid"])):
            continue
        original = folder / match["name"]
        if ".old-" in path.name and not original.exists():
            with contextlib.suppress(OSError):  # killed while replacing: put it back
                rename_noreplace(path, original)
                removed.append(path)
                continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _as_output_error(exc: OSError, target: Path) -> Exception:
    """An OS error while writing, as a message naming the target (exit code 2)."""
    if isinstance(exc, FileExistsError):
        return OutputExistsError(f"{target} already exists")
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"permission denied ({exc.strerror})"
    elif exc.errno == errno.EFBIG:
        reason = "file too large for the file system or the shell's ulimit -f"
    return OutputError(f"cannot write {target}: {reason}; nothing was written")
