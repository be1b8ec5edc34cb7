"""Futures files (models/futures/*.yaml): uncertain factors, their outcomes and the tree.

A *future* is one way the world may turn out: one outcome of every factor.  (A *scenario*
is a what-if overlay; a future is made of scenario-language overlays, one per factor.)

    description: Is the H20 licence kept?
    risk: {cvar_alpha: 0.95, cvar_weight: 0.0}        # optional, see docs/hedge.md
    factors:
      licence:
        known_at: FY2027                              # known at the start of FY2027
        outcomes:
          kept:    {probability: 0.6}                 # no change
          revoked: {probability: 0.4, edits: [...]}   # or overrides: {...}, or scenario: x
    futures:                                          # optional: an explicit list
      - {name: kept, probability: 0.6, outcomes: {licence: kept}}

Without ``futures`` the futures are every combination of outcomes, with the product of
the outcome probabilities.  An explicit list names some combinations with probabilities
that must sum to 1.  Each outcome's probability must then be left out.

:func:`load_futures` validates the file and returns :class:`FutureSpec` objects; every
problem is reported at once, naming the file and the key path.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from capplan.config.layers import Scenario, project_folder, read_chain, scenario_path
from capplan.config.readers import read_yaml, show_path, validate_yaml
from capplan.config.schema import Name, ScenarioFile, TableEdit, _Yaml
from capplan.errors import InputError, Problem, ProblemCollector

PROBABILITY_TOLERANCE = 1e-9  # |sum of probabilities - 1| allowed
FUTURE_FOLDER = "futures"  # models/futures/<name>.yaml, beside the model file


class Risk(_Yaml):
    """Risk aversion: maximise (1 - cvar_weight) E[NPV] + cvar_weight CVaR_alpha(NPV)."""

    cvar_alpha: float = Field(
        0.95,
        ge=0,
        lt=1,
        description="CVaR level: CVaR is the mean NPV of the worst (1 - cvar_alpha) share "
        "of futures by probability.",
    )
    cvar_weight: float = Field(
        0.0, ge=0, le=1, description="Weight of CVaR in the objective (0 = risk-neutral)."
    )


class Outcome(_Yaml):
    """One outcome of a factor: a scenario-language overlay and its probability."""

    probability: float | None = Field(
        None, ge=0, le=1, description="Probability of this outcome (left out with futures:)."
    )
    description: str = Field("", description="What the outcome says, in one line.")
    source: str = Field("", description="Where it comes from, or 'assumption'.")
    scenario: Name | None = Field(
        None,
        description="A scenario file whose overrides and edits this outcome applies: a name "
        "in models/scenarios/ beside the model, or a path relative to this file.",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Keys of the model file to change, as in a scenario."
    )
    edits: list[TableEdit] = Field(
        default_factory=list, description="Edits of input table rows, as in a scenario."
    )


class Factor(_Yaml):
    """An uncertain factor: its outcomes and the period at whose start it is known."""

    description: str = Field("", description="What is uncertain, in one line.")
    known_at: Name = Field(
        description="The period at whose start the outcome becomes known; decisions of "
        "earlier periods cannot depend on it."
    )
    outcomes: dict[Name, Outcome] = Field(min_length=1, description="Outcome name -> outcome.")


class ExplicitFuture(_Yaml):
    """One future of an explicit list: an outcome of every factor and its probability."""

    name: Name = Field(description="Name of the future.")
    probability: float = Field(ge=0, le=1, description="Probability of the future.")
    outcomes: dict[Name, Name] = Field(description="Factor -> outcome name.")


class FuturesFile(_Yaml):
    """A futures file (models/futures/*.yaml)."""

    description: str = Field("", description="What the futures are about, in one line.")
    source: str = Field("", description="Where they come from, or 'assumption'.")
    risk: Risk | None = Field(None, description="Risk aversion (default: risk-neutral).")
    shortfall_penalty_rmb_per_zflop: float = Field(
        1.0e6,
        gt=0,
        description="Price of a required campaign's shortfall in every future, RMB per "
        "ZFLOP, so that a plan fixed in an earlier period stays feasible.",
    )
    factors: dict[Name, Factor] = Field(min_length=1, description="Factor name -> factor.")
    futures: list[ExplicitFuture] | None = Field(
        None, description="An explicit list of futures (default: every combination)."
    )


@dataclass(frozen=True)
class FutureSpec:
    """One future: its name, probability, outcome per factor and its overlays in order."""

    name: str
    probability: float
    outcomes: tuple[tuple[str, str], ...]  # (factor, outcome) in file order
    overlays: tuple[Scenario, ...]  # one per factor outcome that changes something


@dataclass(frozen=True)
class Futures:
    """A validated futures file."""

    path: Path
    display: str
    spec: FuturesFile
    futures: tuple[FutureSpec, ...]

    def known_at(self, factor: str) -> str:
        return self.spec.factors[factor].known_at


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a futures file, for editors."""
    return FuturesFile.model_json_schema()


def futures_path(token: str | Path, model_path: Path) -> Path:
    """``--futures`` value -> file: a bare name is models/futures/<name>.yaml beside the
    model file; anything else is a path."""
    text = str(token)
    if "/" not in text and not text.endswith((".yaml", ".yml")):
        return Path(model_path).parent / FUTURE_FOLDER / f"{text}.yaml"
    return Path(token)


def load_futures(path: str | Path, periods: list[str], model_path: str | Path) -> Futures:
    """Read and validate a futures file against the model's periods.

    Every problem is reported at once (:class:`InputError`), naming the file and key path.
    """
    file = Path(path)
    display = show_path(file)
    if not file.is_file():
        raise InputError([Problem("command line", "--futures", f"file {display} not found")])
    raw = read_yaml(file, display)
    spec: FuturesFile = validate_yaml(FuturesFile, raw, display)
    problems = ProblemCollector()
    overlays: dict[tuple[str, str], tuple[Scenario, ...]] = {}
    for fname, factor in spec.factors.items():
        where = f"factors.{fname}"
        if factor.known_at not in periods:
            problems.add(
                display,
                f"{where}.known_at",
                f"unknown period {factor.known_at!r}; expected one of {', '.join(periods)}",
            )
        for oname, outcome in factor.outcomes.items():
            at = f"{where}.outcomes.{oname}"
            try:
                overlays[(fname, oname)] = _overlays(outcome, file, display, at, Path(model_path))
            except InputError as exc:
                problems.extend(exc.problems)
    problems.extend(_probability_problems(spec, display))
    problems.raise_if_any()
    if spec.futures is None:
        futures = _combinations(spec, overlays)
    else:
        futures = tuple(
            FutureSpec(
                f.name,
                f.probability,
                tuple((k, f.outcomes[k]) for k in spec.factors),
                tuple(s for k in spec.factors for s in overlays[(k, f.outcomes[k])]),
            )
            for f in spec.futures
        )
    return Futures(file, display, spec, futures)


def _combinations(
    spec: FuturesFile, overlays: dict[tuple[str, str], tuple[Scenario, ...]]
) -> tuple[FutureSpec, ...]:
    """Every combination of outcomes, named ``outcome+outcome+...`` in factor order."""
    names = list(spec.factors)
    choices = [list(spec.factors[k].outcomes) for k in names]
    out = []
    for combo in itertools.product(*choices):
        prob = math.prod(
            spec.factors[k].outcomes[o].probability or 0.0
            for k, o in zip(names, combo, strict=True)
        )
        pairs = tuple(zip(names, combo, strict=True))
        out.append(
            FutureSpec(
                "+".join(combo), prob, pairs, tuple(s for pair in pairs for s in overlays[pair])
            )
        )
    return tuple(out)


def _probability_problems(spec: FuturesFile, display: str) -> list[Problem]:
    out: list[Problem] = []
    if spec.futures is None:
        for fname, factor in spec.factors.items():
            probs = [o.probability for o in factor.outcomes.values()]
            missing = [n for n, o in factor.outcomes.items() if o.probability is None]
            for name in missing:
                out.append(
                    Problem(
                        display,
                        f"factors.{fname}.outcomes.{name}.probability",
                        "missing; expected a probability between 0 and 1 "
                        "(or an explicit futures: list)",
                    )
                )
            total = sum(p for p in probs if p is not None)
            if not missing and abs(total - 1.0) > PROBABILITY_TOLERANCE:
                out.append(
                    Problem(
                        display,
                        f"factors.{fname}.outcomes",
                        f"probabilities sum to {total:.12g}; expected 1",
                    )
                )
        return out
    for fname, factor in spec.factors.items():
        for oname, outcome in factor.outcomes.items():
            if outcome.probability is not None:
                out.append(
                    Problem(
                        display,
                        f"factors.{fname}.outcomes.{oname}.probability",
                        "not allowed with an explicit futures: list (each future there "
                        "has its probability)",
                    )
                )
    seen: set[str] = set()
    for i, future in enumerate(spec.futures or []):
        where = f"futures[{i}]"
        if future.name in seen:
            out.append(Problem(display, f"{where}.name", f"repeated future {future.name!r}"))
        seen.add(future.name)
        for fname in spec.factors:
            chosen = future.outcomes.get(fname)
            if chosen is None:
                out.append(
                    Problem(display, f"{where}.outcomes", f"no outcome for factor {fname!r}")
                )
            elif chosen not in spec.factors[fname].outcomes:
                known = ", ".join(spec.factors[fname].outcomes)
                out.append(
                    Problem(
                        display,
                        f"{where}.outcomes.{fname}",
                        f"unknown outcome {chosen!r}; expected one of {known}",
                    )
                )
        for fname in future.outcomes:
            if fname not in spec.factors:
                known = ", ".join(spec.factors)
                out.append(
                    Problem(
                        display,
                        f"{where}.outcomes.{fname}",
                        f"unknown factor {fname!r}; expected one of {known}",
                    )
                )
    total = sum(f.probability for f in spec.futures or [])
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        out.append(Problem(display, "futures", f"probabilities sum to {total:.12g}; expected 1"))
    return out


def _overlays(
    outcome: Outcome, file: Path, display: str, where: str, model_path: Path
) -> tuple[Scenario, ...]:
    """The scenario overlays of one outcome: a referenced scenario's chain (without the
    model file at its root), then the outcome's own overrides and edits."""
    out: list[Scenario] = []
    label = f"{display}: {where}"
    if outcome.scenario is not None:
        target, shown = _scenario_file(outcome.scenario, file, model_path, display, where)
        project = project_folder(Path(model_path))
        *_, chain = read_chain(target, shown, project.resolve(), False)
        if not chain:
            raise InputError(
                [Problem(display, f"{where}.scenario", f"{shown} is a model file, not a scenario")]
            )
        out += chain
    if outcome.overrides or outcome.edits:
        spec = ScenarioFile.model_validate(
            {
                "description": outcome.description,
                "source": outcome.source,
                "extends": "futures",
                "overrides": outcome.overrides,
                "edits": [e.model_dump(by_alias=True, exclude_unset=True) for e in outcome.edits],
            }
        )
        out.append(Scenario(where.split(".")[-1], file.resolve(), label, spec))
    return tuple(out)


def _scenario_file(
    token: str, file: Path, model_path: Path, display: str, where: str
) -> tuple[Path, str]:
    if "/" in token or token.endswith((".yaml", ".yml")):
        target = file.parent / token
        if not target.is_file():
            raise InputError([Problem(display, f"{where}.scenario", f"file {token!r} not found")])
        return target, show_path(target)
    try:
        return scenario_path(token, model_path.resolve())
    except InputError as exc:
        problems = [Problem(display, f"{where}.scenario", p.message) for p in exc.problems]
        raise InputError(problems) from None
