"""mpi-sppy's MPS directory: one program file per scenario plus its tree in JSON.

The format is that of ``mpisppy/problem_io/mps_module.py`` (read there, not guessed):
for each scenario ``<base><n>.mps`` (or ``.lp``; ``.lp`` wins when both exist; names end
in a serial number, 0 first) and ``<base><n>_nonants.json``::

    {"scenarioData": {"name": "scen0", "scenProb": 0.3333},
     "treeData": {"globalNodeCount": 1,
                  "nodes": {"ROOT":   {"serialNumber": 0, "condProb": 1.0,
                                       "nonAnts": ["x1", "x2"]},
                            "ROOT_0": {...}}}}

``nodes`` lists the scenario's path from ``ROOT``, each node the child of the one
before (``ROOT_0`` of ``ROOT``, ``ROOT_0_1`` of ``ROOT_0``); ``nonAnts`` names the
node's non-anticipative variables, matched across the scenarios through a node by their
position in the list (as mpi-sppy does).  mpi-sppy turns parentheses in names into
underscores; so does this reader when a name is not found as written.

Programs are read with HiGHS (:func:`capplan.mps.read_mps`).  :func:`write_mps_dir` writes capplan's
futures in the same format, with names made plain identifiers (letters, digits and ``_``)
so that every reader of the format (python-mip, then Pyomo) keeps them.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from capplan.errors import InputError, Problem
from capplan.hedge.program import Member
from capplan.io import write_atomically
from capplan.model.lp import Block, LinearProgram
from capplan.mps import MpsError, MpsWarning, read_mps, write_mps

_SERIAL = re.compile(r"(\d+)$")
_PARENT = re.compile(r"(.+)_(\d+)$")
_PLAIN = re.compile(r"[^A-Za-z0-9_]")
PROBABILITY_TOLERANCE = 1e-9


def read_program(path: Path) -> LinearProgram:
    """An MPS or LP file read by HiGHS (:func:`capplan.mps.read_mps`), with its names."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MpsWarning)
            return read_mps(path)
    except (MpsError, OSError) as exc:
        raise InputError([Problem(str(path), "", str(exc))]) from None


def _scenario_files(folder: Path) -> list[tuple[str, Path]]:
    found: dict[str, Path] = {}
    for ext in (".mps", ".lp"):  # .lp replaces .mps of the same name, as in mpi-sppy
        for path in sorted(folder.glob(f"*{ext}")):
            found[path.stem] = path
    problems = [
        Problem(str(p), "", "a scenario file name must end in a serial number (scen0.mps)")
        for name, p in found.items()
        if not _SERIAL.search(name)
    ]
    if problems:
        raise InputError(problems)
    if not found:
        raise InputError(
            [Problem(str(folder), "", "no scenario files: expected <name><n>.mps with JSON")]
        )
    return sorted(found.items(), key=lambda kv: (_SERIAL.sub("", kv[0]), _serial(kv[0])))


def _serial(name: str) -> int:
    match = _SERIAL.search(name)
    return int(match.group(1)) if match else -1


def read_mps_dir(folder: str | Path) -> list[Member]:
    """Every scenario of an MPS directory as a :class:`Member` (problems reported at once)."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError([Problem("command line", "--mps-dir", f"folder {root} not found")])
    members: list[Member] = []
    problems: list[Problem] = []
    for name, path in _scenario_files(root):
        tree_file = root / f"{name}_nonants.json"
        try:
            members.append(_member(name, read_program(path), tree_file))
        except InputError as exc:
            problems += exc.problems
    total = sum(m.probability for m in members)
    if not problems and abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(
            Problem(
                str(root), "scenarioData.scenProb", f"probabilities sum to {total:.12g}; expected 1"
            )
        )
    if not problems:
        problems += _tree_problems(members, root)
    if problems:
        raise InputError(problems)
    return members


def _member(name: str, lp: LinearProgram, tree_file: Path) -> Member:
    shown = str(tree_file)
    if not tree_file.is_file():
        raise InputError([Problem(shown, "", "file not found: each scenario needs its JSON")])
    try:
        data: Any = json.loads(tree_file.read_text(encoding="utf-8"))
        prob = data["scenarioData"]["scenProb"]
        nodes = data["treeData"]["nodes"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(
            [Problem(shown, "", f"expected scenarioData.scenProb and treeData.nodes ({exc})")]
        ) from None
    problems: list[Problem] = []
    if not isinstance(prob, int | float) or not 0 <= prob <= 1:
        problems.append(Problem(shown, "scenarioData.scenProb", "expected a number in [0, 1]"))
    names = lp.var_names()
    lookup = {n: j for j, n in enumerate(names)}
    lookup.update({n.replace("(", "_").replace(")", "_"): j for j, n in enumerate(names)})
    parent: str | None = None
    keys, cols = [], []
    for node, spec in nodes.items():
        match = _PARENT.match(node)
        if (parent is None and node != "ROOT") or (
            parent is not None and (match is None or match.group(1) != parent)
        ):
            problems.append(
                Problem(
                    shown,
                    f"treeData.nodes.{node}",
                    f"expected {'ROOT' if parent is None else parent + '_<n>'}",
                )
            )
        found = []
        for i, var in enumerate(spec.get("nonAnts", [])):
            j = lookup.get(var, lookup.get(str(var).replace("(", "_").replace(")", "_")))
            if j is None:
                problems.append(
                    Problem(
                        shown,
                        f"treeData.nodes.{node}.nonAnts[{i}]",
                        f"no variable {var!r} in {lp.name}",
                    )
                )
            else:
                found.append(j)
        keys.append(tuple(str(i) for i in range(len(found))))
        cols.append(np.array(found, dtype=np.int64))
        parent = node
    if problems:
        raise InputError(problems)
    return Member(name, float(prob), lp, tuple(nodes), tuple(keys), tuple(cols))


def _tree_problems(members: Sequence[Member], root: Path) -> list[Problem]:
    out: list[Problem] = []
    if len({len(m.nodes) for m in members}) > 1:
        out.append(
            Problem(
                str(root),
                "treeData.nodes",
                "scenarios have different numbers "
                "of stages; expected a path from ROOT of the same length in each",
            )
        )
    if len({m.lp.maximize for m in members}) > 1:
        out.append(Problem(str(root), "", "scenarios mix minimisation and maximisation"))
    return out


def plain_names(names: Sequence[str]) -> list[str]:
    """Names made of letters, digits and ``_`` (unique; never starting with a digit)."""
    out: list[str] = []
    used: set[str] = set()
    for name in names:
        clean = _PLAIN.sub("_", name) or "_"
        if clean[0].isdigit():
            clean = "_" + clean
        candidate, k = clean, 0
        while candidate in used:
            k += 1
            candidate = f"{clean}_{k}"
        used.add(candidate)
        out.append(candidate)
    return out


def mpisppy_tree(members: Sequence[Member]) -> list[list[tuple[str, float, np.ndarray]]]:
    """Each future's path of mpi-sppy nodes: (name, conditional probability, columns).

    mpi-sppy lists the *non-leaf* nodes of a scenario's path (``ROOT``, ``ROOT_0``,
    ``ROOT_0_1``...), each with the non-anticipative variables of its stage.  So periods
    in which nothing new is known are merged into the node before them, and the trailing
    nodes that only this future passes through (its leaf) are left out: a two-stage
    program lists ``ROOT`` alone.
    """
    passing: dict[tuple[str, ...], float] = {}
    count: dict[tuple[str, ...], int] = {}
    for m in members:
        for k in range(len(m.nodes)):
            passing[m.node(k)] = passing.get(m.node(k), 0.0) + m.probability
            count[m.node(k)] = count.get(m.node(k), 0) + 1
    names: dict[tuple[str, ...], str] = {}
    children: dict[str, int] = {}
    out = []
    for m in members:
        groups: list[tuple[tuple[str, ...], list[np.ndarray]]] = []
        for k in range(len(m.nodes)):
            if k and m.nodes[k] == m.nodes[k - 1]:
                groups[-1][1].append(m.stage_cols[k])
            else:
                groups.append((m.node(k), [m.stage_cols[k]]))
        while len(groups) > 1 and count[groups[-1][0]] == 1:
            groups.pop()
        path: list[tuple[str, float, np.ndarray]] = []
        parent_mass, parent_name = 1.0, ""
        for node, cols in groups:
            if node not in names:
                if not path:
                    names[node] = "ROOT"
                else:
                    names[node] = f"{parent_name}_{children.get(parent_name, 0)}"
                    children[parent_name] = children.get(parent_name, 0) + 1
            cond = passing[node] / parent_mass if parent_mass > 0 else 0.0
            path.append((names[node], cond, np.concatenate(cols)))
            parent_mass, parent_name = passing[node], names[node]
        out.append(path)
    return out


def write_mps_dir(members: Sequence[Member], folder: str | Path, force: bool = False) -> Path:
    """Write ``members`` as an mpi-sppy MPS directory (``scen<i>.mps`` + JSON), atomically."""
    paths = mpisppy_tree(members)

    def fill(tmp: Path) -> None:
        for i, (m, path) in enumerate(zip(members, paths, strict=True)):
            cols = plain_names(m.lp.var_names())
            rows = plain_names(m.lp.row_names())
            lp = LinearProgram(
                **{
                    **m.lp.__dict__,
                    "var_blocks": {"x": Block("", 0, pd.Index(cols))},
                    "row_blocks": {"row": Block("", 0, pd.Index(rows))},
                }
            )
            write_mps(lp, tmp / f"scen{i}.mps")
            nodes = {
                node: {"serialNumber": k, "condProb": cond, "nonAnts": [cols[j] for j in nonants]}
                for k, (node, cond, nonants) in enumerate(path)
            }
            tree = {
                "scenarioData": {
                    "name": f"scen{i}",
                    "scenProb": m.probability,
                    "capplanFuture": m.name,
                },
                "treeData": {"globalNodeCount": len(nodes), "nodes": nodes},
            }
            (tmp / f"scen{i}_nonants.json").write_text(
                json.dumps(tree, indent=2) + "\n", encoding="utf-8"
            )

    return write_atomically(Path(folder), fill, force)
