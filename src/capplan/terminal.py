"""What ``capplan solve`` shows in a terminal: stage progress on stderr, a summary table.

The progress display names the stage (load, build, solve, extract, write, report) and its
elapsed seconds.  During a MIP solve with HiGHS (the default backend) it shows the search
as HiGHS reports it through its MIP callbacks: the best plan's objective (incumbent), the
best bound, the gap and the nodes explored; backends without callbacks say that they
report nothing until they finish.  It is drawn only when stderr is a terminal: in CI,
pipes and tests, nothing is printed.
"""

from __future__ import annotations

import json
import math
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from capplan.report_text import summary_rows, written_text

if TYPE_CHECKING:  # rich is imported where it draws: `capplan solve -q` never loads it
    from rich.console import RenderableType
    from rich.live import Live
    from rich.spinner import Spinner
    from rich.table import Table

    from capplan.backends.base import ProgressEvent
    from capplan.pipeline import Run

STAGE_TEXT = {
    "load": "reading and checking the inputs",
    "build": "building the program",
    "solve": "solving",
    "extract": "result tables and marginal values",
    "write": "writing the run folder",
    "report": "drawing the report",
}
NO_CALLBACKS = "(the solver reports no incumbent or gap until it finishes)"


class _View:
    """The live view: finished stages with their seconds, the current one ticking."""

    def __init__(self) -> None:
        self.done: list[tuple[str, float]] = []
        self.current: tuple[str, str, float] | None = None
        self.search: ProgressEvent | None = None
        self.spinner: Spinner | None = None

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        if self.spinner is None:
            self.spinner = Spinner("dots")
        lines: list[RenderableType] = [
            Text.assemble(("  ✓ ", "green"), f"{name:<8} {seconds:7.2f} s")
            for name, seconds in self.done
        ]
        if self.current is not None:
            name, detail, start = self.current
            row = Table.grid(padding=(0, 1))
            row.add_row(
                Text(" "),
                self.spinner,
                Text(f"{name:<8} {time.perf_counter() - start:7.2f} s"),
                Text(detail, style="dim", no_wrap=True, overflow="ellipsis"),
            )
            lines.append(row)
            if name == "solve":
                lines.append(Text(f"    {search_text(self.search)}", style="dim"))
        return Group(*lines)


def search_text(event: ProgressEvent | None) -> str:
    """One line of search state: incumbent, bound, gap, nodes (RMB million objective)."""
    if event is None:
        return NO_CALLBACKS

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    gap = "-" if event.gap is None else f"{event.gap:.2%}"
    return (
        f"best plan {num(event.incumbent)}  bound {num(event.bound)}  gap {gap}  "
        f"nodes {event.nodes:,}"
    )


class Progress:
    """Stage progress on stderr; a no-op unless enabled and stderr is a terminal.

    Use as a context manager and pass :meth:`stage` as the pipeline's ``on_stage``.
    """

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.view = _View()
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, stderr=True)
            self.live = Live(self.view, console=console, refresh_per_second=8, transient=False)
            self.live.__enter__()
        return self

    def stage(self, name: str, detail: str = "") -> None:
        """A new stage begins (the previous one, if any, is done)."""
        now = time.perf_counter()
        if self.view.current is not None:
            prev, _, start = self.view.current
            self.view.done.append((prev, now - start))
        text = detail or STAGE_TEXT.get(name, "")
        self.view.current = (name, text, now) if name != "done" else None
        if self.live is not None:
            self.live.refresh()

    def search(self, event: ProgressEvent) -> None:
        """The solver's search state (a backend's ``progress`` callback)."""
        self.view.search = event

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.stage("done")
        if self.live is not None:
            self.live.__exit__(exc_type, exc, tb)
            self.live = None


def summary_table(run: Run) -> Table:
    """The end-of-solve summary as a two-column table."""
    from rich.table import Table

    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for label, value in summary_rows(run):
        table.add_row(label, value)
    return table


def print_summary(run: Run, stream: TextIO | None = None) -> None:
    """Print the summary table, then where the files went (one unwrapped line)."""
    from rich.console import Console

    out = stream if stream is not None else sys.stdout
    console = Console(file=out, highlight=False, soft_wrap=False)
    with console.capture() as captured:
        console.print(summary_table(run))
    out.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    if run.out_dir is not None:
        out.write(written_text(run) + "\n")
        out.flush()


def summary_json(run: Run) -> str:
    """summary.json as written to the run folder (or as it would be, if none was written)."""
    if run.out_dir is not None and (run.out_dir / "summary.json").is_file():
        return (run.out_dir / "summary.json").read_text(encoding="utf-8")
    text = json.dumps(_finite(run.summary), indent=2, sort_keys=True, allow_nan=False, default=str)
    return text + "\n"


def _finite(value: Any) -> Any:
    """NaN and infinities as null, as JSON allows no other."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def wrap_prose(text: str, width: int | None = None) -> str:
    """Wrap the prose lines of ``text`` at word boundaries to the terminal's width.

    A line with a run of two spaces is a table row (columns are padded) and is kept as it
    is; so are lines that fit.  Continuation lines are indented by two spaces.
    """
    import shutil
    import textwrap

    cols = width or shutil.get_terminal_size((100, 24)).columns
    out = []
    for line in text.splitlines():
        if len(line) <= cols or "  " in line.strip():
            out.append(line)
            continue
        out += textwrap.wrap(
            line, cols, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
    return "\n".join(out)
