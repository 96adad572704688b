"""Many documents, one key, every core: the per-document work of signing and issuing spread over processes.

Signing one notice costs tens of milliseconds of pure Python (parsing, placing the image, the CMS), so a batch
of 250 is CPU-bound. With a PKCS#12 key each worker process loads the key once and signs its share; a PKCS#11
token has one session and cannot be shared between processes, so token batches stay in one process. Nothing is
written by the workers: they return the signed bytes and the caller writes all files or none.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from letters.core.errors import portable_errors
from signing.sign.keys import KeySpec, Pkcs12Key
from signing.sign.signer import SigningTools, SignRequest, open_signer

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many documents a pool costs more (start-up, key loading per process) than it saves.
MIN_PARALLEL = 8

_tools: SigningTools | None = None


def worker_count(key: KeySpec, documents: int, workers: int | None = None) -> int:
    if not isinstance(key, Pkcs12Key) or documents < MIN_PARALLEL:
        return 1
    wanted = workers if workers is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, documents // (MIN_PARALLEL // 2)))


def _start(key: KeySpec, request: SignRequest) -> None:
    global _tools
    # A PKCS#12 signer holds no session to close: it lives as long as the worker.
    signer = open_signer(key).__enter__()
    _tools = SigningTools.for_request(signer, request)


def _run(work: Callable[[SigningTools, Any], Any], item: Any) -> Any:
    assert _tools is not None
    with portable_errors():
        return work(_tools, item)


def _context() -> Any:
    # fork: the workers inherit the loaded modules (pyHanko takes a second to import) and the key's bytes.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def map_documents(
    key: KeySpec,
    request: SignRequest,
    work: Callable[[SigningTools, T], R],
    items: Sequence[T],
    *,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """`work(tools, item)` for every item in `workers` processes, results in input order.

    `work` must be a module-level function. The first failure (by input order among those that failed)
    is raised once every running task has stopped; the others are cancelled.
    """
    total = len(items)
    with ProcessPoolExecutor(
        workers, mp_context=_context(), initializer=_start, initargs=(key, request)
    ) as pool:
        futures: list[Future[R]] = [pool.submit(_run, work, item) for item in items]
        done_count = 0
        pending: set[Future[R]] = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            done_count += len(done)
            if progress is not None:
                progress(done_count, total)
            failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed:
                for f in pending:
                    f.cancel()
                raise failed[0].exception()  # type: ignore[misc]
    return [f.result() for f in futures]


def sign_job(tools: SigningTools, job: tuple[bytes, str, SignRequest]) -> Any:
    """One document to sign, in a worker process (see `map_documents`)."""
    from signing.sign.signer import sign_pdf_bytes

    data, source, request = job
    return sign_pdf_bytes(data, tools, request, source=source)
