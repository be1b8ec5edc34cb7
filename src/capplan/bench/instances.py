"""What a benchmark runs: model files, generated model folders and MPS files.

An :class:`Instance` is one problem: a capplan model file (``kind="model"``) or an MPS
file (``kind="mps"``) with, when a ``.solu`` file lists it, its published result.
Generated instances are named by a :class:`capplan.generate.Spec`, written as
``seed=1,regions=10,parts=8,periods=36,period_length=month,zones=3,campaigns=4``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from capplan.errors import InputError, Problem
from capplan.generate import PERIOD_YEARS, Spec

MPS_SUFFIXES = (".mps", ".mps.gz")


@dataclass(frozen=True)
class Instance:
    """One problem of the benchmark."""

    name: str
    kind: str  # "model" or "mps"
    path: str
    expected: tuple[str, float | None] | None = None  # .solu status and value (mps only)
    spec: dict[str, Any] | None = None  # the generate Spec of a generated model

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "path": self.path,
            "expected": list(self.expected) if self.expected else None,
            "spec": self.spec,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Instance:
        expected = data.get("expected")
        return cls(
            name=data["name"],
            kind=data["kind"],
            path=data["path"],
            expected=(expected[0], expected[1]) if expected else None,
            spec=data.get("spec"),
        )


def parse_spec(text: str) -> Spec:
    """``key=value,key=value`` -> :class:`Spec` (an input error names a bad key or value)."""
    known = {f.name: f for f in fields(Spec)}
    values: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in known:
            raise InputError(
                [
                    Problem(
                        "command line",
                        "--generate",
                        f"expected key=value pairs with keys {', '.join(known)}, got {item!r}",
                    )
                ]
            )
        value = value.strip()
        try:
            if key in ("period_length", "name"):
                values[key] = value
            elif key == "policies":
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                values[key] = value.lower() in ("true", "1", "yes")
            else:
                values[key] = int(value)
        except ValueError:
            raise InputError(
                [Problem("command line", "--generate", f"{key}: not a valid value: {value!r}")]
            ) from None
    spec = Spec(**values)
    if spec.period_length not in PERIOD_YEARS:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--generate",
                    f"period_length: expected one of {', '.join(PERIOD_YEARS)}, "
                    f"got {spec.period_length!r}",
                )
            ]
        )
    problems = spec.problems()
    if problems:
        raise InputError(problems)
    return spec


def spec_text(spec: Spec) -> str:
    """The ``key=value,...`` form of a spec (fields left at None are omitted)."""
    return ",".join(f"{k}={v}" for k, v in asdict(spec).items() if v is not None)


def model_instance(path: str | Path) -> Instance:
    """A model file as an instance named after its folder and file."""
    p = Path(path)
    if not p.is_file():
        raise InputError([Problem(str(path), "", "file not found: expected a model file (YAML)")])
    if p.stem == "model" and p.parent.name:  # a model folder, as capplan generate writes
        name = p.parent.name
    elif p.parent.name in ("models", ""):
        name = p.stem
    else:
        name = f"{p.parent.name}/{p.stem}"
    return Instance(name=name, kind="model", path=str(p))


def mps_instances(
    paths: list[Path], solu: dict[str, tuple[str, float | None]] | None
) -> list[Instance]:
    """MPS files (folders are searched for ``*.mps`` and ``*.mps.gz``), sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                f for f in path.iterdir() if f.is_file() and f.name.endswith(MPS_SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise InputError([Problem(str(path), "", "not found: expected an MPS file or folder")])
    out = []
    for f in files:
        name = f.name.removesuffix(".gz").removesuffix(".mps")
        expected = solu.get(name) if solu is not None else None
        out.append(Instance(name=name, kind="mps", path=str(f), expected=expected))
    names = [i.name for i in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(
            [Problem("command line", "--mps", f"instance names given twice: {', '.join(repeated)}")]
        )
    return out
