"""A closed output pipe (``capplan solvers | head -1``) ends the command quietly with exit
code 0 (README, "Exit codes"); it used to be "internal error: BrokenPipeError", exit 4."""

from __future__ import annotations

import subprocess
import sys

CLI = [sys.executable, "-c", "from capplan.cli import main; main()"]


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    proc = subprocess.Popen(
        [*CLI, "solvers"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before capplan writes its first line
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""
