"""The HTML report: self-contained, true to the run folder, and rendered by a real browser.

Every number on the page carries its source (``data-src``: a CSV cell or a summary.json
key); these tests read the run folder back and check each one, check that no number on
the page lacks a source, and open the page in headless Chromium (where one is installed)
to check that it renders with no console error and no network request.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from capplan.cli import app
from capplan.report.fmt import number
from capplan.report.rundata import summary_value
from capplan.terminal import NO_CALLBACKS, Progress
from tests.chromium import find_chromium, open_page
from tests.tiny import case

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "models" / "base.yaml"
runner = CliRunner()

# A bare number in running text: not part of a name such as FY2026, H20 or Ascend 910C.
BARE_NUMBER = re.compile(r"(?<![\w.\-/])[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?%?(?![\w.\-/])")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The base case (solved with --report) and a smaller-budget variant, as run folders."""
    tmp = tmp_path_factory.mktemp("report")
    base = tmp / "base"
    result = runner.invoke(app, ["solve", str(BASE), "--out", str(base), "--report", "-q"])
    assert result.exit_code == 0, result.output
    model = yaml.safe_load(BASE.read_text())
    model["budget"] = {"total_rmb_bn": 250, "per_period_rmb_bn": dict.fromkeys(
        model["horizon"]["periods"], 100)}  # fmt: skip
    shutil.copytree(ROOT / "inputs", tmp / "inputs")
    model["inputs"]["dir"] = "inputs"
    small = tmp / "small-budget.yaml"
    small.write_text(yaml.safe_dump(model))
    variant = tmp / "small-budget"
    result = runner.invoke(app, ["solve", str(small), "--out", str(variant), "-q"])
    assert result.exit_code == 0, result.output
    return [base, variant]


@pytest.fixture(scope="module")
def compare(runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "both"
    result = runner.invoke(app, ["report", *map(str, runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


class Page(HTMLParser):
    """The parts of the page the tests look at."""

    SKIP_TEXT = frozenset({"style", "title", "code", "script"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sourced: list[tuple[dict[str, str], str]] = []  # (attributes, text shown)
        self.counts: list[tuple[dict[str, str], str]] = []
        self.images: list[dict[str, str]] = []
        self.free_text: list[str] = []  # text outside sourced elements, names and code
        self.tags: set[str] = set()
        self._open: list[tuple[str, dict[str, str]]] = []
        self._capture: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "img":
            self.images.append(a)
            return
        if tag in ("meta", "br", "link"):
            return
        self._open.append((tag, a))
        if "data-src" in a or "data-count" in a:
            self._capture = []

    def handle_endtag(self, tag: str) -> None:
        if not self._open:
            return
        open_tag, a = self._open.pop()
        assert open_tag == tag, f"unbalanced <{open_tag}> closed by </{tag}>"
        if ("data-src" in a or "data-count" in a) and self._capture is not None:
            target = self.sourced if "data-src" in a else self.counts
            target.append((a, "".join(self._capture).strip()))
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._capture.append(data)
            return
        skip = any(t in self.SKIP_TEXT or "label" in a.get("class", "") for t, a in self._open)
        if not skip:
            self.free_text.append(data)


def _shown_value(text: str) -> tuple[float, float]:
    """A number as the page shows it, and half a unit of its last digit (its rounding)."""
    share = text.endswith(("%", " pp"))  # a share, or a change of one in points
    body = text.removesuffix("%").removesuffix(" pp").replace(",", "")
    mantissa, _, exponent = body.partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** int(exponent) if exponent else 1.0
    value = float(body)
    tol = 0.5 * 10.0**-decimals * scale
    if share:
        return value / 100, tol / 100
    return value, tol


def _raw_tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted(run_dir.glob("*.csv"))
    }


def check_numbers(page: Page, run_dirs: list[Path]) -> int:
    """Every sourced number equals its file's value; return how many were checked."""
    raw = [_raw_tables(d) for d in run_dirs]
    summaries = [json.loads((d / "summary.json").read_text()) for d in run_dirs]
    checked = 0
    for attrs, shown in page.sourced:
        i = int(attrs["data-run"])
        if attrs["data-src"] == "summary.json":
            value = summary_value(summaries[i], attrs["data-key"])
            assert json.loads(attrs["data-v"]) == value, attrs
            value = float(value)
        else:
            table = attrs["data-src"].removesuffix(".csv")
            cell = str(raw[i][table].at[int(attrs["data-row"]), attrs["data-col"]])
            assert attrs["data-v"] == cell, (attrs, cell)
            value = float(cell)
        value *= float(attrs.get("data-scale", "1"))
        got, tol = _shown_value(shown)
        assert math.isclose(got, value, abs_tol=tol + 1e-9 * abs(value)), (attrs, shown, value)
        checked += 1
    for attrs, shown in page.counts:
        i = int(attrs["data-run"])
        table = attrs["data-count"].removesuffix(".csv")
        assert int(shown) == len(raw[i][table]), (attrs, shown)
    return checked


def test_number_format_reads_back() -> None:
    assert number(303811.378628) == "303,811"
    assert number(721.5) == "721.5"
    assert number(4.452096) == "4.452"
    assert number(0.628591, share=True) == "62.9%"
    assert number(122166.872335, scale=1e-3) == "122.2"
    assert number(12) == "12" and number(0.0) == "0" and number(float("nan")) == ""
    assert number(-16503.2) == "-16,503"
    assert number(0.000123) == "0.000123"
    for text, value in [("303,811", 303811.378628), ("62.9%", 0.628591), ("1e-06", 1e-6)]:
        got, tol = _shown_value(text)
        assert abs(got - value) <= tol


def test_solve_report_writes_the_page_and_its_charts(runs: list[Path]) -> None:
    base = runs[0]
    page = Page((base / "report.html").read_text())
    charts = {i["data-chart"]: i["src"] for i in page.images}
    files = {p.stem: p for p in (base / "charts").glob("*.png")}
    expected = {
        "capex", "budget", "fleet_by_part", "fleet_by_origin", "demand_by_zone",
        "power_by_region", "campaigns", "marginal_values", "npv_bridge", "cash_flow",
    }  # fmt: skip
    assert set(charts) == expected == set(files)
    for name, src in charts.items():
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1])
        assert data == files[name].read_bytes(), name
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "PNG" and img.width >= 600 and img.height >= 300
    # the tables a planner looks for are on the page
    html = (base / "report.html").read_text()
    tables = ["investments", "budget", "fleet", "demand", "campaigns", "marginal_values"]
    for table in [*tables, "cash_flow", "npv_bridge"]:
        assert f'data-table="{table}"' in html, table


def test_every_number_on_the_page_comes_from_the_run_folder(runs: list[Path]) -> None:
    page = Page((runs[0] / "report.html").read_text())
    checked = check_numbers(page, runs[:1])
    budget = pd.read_csv(runs[0] / "budget.csv")
    assert checked > 200  # every table cell shown, not a sample
    assert len(page.counts) >= 5
    # the headline figures planners quote are there, from summary.json
    keys = {a.get("data-key") for a, _ in page.sourced}
    assert {"kpis.npv_rmb_m", "kpis.capex_rmb_m", "kpis.budget_used_share"} <= keys
    cols = {(a.get("data-src"), a.get("data-col")) for a, _ in page.sourced}
    assert ("budget.csv", "cap_rmb_m") in cols and len(budget) == 4


def test_no_number_on_the_page_lacks_a_source(runs: list[Path], compare: Path) -> None:
    for html in [runs[0] / "report.html", compare / "report.html"]:
        page = Page(html.read_text())
        text = " ".join(page.free_text)
        bare = BARE_NUMBER.findall(text)
        assert not bare, f"numbers without a data-src in {html.name}: {bare[:20]}"


def test_the_page_is_self_contained(runs: list[Path]) -> None:
    html = (runs[0] / "report.html").read_text()
    page = Page(html)
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?):", html)
    assert not re.search(r"(?i)(?<![\w-])(?:src|href)\s*=\s*\"(?!data:image/png;base64,|#)", html)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert "default-src 'none'" in html  # the browser itself refuses anything else
    assert len(page.images) == 10


def test_comparison_of_several_runs(runs: list[Path], compare: Path) -> None:
    html = (compare / "report.html").read_text()
    page = Page(html)
    assert 'id="compare"' in html and 'data-table="compare"' in html
    assert check_numbers(page, runs) > 400
    npv = [
        (a["data-run"], a["data-v"])
        for a, _ in page.sourced
        if a.get("data-key") == "kpis.npv_rmb_m"
    ]
    assert {run for run, _ in npv} == {"0", "1"}
    charts = {i["data-chart"] for i in page.images}
    assert {"compare_kpis", "compare_capex"} <= charts
    files = {p.name for p in (compare / "charts").glob("*.png")}
    assert {"compare_kpis.png", "compare_capex.png", "base-capex.png"} <= files
    assert "small-budget-capex.png" in files


def test_report_is_reproducible_and_never_overwritten_without_force(runs: list[Path]) -> None:
    base = runs[0]
    before = (base / "report.html").read_bytes()
    result = runner.invoke(app, ["report", str(base)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert "Traceback" not in result.output
    assert (base / "report.html").read_bytes() == before
    result = runner.invoke(app, ["report", str(base), "--force"])
    assert result.exit_code == 0, result.output
    assert (base / "report.html").read_bytes() == before  # same run, same bytes
    assert not list(base.glob(".*tmp*")) and not list(base.glob(".*old*"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing-folder"], "no such run folder"),
        ([".", "."], "several runs needs --out"),
        (["docs"], "not a run folder"),
    ],
)
def test_report_errors_are_one_clear_message(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_of_a_plan_that_buys_nothing(tmp_path: Path) -> None:
    """No revenue, so nothing is bought: the report still tells the truth, minus the
    charts of things that do not exist."""
    demand = [{"zone": "Z", "period": "Y1", "demand_zflop": 5.0, "revenue_rmb_per_zflop": 0}]
    out = tmp_path / "idle"
    args = ["solve", str(case(tmp_path, demand=demand)), "--out", str(out), "--report", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "investments.csv").read_text().count("\n") == 1  # header only
    page = Page((out / "report.html").read_text())
    charts = {i["data-chart"] for i in page.images}
    assert "capex" not in charts and "fleet_by_part" not in charts and "budget" in charts
    assert check_numbers(page, [out]) > 10
    assert not BARE_NUMBER.findall(" ".join(page.free_text))


CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium here (CI installs Debian's chromium; apt-get install chromium)",
)


@needs_chromium
def test_chromium_renders_the_report_with_no_error_and_no_request(
    runs: list[Path], tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    html = runs[0] / "report.html"
    url = html.resolve().as_uri()
    seen = open_page(CHROMIUM, url)
    assert seen.console_errors == []
    others = [u[:80] for u in seen.requests if u != url and not u.startswith("data:")]
    assert others == [], f"requests besides the page itself and its inline images: {others}"
    assert url in seen.requests
    assert len(seen.images) == 10
    for img in seen.images:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
    assert "Capex by period, region and category" in seen.text
    assert "Marginal values" in seen.text
    shot = tmp_path / "report.png"
    shot.write_bytes(seen.screenshot)
    with Image.open(shot) as picture:
        assert picture.width >= 1200 and picture.height > 3000  # the whole page
        colours = picture.convert("RGB").resize((64, 256)).getcolors(64 * 256)
        assert colours is not None and len(colours) > 50  # charts and text, not blank


@needs_chromium
def test_the_browser_check_does_see_errors_and_requests(tmp_path: Path) -> None:
    """The harness is no blindfold: a page that errs and fetches is caught (loopback only)."""
    assert CHROMIUM is not None
    page = tmp_path / "bad.html"
    page.write_text('<img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script>')
    seen = open_page(CHROMIUM, page.resolve().as_uri(), settle_s=1.0)
    assert any("boom" in e for e in seen.console_errors)
    assert "http://127.0.0.1:9/x.png" in seen.requests


# --------------------------------------------------------------------------- terminal


def test_json_prints_only_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["solve", str(case(tmp_path)), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (out / "summary.json").read_text()
    assert json.loads(result.stdout)["status"] == "optimal"
    assert result.stderr == ""


def test_json_without_a_plan_still_prints_the_summary(tmp_path: Path) -> None:
    """Infeasible (a 1000 ZFLOP campaign on a RMB 10 M budget): the summary on stdout,
    the reason on stderr, no run folder, exit code 3."""
    camp = {"campaign": "big", "flop": 1e24, "earliest": "", "deadline": "Y1",
            "regions": "*", "parts": "*", "late_penalty_rmb_per_zflop": ""}  # fmt: skip
    model = case(tmp_path, campaigns=[camp], model={"budget": {"total_rmb_bn": 0.01}})
    result = runner.invoke(app, ["solve", str(model), "--out", str(tmp_path / "r"), "--json"])
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["status"] == "infeasible"
    assert "infeasible" in result.stderr
    assert not (tmp_path / "r").exists()


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(case(tmp_path)), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    # no progress; the tiny case's figures are implausible on purpose (plausible.py)
    assert [ln for ln in result.stderr.splitlines() if "capplan: warning:" not in ln] == []
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["status", "optimal"] for line in lines), result.stdout
    assert all(line == line.rstrip() for line in lines)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_stages_and_ticking_seconds_on_a_terminal() -> None:
    """During a blocking call (sleep, like the native solve) the seconds keep moving."""
    term = _Terminal()
    with Progress(stream=term) as progress:
        progress.stage("load", "")
        progress.stage("solve", "highs, time limit 120 s")
        time.sleep(0.8)
    text = term.getvalue()
    assert "load" in text and NO_CALLBACKS in text
    ticks = set(re.findall(r"solve\s+(\d+\.\d\d) s", text))
    assert len(ticks) >= 3, ticks
    assert not Progress(stream=io.StringIO()).enabled  # not a terminal: off


def test_progress_is_off_with_quiet_or_json() -> None:
    assert not Progress(enabled=False, stream=_Terminal()).enabled
    assert Progress(enabled=True, stream=_Terminal()).enabled
