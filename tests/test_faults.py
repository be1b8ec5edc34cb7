"""Faults (issue 12, items 9 and 10 and "what to build" 4): kill -9, full and read-only
outputs, leftovers of killed runs.

``capplan solve``, ``report`` and ``export`` are killed with SIGKILL at random moments
(``--faults N`` per command; by default one kill of ``solve``; ``--faults 30`` for the
full run of docs/reliability.md): nothing partial may be visible, and the next run must succeed and
leave no hidden temporary behind.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import pytest
from typer.testing import CliRunner

from capplan.cli import app
from capplan.errors import OutputError
from capplan.io import MIN_FREE_ENV
from capplan.pipeline import solve
from tests.tiny import case

runner = CliRunner()
TABLES = ["investments", "capacity", "fleet", "demand", "serving", "training", "campaigns"]
CLI = [sys.executable, "-c", "from capplan.cli import main; main()"]
ENV = dict(os.environ)
REPORT_ENV = "CAPPLAN_FAULTS_REPORT"  # a JSON file for the figures of the kill runs


@pytest.fixture()
def faults_for(request: pytest.FixtureRequest) -> Any:
    """Kills for one command: ``--faults N`` each; without it one of ``solve`` only
    (report and export render charts, seconds each)."""
    given = request.config.getoption("--faults")

    def kills(command: str) -> int:
        if given is None and command != "solve":
            pytest.skip("report and export kill -9 runs: pass --faults N")
        return 1 if given is None else int(given)

    return kills


def hidden(folder: Path) -> list[str]:
    """Every hidden name (a capplan temporary ``.<name>.tmp-...``/``.<name>.old-...``, a
    lock, any other dot-file) anywhere under ``folder``."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def complete_run(folder: Path) -> None:
    """A visible run folder has every table and a summary.json that parses."""
    json.loads((folder / "summary.json").read_text())
    for name in TABLES:
        assert (folder / f"{name}.csv").is_file(), folder


def kill_at_random(cmd: list[str], cwd: Path, seconds: float, rng: random.Random) -> bool:
    """Start ``cmd``, SIGKILL it after a random time in [0, seconds); True if it was still
    running when killed (the kill landed), False if it had already finished."""
    env = ENV | {"TMPDIR": str(cwd / "tmp")}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=DEVNULL, stderr=DEVNULL)
    time.sleep(rng.uniform(0.0, seconds))
    landed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return landed


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    env = ENV | {"TMPDIR": str(cwd / "tmp")}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - start


def nothing_partial(cwd: Path) -> None:
    """What a reader sees after a kill: complete run folders, a whole page, a valid workbook."""
    for folder in (cwd / "outputs").iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            complete_run(folder)
    run = cwd / "run"
    complete_run(run)
    html = run / "report.html"
    if html.exists():
        assert html.read_text().rstrip().endswith("</html>")
    if (run / "run.xlsx").exists():
        assert zipfile.ZipFile(run / "run.xlsx").testzip() is None


COMMANDS = {
    "solve": ["solve", "MODEL", "-q"],
    "report": ["report", "run", "--force"],
    "export": ["export", "run", "--xlsx", "--force"],
}
SEEDS = {"solve": 12, "report": 7, "export": 8}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_kill_at_random_moments(tmp_path: Path, command: str, faults_for: Any) -> None:
    """SIGKILL ``capplan <command>`` at a seeded random moment of its measured run time,
    ``--faults N`` times while it runs (a moment after it ended is drawn again): nothing
    partial is visible, the next run succeeds, and nothing hidden (temporary, lock,
    dot-file) is left under outputs/, the run folder or TMPDIR."""
    kills = faults_for(command)
    model = case(tmp_path)
    (tmp_path / "outputs").mkdir()
    (tmp_path / "tmp").mkdir()
    run = tmp_path / "run"
    assert runner.invoke(app, ["solve", str(model), "-q", "--out", str(run)]).exit_code == 0
    cmd = [*CLI, *(str(model) if a == "MODEL" else a for a in COMMANDS[command])]
    seconds = timed(cmd, tmp_path)  # kills over the time a whole run takes
    rng = random.Random(SEEDS[command])
    figures = {"kills": 0, "tries": 0, "next_run_ok": 0, "run_s": round(seconds, 2)}
    while figures["kills"] < kills:  # a moment after the command ended is drawn again
        assert figures["tries"] < 3 * kills + 10, figures  # each try lands about 2 in 3
        before = {p.name for p in (tmp_path / "outputs").iterdir()}
        figures["tries"] += 1
        if not kill_at_random(cmd, tmp_path, seconds, rng):
            continue
        figures["kills"] += 1
        nothing_partial(tmp_path)  # asserts: any partial output fails the test here
        timed(cmd, tmp_path)
        figures["next_run_ok"] += 1
        after = {p.name for p in (tmp_path / "outputs").iterdir()}
        assert command != "solve" or len(after - before) == 1
        assert command != "report" or (run / "report.html").is_file()
        left = hidden(tmp_path / "outputs") + hidden(run) + hidden(tmp_path / "tmp")
        left += [p.name for p in (tmp_path / "tmp").iterdir()]
        assert left == [], left
    if os.environ.get(REPORT_ENV):
        path = Path(os.environ[REPORT_ENV])
        known = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(known | {command: figures}, indent=2))


# ------------------------------------------------------------------ 10. leftovers, report


@pytest.fixture()
def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_item10_leftovers_of_killed_runs_are_cleaned(tmp_path: Path, dead_pid: int) -> None:
    model = case(tmp_path)
    outputs = tmp_path / "outputs"
    dead = outputs / f".tiny.tmp-{dead_pid}-0123abcd"
    dead.mkdir(parents=True)
    (dead / "investments.csv").write_text("half")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        alive = outputs / f".tiny.tmp-{sleeper.pid}-0123abcd"
        alive.mkdir()  # a run still writing: left alone
        solve(model, outputs_dir=outputs)
        assert hidden(outputs) == [alive.name]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_item10_report_killed_between_its_renames_is_recoverable(tmp_path: Path) -> None:
    """A kill after charts/ is renamed but before report.html: the next report succeeds."""
    run = tmp_path / "run"
    solve(case(tmp_path), out=run)
    (run / "charts").mkdir()
    (run / "charts" / "old.png").write_bytes(b"partial")
    result = runner.invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "report.html").is_file() and not (run / "charts" / "old.png").exists()
    again = runner.invoke(app, ["report", str(run)])  # a complete report is still kept
    assert again.exit_code == 2 and "already exists" in again.stderr


# ------------------------------------------------------------------ 9. full, read-only


def test_item9_too_little_free_space_is_refused_before_the_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIN_FREE_ENV, str(10**12))  # more than any disk has free
    stages: list[str] = []
    with pytest.raises(OutputError, match="MiB free"):
        solve(
            case(tmp_path), outputs_dir=tmp_path / "outputs", on_stage=lambda s, _: stages.append(s)
        )
    assert stages == ["load"]
    result = runner.invoke(app, ["solve", str(case(tmp_path)), "-q", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "MiB free" in result.stderr
    assert not (tmp_path / "o").exists()


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    if os.geteuid() != 0:
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if shutil.which("mount") is None or not _mount(folder, "ro,size=64k"):
        pytest.skip("root without mount: no way to make a read-only folder here")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_item9_read_only_outputs_are_refused_before_the_solve(
    tmp_path: Path, read_only: Path
) -> None:
    stages: list[str] = []
    with pytest.raises(OutputError, match=r"permission denied|read-only"):
        solve(
            case(tmp_path),
            outputs_dir=read_only / "outputs",
            on_stage=lambda s, _: stages.append(s),
        )
    assert stages == ["load"]


def test_item9_a_disk_that_fills_during_the_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = tmp_path / "small"
    if os.geteuid() != 0 or shutil.which("mount") is None or not _mount(small, "size=8k"):
        pytest.skip("needs root and mount for a tiny tmpfs")
    try:
        monkeypatch.setenv(MIN_FREE_ENV, "0")  # let it start, so the write itself fails
        result = runner.invoke(
            app, ["solve", str(case(tmp_path)), "-q", "--out", str(small / "run")]
        )
        assert result.exit_code == 2, result.output
        assert "no space left" in result.stderr and "Traceback" not in result.output
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)
