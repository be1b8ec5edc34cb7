"""What to generate: :class:`Spec`, its limits, and the period labels it gives."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from capplan.errors import Problem

PeriodLength = Literal["year", "quarter", "month"]
PERIOD_YEARS: dict[str, float] = {"year": 1.0, "quarter": 0.25, "month": 1.0 / 12.0}
FIRST_YEAR = 2026
LIMITS = {
    "regions": (1, 10_000),
    "parts": (1, 1_000),
    "periods": (1, 600),
    "zones": (1, 1_000),
    "campaigns": (0, 10_000),
}


@dataclass(frozen=True)
class Spec:
    """What to generate; the same Spec always gives the same files."""

    seed: int = 0
    regions: int = 10
    parts: int = 8
    periods: int = 3
    period_length: PeriodLength = "year"
    zones: int = 3
    campaigns: int = 3
    policies: bool = False  # add a domestic-share floor for China and a foreign-vendor cap
    name: str | None = None

    @property
    def period_years(self) -> float:
        return PERIOD_YEARS[self.period_length]

    @property
    def model_name(self) -> str:
        if self.name:
            return self.name
        return (
            f"gen-s{self.seed}-r{self.regions}-p{self.parts}-t{self.periods}"
            f"{self.period_length[0]}-z{self.zones}-k{self.campaigns}"
        )

    def problems(self) -> list[Problem]:
        """Every bad field, as input problems naming the command-line option."""
        out = []
        for key, (lo, hi) in LIMITS.items():
            value = getattr(self, key)
            if not lo <= value <= hi:
                out.append(
                    Problem(
                        "command line",
                        "--" + key,
                        f"expected a whole number from {lo} to {hi}, got {value}",
                    )
                )
        if self.seed < 0:
            out.append(Problem("command line", "--seed", f"expected >= 0, got {self.seed}"))
        if self.period_length not in PERIOD_YEARS:
            out.append(
                Problem(
                    "command line",
                    "--period-length",
                    f"expected one of {', '.join(PERIOD_YEARS)}, got {self.period_length!r}",
                )
            )
        if self.zones > self.regions:
            out.append(
                Problem(
                    "command line",
                    "--zones",
                    f"expected at most --regions ({self.regions}) zones, got {self.zones}: "
                    "every zone needs a region",
                )
            )
        if self.name is not None and not 1 <= len(self.name) <= 80:
            out.append(Problem("command line", "--name", "expected 1 to 80 characters"))
        return out


def period_labels(n: int, length: str) -> list[str]:
    """The labels of ``n`` periods of ``length`` from :data:`FIRST_YEAR`: ``FY2026``,
    ``2026Q1`` or ``2026-01``."""
    if length == "year":
        return [f"FY{FIRST_YEAR + t}" for t in range(n)]
    if length == "quarter":
        return [f"{FIRST_YEAR + t // 4}Q{t % 4 + 1}" for t in range(n)]
    return [f"{FIRST_YEAR + t // 12}-{t % 12 + 1:02d}" for t in range(n)]


def spec_text(spec: Spec) -> str:
    """``key=value`` for each field that is set, as the generated files' header names it."""
    return " ".join(f"{k}={v}" for k, v in asdict(spec).items() if v is not None)
