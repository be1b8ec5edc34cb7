"""Sweep files (models/sweeps/*.yaml): which assumptions vary, how, and how often.

A sweep names parameters in the scenario-file language, each either a model key path
(``budget.total_rmb_bn``, ``policy.state_share.CN``) or a table edit (``table``, ``where``
and the column to ``set``, ``scale`` or ``add`` to)::

    method: monte_carlo          # or one_at_a_time, grid
    samples: 1000
    seed: 7
    parameters:
      - name: cn_demand
        table: demand
        where: {zone: CN}
        scale: demand_zflop
        low: 0.7                 # one_at_a_time: NPV at low and at high (the tornado)
        high: 1.3
        grid: [0.8, 1.0, 1.2]    # grid: every combination of the parameters' grids
        distribution: {kind: triangular, low: 0.7, mode: 1.0, high: 1.4}
      - name: h20_revoked        # an event: with probability p, from a period on
        table: supply
        where: {part: H20, market: china}
        set: units
        distribution: {kind: event, probability: 0.3, value: 0, from: [FY2027, FY2028]}

One file can carry a range, a grid and a distribution per parameter, so the same file
gives a tornado (``--method one_at_a_time``) and a Monte Carlo.  Monte Carlo samples are
drawn from ``numpy.random.SeedSequence(seed).spawn(samples)``: one stream per sample, the
parameters drawn in file order, so a sample's values depend on the seed and its number
only, never on how many workers run the sweep.  :func:`draw_samples` gives the samples
and :func:`scenario_mapping` turns one into a scenario mapping (docs/sweeps.md).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from capplan.config.readers import input_error, read_yaml, validate_yaml
from capplan.config.schema import Cell, PeriodRange, TableName, _Yaml
from capplan.errors import InputError, Problem

Method = Literal["monte_carlo", "one_at_a_time", "grid"]
METHODS: tuple[str, ...] = ("monte_carlo", "one_at_a_time", "grid")
ParamName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
NO_EVENT = ""  # an event parameter's drawn value when the event does not happen
ALL_PERIODS = "all"  # ... when it happens with no `from` periods (every period)


class Uniform(_Yaml):
    """Every value between low and high equally likely."""

    kind: Literal["uniform"]
    low: float
    high: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


class Triangular(_Yaml):
    """Triangular between low and high, most likely at mode."""

    kind: Literal["triangular"]
    low: float
    mode: float
    high: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.triangular(self.low, self.mode, self.high))


class Normal(_Yaml):
    """Normal with mean and sd, clipped to [min, max] when given."""

    kind: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    min: float | None = None
    max: float | None = None

    def draw(self, rng: np.random.Generator) -> float:
        value = float(rng.normal(self.mean, self.sd))
        lo = -np.inf if self.min is None else self.min
        hi = np.inf if self.max is None else self.max
        return float(np.clip(value, lo, hi))


class LogNormal(_Yaml):
    """median * exp(sigma * z), z standard normal: a positive factor with a long right tail."""

    kind: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def draw(self, rng: np.random.Generator) -> float:
        return float(self.median * np.exp(self.sigma * rng.standard_normal()))


class Discrete(_Yaml):
    """One of ``values``, with ``probabilities`` (equal when left out)."""

    kind: Literal["discrete"]
    values: list[Cell] = Field(min_length=1)
    probabilities: list[Annotated[float, Field(ge=0, le=1)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Discrete:
        p = self.probabilities
        if p is not None and len(p) != len(self.values):
            raise ValueError(f"{len(p)} probabilities for {len(self.values)} values")
        if p is not None and abs(sum(p) - 1.0) > 1e-9:
            raise ValueError(f"probabilities sum to {sum(p):g}, expected 1")
        return self

    def draw(self, rng: np.random.Generator) -> Any:
        u = float(rng.uniform())
        p = self.probabilities or [1.0 / len(self.values)] * len(self.values)
        i = int(np.searchsorted(np.cumsum(p), u, side="right"))
        return self.values[min(i, len(self.values) - 1)]


class Event(_Yaml):
    """With ``probability``, the target takes ``value`` from one of the ``from`` periods on
    (chosen with ``weights``, equal when left out); without ``from``, in every period."""

    kind: Literal["event"]
    probability: float = Field(ge=0, le=1)
    value: Cell
    from_: list[str] | None = Field(None, alias="from", min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Event:
        if self.weights is not None and (
            self.from_ is None or len(self.weights) != len(self.from_)
        ):
            raise ValueError("weights need one weight per period of 'from'")
        return self

    def draw(self, rng: np.random.Generator) -> str:
        happens = float(rng.uniform()) < self.probability
        if self.from_ is None:
            return ALL_PERIODS if happens else NO_EVENT
        w = np.asarray(self.weights or [1.0] * len(self.from_), dtype=float)
        i = int(np.searchsorted(np.cumsum(w / w.sum()), float(rng.uniform()), side="right"))
        return self.from_[min(i, len(self.from_) - 1)] if happens else NO_EVENT


Distribution = Annotated[
    Uniform | Triangular | Normal | LogNormal | Discrete | Event, Field(discriminator="kind")
]


class Parameter(_Yaml):
    """One varied assumption: where it is (a key path, or a table edit) and how it varies."""

    name: ParamName = Field(description="Short name: the column in samples.csv, the tornado bar.")
    description: str = ""
    key: str | None = Field(None, description="Model key path, or policy.<key> for policy.yaml.")
    table: TableName | None = Field(None, description="Input table to edit.")
    where: dict[str, Cell | list[Cell] | PeriodRange] = Field(
        default_factory=dict, description="Rows of the table to edit, as in a scenario edit."
    )
    set: str | None = Field(None, description="Column set to the value.")
    scale: str | None = Field(None, description="Column multiplied by the value.")
    add: str | None = Field(None, description="Column the value is added to.")
    low: Cell | None = Field(None, description="one_at_a_time: the low value.")
    high: Cell | None = Field(None, description="one_at_a_time: the high value.")
    grid: list[Cell] | None = Field(None, min_length=1, description="grid: the values.")
    distribution: Distribution | None = Field(None, description="monte_carlo: the distribution.")

    @model_validator(mode="after")
    def _target(self) -> Parameter:
        ops = [op for op in ("set", "scale", "add") if getattr(self, op) is not None]
        if (self.key is None) == (self.table is None):
            raise ValueError("give either key (a model key path) or table (a table edit)")
        if self.table is not None and len(ops) != 1:
            raise ValueError("a table edit needs exactly one of set, scale or add (a column)")
        if self.key is not None and (ops or self.where):
            raise ValueError("a key parameter takes no where, set, scale or add")
        if isinstance(self.distribution, Event) and self.distribution.from_ and not self.table:
            raise ValueError("an event with 'from' periods needs a table with a period column")
        return self

    @property
    def op(self) -> str:
        return next(op for op in ("set", "scale", "add") if getattr(self, op) is not None)


class SweepFile(_Yaml):
    """A sweep file (models/sweeps/*.yaml)."""

    description: str = ""
    method: Method = Field("monte_carlo", description="monte_carlo, one_at_a_time or grid.")
    samples: int = Field(100, ge=1, le=1_000_000, description="monte_carlo: how many samples.")
    seed: int = Field(0, ge=0, description="Seed of numpy.random.SeedSequence.")
    parameters: list[Parameter] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SweepFile:
        names = [p.name for p in self.parameters]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"parameter names must be unique; repeated: {', '.join(dupes)}")
        return self


@dataclass(frozen=True)
class Sample:
    """One point of a sweep: its number, the parameter values, and for one_at_a_time the
    parameter moved (``""`` for the base point) and to which end (low or high)."""

    index: int
    values: dict[str, Any]
    moved: str = ""
    end: str = ""


def read_sweep(path: str | Path, method: str | None = None) -> SweepFile:
    """Read and validate a sweep file; ``method`` overrides the file's."""
    shown = str(path)
    if not Path(path).is_file():
        raise input_error(shown, "", "file not found; expected a sweep file (models/sweeps/)")
    raw = read_yaml(Path(path), shown)
    if method is not None:
        if method not in METHODS:
            raise input_error("command line", "--method", f"expected one of {', '.join(METHODS)}")
        raw = {**raw, "method": method}
    spec: SweepFile = validate_yaml(SweepFile, raw, shown)
    check_method(spec, shown)
    return spec


def check_method(spec: SweepFile, file: str) -> None:
    """Every parameter carries what the method needs (low/high, grid or distribution)."""
    need = {"one_at_a_time": ("low", "high"), "grid": ("grid",), "monte_carlo": ("distribution",)}
    problems = [
        Problem(file, f"parameters[{i}].{key}", f"method {spec.method} needs {key} on {p.name}")
        for i, p in enumerate(spec.parameters)
        for key in need[spec.method]
        if getattr(p, key) is None
    ]
    if problems:
        raise InputError(problems)


def draw_samples(spec: SweepFile) -> list[Sample]:
    """Every sample of the sweep, numbered from 0, independent of any worker count."""
    params = spec.parameters
    if spec.method == "one_at_a_time":
        out = [Sample(0, {})]
        for p in params:
            out.append(Sample(len(out), {p.name: p.low}, p.name, "low"))
            out.append(Sample(len(out), {p.name: p.high}, p.name, "high"))
        return out
    if spec.method == "grid":
        grids = [p.grid or [] for p in params]
        return [
            Sample(i, {p.name: v for p, v in zip(params, combo, strict=True)})
            for i, combo in enumerate(itertools.product(*grids))
        ]
    streams = np.random.SeedSequence(spec.seed).spawn(spec.samples)
    out = []
    for i, seq in enumerate(streams):
        rng = np.random.default_rng(seq)
        out.append(Sample(i, {p.name: p.distribution.draw(rng) for p in params}))  # type: ignore[union-attr]
    return out


def scenario_mapping(spec: SweepFile, sample: Sample) -> dict[str, Any]:
    """The sample as a scenario mapping: ``{"overrides": {...}, "edits": [...]}``.

    A parameter not in ``sample.values`` (one_at_a_time) or an event that did not happen
    leaves the model as it is.
    """
    overrides: dict[str, Any] = {}
    edits: list[dict[str, Any]] = []
    for p in spec.parameters:
        if p.name not in sample.values:
            continue
        value = sample.values[p.name]
        where = {k: (v.model_dump(by_alias=True) if isinstance(v, PeriodRange) else v)
                 for k, v in p.where.items()}  # fmt: skip
        if isinstance(p.distribution, Event) and spec.method == "monte_carlo":
            if value == NO_EVENT:
                continue
            if value != ALL_PERIODS:
                where["period"] = {"from": value}
            value = p.distribution.value
        if p.key is not None:
            node = overrides
            *parents, last = p.key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        else:
            column = getattr(p, p.op)
            edits.append({"table": p.table, "where": where, p.op: {column: value}})
    return {"overrides": overrides, "edits": edits}
