"""Run requests in this process or on Dask, with one retry; yield rows as they finish.

``workers == 1`` and no scheduler: in this process, no Dask.  Otherwise a Dask client:
``scheduler`` (an address such as ``tcp://127.0.0.1:8786``) reaches an existing cluster,
else a :class:`distributed.LocalCluster` of ``workers`` processes with one thread each
(HiGHS runs single-threaded: ``threads=1`` in every request).  Calls go through
``client.map(..., pure=False)`` so equal requests are never merged.  A request that raises
is submitted once more; a second failure becomes a ``failed`` row with the reason.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from capplan.sweep.worker import Request, run_request

RETRIES = 1


def failed_row(req: Request, exc: BaseException, attempts: int) -> dict[str, Any]:
    reason = f"{type(exc).__name__}: {exc}".strip()
    return {"sample": req.sample, "status": "failed", "reason": reason, "attempts": attempts}


def in_process(requests: Sequence[Request]) -> Iterator[dict[str, Any]]:
    """Each request here, in order; a request that raises is tried once more."""
    for req in requests:
        for attempt in range(1, RETRIES + 2):
            try:
                row = run_request(req)
            except Exception as exc:
                if os.environ.get("CAPPLAN_DEBUG"):
                    traceback.print_exc()
                if attempt > RETRIES:
                    yield failed_row(req, exc, attempt)
                continue
            row["attempts"] = attempt
            yield row
            break


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client on ``scheduler``, or on a local cluster of ``workers`` processes."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler, timeout="20s")
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # a free port: no clash with another cluster
        silence_logs=50,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def on_dask(client: Any, requests: Sequence[Request]) -> Iterator[dict[str, Any]]:
    """Every request on the client's cluster, rows in the order they finish."""
    from distributed import as_completed

    if not requests:
        return
    futures = client.map(run_request, list(requests), pure=False)
    owner = {f.key: (req, 1) for f, req in zip(futures, requests, strict=True)}
    pending = as_completed(futures)
    try:
        for future in pending:
            req, attempt = owner.pop(future.key)
            if future.status == "finished":
                row = future.result()
                row["attempts"] = attempt
                yield row
                continue
            exc = future.exception()
            if attempt > RETRIES:
                yield failed_row(req, exc, attempt)
                continue
            again = client.submit(run_request, req, pure=False)
            owner[again.key] = (req, attempt + 1)
            futures.append(again)
            pending.add(again)
    finally:  # one message for all (a cancel per future is a round trip each)
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left, force=True)


@contextmanager
def term_as_interrupt() -> Iterator[None]:
    """SIGTERM (a batch system stopping the job) stops the sweep as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
