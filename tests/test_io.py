"""Run folders: complete or absent, never half-written, never over an earlier run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capplan.errors import OutputExistsError
from capplan.io import default_run_dir, write_run


def tables() -> dict[str, pd.DataFrame]:
    return {"a": pd.DataFrame({"x": [1.0, 2.5]}), "b": pd.DataFrame({"y": ["p", "q"]})}


def test_writes_every_table_and_the_summary(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", tables(), {"status": "optimal"}, force=False)
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv", "summary.json"]
    assert (out / "a.csv").read_text() == "x\n1.000000\n2.500000\n"
    assert list(tmp_path.iterdir()) == [out]  # no temporary folder left behind


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", tables(), {"n": 1}, force=False)
    with pytest.raises(OutputExistsError):
        write_run(out, tables(), {"n": 2}, force=False)
    assert '"n": 1' in (out / "summary.json").read_text()
    write_run(out, tables(), {"n": 2}, force=True)
    assert '"n": 2' in (out / "summary.json").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


class Exploding(pd.DataFrame):
    def to_csv(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way through


def test_interrupted_write_leaves_nothing_and_keeps_the_old_run(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", tables(), {"n": 1}, force=False)
    broken = {"a": pd.DataFrame({"x": [1]}), "b": Exploding({"y": [1]})}
    with pytest.raises(KeyboardInterrupt):
        write_run(out, broken, {"n": 2}, force=True)
    assert '"n": 1' in (out / "summary.json").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    with pytest.raises(KeyboardInterrupt):
        write_run(tmp_path / "new", broken, {"n": 3}, force=False)
    assert not (tmp_path / "new").exists()


def test_default_run_dir_moves_on(tmp_path: Path) -> None:
    assert default_run_dir(tmp_path, "base") == tmp_path / "base"
    (tmp_path / "base").mkdir()
    (tmp_path / "base-2").mkdir()
    assert default_run_dir(tmp_path, "base") == tmp_path / "base-3"
