"""The report for leadership: a written summary on top, people's words in the headers,
one colour per part in every report, no overlapping text (in the page, measured in
headless Chromium, and in the charts, measured on the drawn figures), marginal values only
for limits that exist, and comparison folders that reach a report and a workbook with
their "why" paragraphs.

One base solve; the 4-run report reuses its folder under other names, and the comparison
folder compares the base run folder with ``nvidia_ban`` solved on the fly (H20 is bought
less, Ascend 910B more, so its report draws both parts).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from capplan.cli import app
from capplan.report import overlaps, palette
from tests.chromium import find_chromium, open_page
from tests.test_report import BARE_NUMBER, Page, _shown_value, check_numbers

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """base (solved, with --report), three copies under other names, a 4-run report, and a
    comparison folder of base against a copy, with its report and workbook."""
    overlaps.CHECK, overlaps.FOUND[:] = True, []
    tmp = tmp_path_factory.mktemp("lead")
    base = tmp / "base"
    result = runner.invoke(
        app, ["solve", str(ROOT / "models" / "base.yaml"), "--out", str(base), "--report", "-q"]
    )
    assert result.exit_code == 0, result.output
    copies = []
    for name in ("budget-cut-with-a-long-name", "nvidia-ban-with-a-long-name", "third-run"):
        shutil.copytree(base, tmp / name, ignore=shutil.ignore_patterns("report.html", "charts"))
        copies.append(tmp / name)
    four = tmp / "four"
    result = runner.invoke(app, ["report", str(base), *map(str, copies), "--out", str(four)])
    assert result.exit_code == 0, result.output
    cmp = tmp / "cmp"
    model = str(ROOT / "models" / "base.yaml")
    args = ["compare", str(base), "nvidia_ban", "--model", model, "--out", str(cmp), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for args in (["report", str(cmp)], ["export", str(cmp), "--xlsx"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    yield {"base": base, "four": four, "cmp": cmp, "copy": copies[0], **{
        f"copy{i}": c for i, c in enumerate(copies)}}  # fmt: skip
    overlaps.CHECK = False


def test_no_chart_text_overlaps(folders: dict[str, Path]) -> None:
    assert overlaps.FOUND == []


def test_the_overlap_check_can_fail() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.text(0.5, 0.5, "overlapping words")
    ax.text(0.52, 0.5, "on top of each other")
    fig.canvas.draw()
    assert ("overlapping words", "on top of each other") in overlaps.text_overlaps(fig)


def _colour_pixels(png: bytes, colour: str) -> int:
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    with Image.open(io.BytesIO(png)) as img:
        counts = img.convert("RGB").getcolors(img.width * img.height) or []
    return sum(n for n, c in counts if c == rgb)


def _drawn(report: Path, suffixes: tuple[str, ...]) -> list[bytes]:
    """The charts of a report folder whose names end in ``suffixes``, checked to be the very
    images its report.html shows (inline PNG)."""
    page = Page((report / "report.html").read_text())
    shown = {base64.b64decode(i["src"].removeprefix("data:image/png;base64,")) for i in page.images}
    files = [p.read_bytes() for p in sorted((report / "charts").glob("*.png"))]
    assert files and set(files) == shown  # the page shows every chart file, and no other
    return [
        p.read_bytes()
        for p in sorted((report / "charts").glob("*.png"))
        if p.name.endswith(suffixes)
    ]


def test_the_same_part_has_the_same_colour_in_every_report(folders: dict[str, Path]) -> None:
    """The base run's report, the 4-run report and the comparison folder's report, as
    written by the CLI: each part in its palette colour in every chart that draws it."""
    h20, ascend = palette.part_colour("H20"), palette.part_colour("Ascend 910B")
    assert h20 != ascend and len(set(palette.PARTS.values())) == len(palette.PARTS)
    base = _drawn(folders["base"], ("fleet_by_part.png", "capex.png"))
    four = _drawn(folders["four"], ("-fleet_by_part.png", "-capex.png"))
    cmp = _drawn(folders["cmp"], ("investment_changes.png",))
    assert (len(base), len(four), len(cmp)) == (2, 8, 1)
    for png in base + four + cmp:  # H20 and the Ascend 910B in their colours everywhere
        assert _colour_pixels(png, h20) > 100 and _colour_pixels(png, ascend) > 100
    # the check can fail: a part the comparison does not change is not drawn in it
    assert _colour_pixels(cmp[0], palette.part_colour("B200")) == 0
    assert _colour_pixels(base[0], palette.part_colour("B200")) > 100
    # the pages themselves colour no part (colours are only in the charts checked above)
    for name in ("base", "four", "cmp"):
        html = (folders[name] / "report.html").read_text().lower()
        text = re.sub(r'src="data:image/png;base64,[^"]*"', "", html)
        assert not [c for c in palette.PARTS.values() if c.lower() in text], name
    # a part's colour does not depend on which parts a report has
    assert palette.part_colours(["H20"]) == {"H20": h20}
    assert palette.part_colours(["Zhenwu M890", "H20", "X9"])["H20"] == h20


def test_summary_on_top_headers_in_words_and_marginal_values_that_exist(
    folders: dict[str, Path],
) -> None:
    html = (folders["base"] / "report.html").read_text()
    lead, cards = html.index('class="lead"'), html.index('class="kpis"')
    assert lead < cards
    top = html[lead : html.index("</div>", lead)]
    for words in ("What it builds", "What binds", "What it earns", "What it depends on"):
        assert words in top
    assert "supply of H20" in top and "residual value" in top
    assert '<th title="capex_rmb_m (RMB M, nominal)">Capex (RMB M, nominal)</th>' in html
    page = Page(html)
    shown = [a for a, _ in page.sourced if a.get("data-src") == "marginal_values.csv"]
    mv = pd.read_csv(folders["base"] / "marginal_values.csv")
    capacity = pd.read_csv(folders["base"] / "capacity.csv")
    online = set(capacity.loc[capacity["mw_online"] > 0, "region"])
    rows = {int(a["data-row"]) for a in shown}
    assert rows and all(mv.at[r, "limit"] != 0 for r in rows)
    assert all(pd.isna(mv.at[r, "region"]) or mv.at[r, "region"] in online for r in rows)
    assert "Netherlands" not in online  # the base plan never builds there, so no value shown
    assert "How to read them" in html
    assert check_numbers(page, [folders["base"]]) > 200


def test_a_comparison_folder_reaches_a_report_and_a_workbook(folders: dict[str, Path]) -> None:
    cmp = folders["cmp"]
    story = (cmp / "compare.md").read_text()
    html = (cmp / "report.html").read_text()
    page = Page(html)
    why = [(a, text) for a, text in page.sourced if a.get("data-src") == "compare.md"]
    assert why, "no why paragraph"
    for attrs, _ in why:
        assert attrs["data-v"] in story
    checked = 0
    for attrs, shown in page.sourced:
        if attrs["data-src"].endswith(".csv"):
            raw = pd.read_csv(cmp / attrs["data-src"], dtype=str, keep_default_na=False)
            assert raw.at[int(attrs["data-row"]), attrs["data-col"]] == attrs["data-v"]
            got, tol = _shown_value(shown)  # the text shown is the cell, rounded
            value = float(attrs["data-v"])
            assert abs(got - value) <= tol + 1e-9 * abs(value), (attrs, shown)
            checked += 1
    assert checked > 10
    bare = BARE_NUMBER.findall(" ".join(page.free_text))
    assert not bare, bare[:10]
    book = load_workbook(cmp / "cmp.xlsx")
    assert book.sheetnames[0] == "why"
    paragraphs = [r[1] for r in book["why"].iter_rows(min_row=2, values_only=True)]
    assert paragraphs and all(p in story for p in paragraphs)
    assert json.loads((cmp / "compare.json").read_text())["plans"]


needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here")


@needs_chromium
@pytest.mark.parametrize("which", ["base", "four", "cmp"])
def test_reports_render_with_no_error_no_request_and_no_overlapping_text(
    folders: dict[str, Path], which: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    url = (folders[which] / "report.html").resolve().as_uri()
    seen = open_page(CHROMIUM, url)
    assert seen.console_errors == []
    assert [u for u in seen.requests if u != url and not u.startswith("data:")] == []
    assert seen.text_boxes > 100
    assert seen.overlaps == [], seen.overlaps
    (tmp_path / f"{which}.png").write_bytes(seen.screenshot)


@needs_chromium
def test_the_page_overlap_check_can_fail(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = tmp_path / "overlap.html"
    page.write_text(
        '<p style="position:absolute;top:10px;left:10px">first words here</p>'
        '<p style="position:absolute;top:12px;left:20px">second words here</p>'
    )
    seen = open_page(CHROMIUM, page.resolve().as_uri())
    assert ("first words here", "second words here") in seen.overlaps


def test_terminal_prose_wraps_at_word_boundaries_and_tables_stay() -> None:
    from capplan.terminal import wrap_prose

    story = "nvidia_ban: " + " ".join(["Against base, nvidia_ban lowers the NPV"] * 8)
    table = "  plan        npv_rmb_m   capex_rmb_m" + " " * 120 + "x"
    out = wrap_prose(f"{story}\n{table}", width=60).splitlines()
    assert out[-1] == table  # a table row is never wrapped
    prose = out[:-1]
    assert len(prose) > 1 and all(len(line) <= 60 for line in prose)
    words = " ".join(line.strip() for line in prose).split()
    assert words == story.split()  # no word broken


def test_every_number_of_the_four_run_report_is_traced(folders: dict[str, Path]) -> None:
    page = Page((folders["four"] / "report.html").read_text())
    runs = [folders["base"], folders["copy0"], folders["copy1"], folders["copy2"]]
    assert check_numbers(page, runs) > 800
    assert not BARE_NUMBER.findall(" ".join(page.free_text))
