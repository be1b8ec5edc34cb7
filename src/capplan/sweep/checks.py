"""Check a sweep against its model before any sample runs.

Each parameter's edit is applied alone to the base inputs with every value the file names
(low, high, the grid, a discrete distribution's values, an event's value and periods, the
ends of a bounded distribution), so a wrong column, selection or value is one message
naming the sweep file and the parameter, not a failed row per sample.
"""

from __future__ import annotations

from typing import Any

from capplan.config.sweeps import (
    ALL_PERIODS,
    Discrete,
    Event,
    Normal,
    Parameter,
    Sample,
    SweepFile,
    Triangular,
    Uniform,
    scenario_mapping,
)
from capplan.errors import InputError, Problem
from capplan.library import Inputs, edit


def named_values(p: Parameter, method: str) -> list[Any]:
    """Every value of ``p`` that ``method`` uses and the file names, without repeats."""
    if method == "one_at_a_time":
        return [p.low, p.high]
    if method == "grid":
        return list(dict.fromkeys(p.grid or []))
    out: list[Any] = []
    d = p.distribution
    if isinstance(d, Uniform | Triangular):
        out += [d.low, d.high]
    elif isinstance(d, Normal):
        out += [d.min, d.max]
    elif isinstance(d, Discrete):
        out += d.values
    elif isinstance(d, Event):
        out += [*(d.from_ or [ALL_PERIODS])]
    return list(dict.fromkeys(v for v in out if v is not None))


def check_sweep(spec: SweepFile, inputs: Inputs, file: str) -> None:
    """Raise one InputError with a problem per parameter value the model refuses."""
    problems: list[Problem] = []
    for i, p in enumerate(spec.parameters):
        for value in named_values(p, spec.method):
            one = SweepFile.model_validate(
                {
                    **spec.model_dump(by_alias=True, exclude={"parameters"}),
                    "parameters": [p.model_dump(by_alias=True)],
                }
            )
            mapping = scenario_mapping(one, Sample(0, {p.name: value}))
            try:
                edit(inputs, mapping, label=f"{file}: parameters[{i}] ({p.name} = {value})")
            except InputError as exc:
                problems += exc.problems
                break
    if problems:
        raise InputError(problems)
