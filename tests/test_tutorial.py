"""docs/tutorial.md works word for word: its shell commands are run in a fresh folder.

The tutorial's first block installs capplan into a virtual environment.  This test skips
that one block: CI's own fresh virtual environment (the README's test command, run by
.ci/run) has just done the same install, and its ``capplan`` is the one on the PATH here.
Every other block runs as written, in order, with bash, in a folder holding a copy of the
checkout's ``models/`` and ``inputs/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^( *)```sh\n(.*?)^\1```", re.M | re.S)


def blocks() -> list[str]:
    return [textwrap.dedent(body) for _, body in FENCE.findall(TUTORIAL.read_text())]


def test_tutorial_commands_run_word_for_word(tmp_path: Path) -> None:
    install, *steps = blocks()
    assert "pip install" in install and "python3 -m venv" in install  # the block we skip
    assert steps and not any("pip install" in step for step in steps)
    shutil.copytree(ROOT / "models", tmp_path / "models")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    (tmp_path / "models" / "scenarios" / "my_first_whatif.yaml").unlink(missing_ok=True)
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "capplan").exists(), "capplan is not installed beside this Python"
    env = {k: v for k, v in os.environ.items() if k != "CAPPLAN_DEBUG"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    for step in steps:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", step],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{step}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    # every output the tutorial points the reader to is there
    for path in sorted(set(re.findall(r"`(outputs/[^`]+)`", TUTORIAL.read_text()))):
        assert (tmp_path / path).exists(), path
    assert (tmp_path / "outputs" / "base" / "charts" / "capex.png").is_file()
    summary = json.loads((tmp_path / "budget-cut.json").read_text())
    assert summary["status"] == "optimal" and summary["scenarios"] == ["budget_cut"]
    mine = json.loads((tmp_path / "outputs" / "my-first-whatif" / "summary.json").read_text())
    base = json.loads((tmp_path / "outputs" / "base" / "summary.json").read_text())
    assert mine["kpis"]["capex_rmb_m"] <= 300_000 + 1e-6 < base["kpis"]["capex_rmb_m"]
    compare = (tmp_path / "outputs" / "compare" / "report.html").read_text()
    assert "Runs side by side" in compare and "my-first-whatif" in compare
