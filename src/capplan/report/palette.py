"""One colour per part and per region, the same in every chart of every report.

The shipped parts and regions have fixed colours (:data:`PARTS`, :data:`REGIONS`); any
other name gets one from :data:`EXTRA` by a hash of the name, so a part keeps its colour
whichever runs a report shows and in whichever order (a colour given by position in a
report would change with the runs in it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

PARTS = {
    "H20": "#1f77b4",
    "H100": "#aec7e8",
    "H200": "#17becf",
    "B200": "#9edae5",
    "Ascend 910B": "#d62728",
    "Ascend 910C": "#ff9896",
    "T-Head PPU": "#ff7f0e",
    "Zhenwu M890": "#ffbb78",
}
REGIONS = {
    "China": "#c0392b",
    "Brazil": "#27ae60",
    "France": "#2e86c1",
    "Netherlands": "#f39c12",
    "Mexico": "#8e44ad",
    "Malaysia": "#16a085",
    "Thailand": "#d35400",
    "Indonesia": "#7f8c8d",
    "Singapore": "#2c3e50",
    "Philippines": "#e84393",
}
EXTRA = [
    "#2ca02c", "#98df8a", "#9467bd", "#c5b0d5", "#8c564b", "#c49c94",
    "#e377c2", "#f7b6d2", "#bcbd22", "#dbdb8d", "#7f7f7f", "#393b79",
]  # fmt: skip


def _hashed(name: str) -> str:
    digest = hashlib.sha256(name.encode()).digest()
    return EXTRA[int.from_bytes(digest[:4], "big") % len(EXTRA)]


def part_colour(part: str) -> str:
    """The colour of a part, in every chart of every report."""
    return PARTS.get(part) or _hashed(part)


def region_colour(region: str) -> str:
    """The colour of a region, in every chart of every report."""
    return REGIONS.get(region) or _hashed("region:" + region)


def part_colours(parts: Iterable[str]) -> dict[str, str]:
    """{part: colour} for the parts given (each one's colour does not depend on the rest)."""
    return {p: part_colour(p) for p in sorted(set(parts))}
