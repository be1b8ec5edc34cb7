"""Sweeps on real components: the same samples in process, on a local Dask cluster and on a
cluster of ``dask scheduler`` + two ``dask worker`` processes; a kill -9 of the coordinator
and ``--resume``; the run store read back; the sweep file's checks.

Everything runs on a two-period tiny model (tests/tiny.py), so each sample solves in
milliseconds and the cost is Dask's start-up.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from capplan.cli import app
from capplan.config.sweeps import SweepFile, draw_samples, read_sweep, scenario_mapping
from capplan.errors import InputError
from capplan.sweep import Settings, execute, sweep
from capplan.sweep.worker import Request
from tests.tiny import case

runner = CliRunner()
SAMPLES = 24
MC = {
    "method": "monte_carlo",
    "samples": SAMPLES,
    "seed": 5,
    "parameters": [
        {
            "name": "demand",
            "table": "demand",
            "scale": "demand_zflop",
            "low": 0.5,
            "high": 1.5,
            "distribution": {"kind": "uniform", "low": 0.5, "high": 1.5},
        },
        {
            "name": "revenue",
            "table": "demand",
            "where": {"period": "Y2"},
            "set": "revenue_rmb_per_zflop",
            "low": 1.0e6,
            "high": 3.0e6,
            "distribution": {"kind": "discrete", "values": [1.0e6, 2.0e6, 3.0e6]},
        },
        {
            "name": "cut",
            "table": "supply",
            "where": {"part": "P"},
            "set": "units",
            "low": 1.0e9,
            "high": 0.0,
            "distribution": {
                "kind": "event",
                "probability": 0.4,
                "value": 2.0,
                "from": ["Y1", "Y2"],
            },
        },
        {
            "name": "budget",
            "key": "budget.total_rmb_bn",
            "low": 50.0,
            "high": 150.0,
            "distribution": {"kind": "normal", "mean": 100.0, "sd": 10.0, "min": 60.0},
        },
    ],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sweep")
    case(root, model={"horizon": {"periods": ["Y1", "Y2"], "period_years": 1}})
    (root / "mc.yaml").write_text(yaml.safe_dump(MC, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def reference(project: Path) -> Path:
    """The sweep in this process, without Dask (--workers 1)."""
    done = sweep(
        project / "model.yaml",
        project / "mc.yaml",
        settings=Settings(workers=1, store=project / "runs.duckdb", out=project / "one"),
    )
    assert done.summary["status_counts"] == {"optimal": SAMPLES}
    return done.folder


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; its address."""
    bin_dir = Path(sys.executable).parent
    file = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp_path}
    scheduler = subprocess.Popen(
        [
            bin_dir / "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(file),
        ],
        **common,
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while not file.is_file() or not file.read_text().strip():
            assert time.monotonic() < deadline, "dask scheduler did not start"
            assert scheduler.poll() is None, "dask scheduler exited"
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        workers = [
            subprocess.Popen(
                [
                    bin_dir / "dask",
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                    "--no-nanny",
                    "--name",
                    f"w{i}",
                ],
                **common,
            )
            for i in range(2)
        ]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in [*workers, scheduler]:
            proc.terminate()
        for proc in [*workers, scheduler]:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_samples_come_from_one_stream_each() -> None:
    """A sample's draw depends on the seed and its number only, not on how many are drawn."""
    spec = SweepFile.model_validate(MC)
    few = draw_samples(spec.model_copy(update={"samples": 5}))
    many = draw_samples(spec)
    assert [s.values for s in few] == [s.values for s in many[:5]]
    seq = np.random.SeedSequence(5).spawn(SAMPLES)[7]
    assert many[7].values["demand"] == np.random.default_rng(seq).uniform(0.5, 1.5)
    other = draw_samples(spec.model_copy(update={"seed": 6}))
    assert [s.values for s in other] != [s.values for s in many]
    events = [s.values["cut"] for s in many]
    assert set(events) <= {"", "Y1", "Y2"} and "" in events and {"Y1", "Y2"} & set(events)


def test_same_samples_on_a_local_cluster_and_on_a_cluster_by_address(
    project: Path, reference: Path, cluster: str
) -> None:
    local = sweep(
        project / "model.yaml",
        project / "mc.yaml",
        settings=Settings(store=project / "runs.duckdb", out=project / "local"),
    )
    assert local.summary["times"]["workers"] == os.cpu_count()
    result = runner.invoke(
        app,
        [
            "sweep",
            str(project / "model.yaml"),
            str(project / "mc.yaml"),
            "--scheduler",
            cluster,
            "--store",
            str(project / "runs.duckdb"),
            "--out",
            str(project / "remote"),
        ],
    )
    assert result.exit_code == 0, result.output
    expected = (reference / "samples.csv").read_bytes()
    assert (local.folder / "samples.csv").read_bytes() == expected
    assert (project / "remote" / "samples.csv").read_bytes() == expected
    for name in ("sample_periods.csv", "fan_capex.csv", "npv_distribution.csv"):
        assert (project / "remote" / name).read_bytes() == (reference / name).read_bytes()
    # a task that raises is tried once more, then recorded as failed with its reason
    from distributed import Client

    good = _request(project, 0)
    bad = replace(good, sample=1, base_hash="not the inputs")
    with Client(cluster, timeout="30s") as client:
        rows = sorted(execute.on_dask(client, [good, bad]), key=lambda r: r["sample"])
    assert [r["status"] for r in rows] == ["optimal", "failed"]
    assert rows[0]["attempts"] == 1 and rows[1]["attempts"] == 2
    assert (
        "inputs of" in rows[1]["reason"] and "changed since the sweep started" in rows[1]["reason"]
    )
    assert [r["status"] for r in execute.in_process([bad])] == ["failed"]


def _request(project: Path, sample: int) -> Request:
    from capplan.library import SolveRequest, load

    model = project / "model.yaml"
    spec = read_sweep(project / "mc.yaml")
    return Request(
        model=str(model.resolve()),
        scenarios=(),
        sets=(),
        base_hash=load(SolveRequest(model)).config.input_hash,
        sample=sample,
        mapping=scenario_mapping(spec, draw_samples(spec)[sample]),
        backend="highs",
        time_limit_s=60.0,
        mip_gap=1e-9,
    )


def _count(store: Path, run_id: str | None = None) -> tuple[int, str | None]:
    """Samples recorded for the newest incomplete run (read-only; 0 while locked)."""
    try:
        con = duckdb.connect(str(store), read_only=True)
    except (duckdb.IOException, duckdb.CatalogException):
        return 0, run_id
    try:
        found = con.execute("SELECT run_id FROM runs WHERE NOT complete").fetchone()
        if found is None:
            return 0, run_id
        (n,) = con.execute("SELECT count(*) FROM samples WHERE run_id = ?", [found[0]]).fetchone()
        return int(n), str(found[0])
    except duckdb.Error:
        return 0, run_id
    finally:
        con.close()


def test_kill_9_keeps_finished_samples_and_resume_finishes(project: Path, reference: Path) -> None:
    store, out = project / "killed.duckdb", project / "resumed"
    command = [
        "sweep",
        str(project / "model.yaml"),
        str(project / "mc.yaml"),
        "--workers",
        "1",
        "--store",
        str(store),
        "--out",
        str(out),
        "--commit-every",
        "0",  # every sample its own transaction: the kill lands between two of them
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from capplan.cli import main; main()", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        n, run_id = 0, None
        while n == 0:
            assert proc.poll() is None, "the sweep ended before it was killed"
            assert time.monotonic() < deadline, "no sample was recorded"
            time.sleep(0.05)
            n, run_id = _count(store)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    with duckdb.connect(str(store), read_only=True) as con:
        (complete,) = con.execute("SELECT complete FROM runs WHERE run_id = ?", [run_id]).fetchone()
        rows = con.execute(
            "SELECT s.sample, s.status, s.kpis, count(p.period) FROM samples s LEFT JOIN "
            "sample_periods p USING (run_id, sample) WHERE run_id = ? GROUP BY ALL",
            [run_id],
        ).fetchall()
    assert not complete
    assert 1 <= len(rows) < SAMPLES
    for sample, status, kpis, periods in rows:  # each whole: its row, KPIs and both periods
        assert status == "optimal" and "npv_rmb_m" in json.loads(kpis) and periods == 2, sample
    result = runner.invoke(app, [*command, "--resume"])
    assert result.exit_code == 0, result.output
    assert (out / "samples.csv").read_bytes() == (reference / "samples.csv").read_bytes()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run_id"] == run_id and summary["times"]["samples_run"] == SAMPLES - len(rows)
    again = runner.invoke(app, [*command, "--resume"])
    assert again.exit_code == 2 and "no unfinished sweep" in again.output


def test_sigterm_stops_like_ctrl_c_and_keeps_the_samples(project: Path) -> None:
    """SIGTERM (what a batch system sends; Ctrl-C takes the same path) ends with code 130,
    a message naming --resume, the finished samples in the store and no folder."""
    store, out = project / "term.duckdb", project / "term"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from capplan.cli import main; main()",
            "sweep",
            str(project / "model.yaml"),
            str(project / "mc.yaml"),
            "--workers",
            "1",
            "--store",
            str(store),
            "--out",
            str(out),
            "--commit-every",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(store)[0] == 0:
            assert proc.poll() is None and time.monotonic() < deadline, "no sample recorded"
            time.sleep(0.05)
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "--resume" in err and "Traceback" not in err
    n, _ = _count(store)
    assert 1 <= n < SAMPLES and not out.exists()


def test_the_store_lists_shows_and_queries_runs(project: Path, reference: Path) -> None:
    store = str(project / "runs.duckdb")
    listed = runner.invoke(app, ["runs", "list", "--store", store])
    assert listed.exit_code == 0 and "tiny-sweep-mc" in listed.output
    run_id = json.loads((reference / "summary.json").read_text())["run_id"]
    shown = runner.invoke(app, ["runs", "show", run_id, "--store", store])
    assert shown.exit_code == 0 and re.search(rf"optimal\s+{SAMPLES}\n", shown.output)
    query = f"SELECT count(*) AS n FROM samples WHERE run_id = '{run_id}'"
    counted = runner.invoke(app, ["runs", "sql", query, "--store", store])
    assert counted.exit_code == 0 and counted.output.split()[-1] == str(SAMPLES)
    bad = runner.invoke(app, ["runs", "sql", "SELEC 1", "--store", store])
    assert bad.exit_code == 2 and "QUERY" in bad.output
    same = runner.invoke(app, ["runs", "diff", run_id, run_id[:-2], "--store", store])
    assert same.exit_code == 0 and same.output.strip() == "no differences"
    missing = runner.invoke(app, ["runs", "show", "solve-nothing", "--store", store])
    assert missing.exit_code == 2 and "no run match" in missing.output


def test_a_bad_sweep_is_one_message_per_problem(project: Path, tmp_path: Path) -> None:
    spec = json.loads(json.dumps(MC))
    spec["parameters"][0]["scale"] = "demand"
    spec["parameters"][2]["distribution"]["value"] = "none"
    spec["parameters"][3]["distribution"] = {"kind": "gamma"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(InputError) as err:
        read_sweep(path)
    assert "parameters.3.distribution" in str(err.value) or "parameters[3]" in str(err.value)
    del spec["parameters"][3]
    path.write_text(yaml.safe_dump(spec))
    result = runner.invoke(
        app,
        [
            "sweep",
            str(project / "model.yaml"),
            str(path),
            "--workers",
            "1",
            "--store",
            str(tmp_path / "s.duckdb"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "parameters[0] (demand" in result.output and "unknown column of demand" in result.output
    assert "parameters[2] (cut" in result.output and "expected a number" in result.output
    assert not (tmp_path / "o").exists()
