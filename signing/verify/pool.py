"""Run file checks in worker processes, each file under a wall-clock timeout and an address-space ceiling.

A worker that times out is killed; one that dies (memory ceiling, crash in a C extension) is replaced.
Either way that file gets an INDETERMINATE verdict with the reason and the batch goes on.

Each worker has a hard cap (the policy's memory_mb) and, per file, a lower ceiling that grows with the
file's size: a small hostile file (thousands of fields, object-stream bombs) is stopped long before the
cap, while a large scanned PDF still gets the memory it legitimately needs.

Workers live as long as the pool, so evidence arriving in batches (one archive at a time) keeps the
processes and their revocation caches.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import resource
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any

from letters.core.vn import number
from signing.verify.checks import Verifier, VerifierSetup, failure_result
from signing.verify.model import FileResult

Task = tuple[int, Path, str, str]  # index, path on disk, display name, unit

MB = 1024 * 1024
# Per-file ceiling above what the worker already maps: a fixed part for parsing, validation and network
# buffers, plus a multiple of the file's size (pyHanko keeps revisions and decoded streams in memory).
_BASE_ALLOWANCE = 384 * MB
_PER_FILE_BYTE = 8


def file_ceiling(size: int, memory_mb: int) -> int:
    """Bytes of address space one file may add, never above the policy's cap."""
    return min(memory_mb * MB, _BASE_ALLOWANCE + _PER_FILE_BYTE * max(size, 0))


def _address_space_now() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _one_malloc_arena() -> None:
    # glibc reserves 64 MB of address space per thread arena; the resolver threads aiohttp starts would
    # otherwise count hundreds of MB against a file's ceiling without using them.
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 1)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def _set_soft_limit(soft: int, hard: int) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (min(soft, hard), hard))
    except (ValueError, OSError):
        pass


def _worker_main(conn: Connection, setup: VerifierSetup, memory_mb: int) -> None:
    _one_malloc_arena()
    # The cap is relative to what the interpreter and libraries already map, so it bounds what one file
    # can make the checker allocate rather than the size of the Python runtime.
    hard = _address_space_now() + memory_mb * MB
    _set_soft_limit(hard, hard)
    verifier = Verifier(setup)
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            index, path, display, unit = task
            start = time.monotonic()
            ceiling = file_ceiling(_size(path) or 0, memory_mb)
            _set_soft_limit(_address_space_now() + ceiling, hard)
            try:
                result = verifier.verify(path, display, unit)
            except MemoryError:
                conn.send(("memory", index, ceiling // MB))
                return  # the heap may be in a poor state: let the parent start a fresh worker
            finally:
                _set_soft_limit(hard, hard)
            result.seconds = round(time.monotonic() - start, 3)
            result.peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                payload = result.to_dict()
            except Exception as exc:  # noqa: BLE001 - report instead of dying silently
                payload = failure_result(
                    display, unit, f"Lỗi nội bộ khi lập kết quả ({type(exc).__name__}).", setup.policy
                ).to_dict()
            conn.send(("ok", index, payload))
    finally:
        try:
            verifier.close()
        except Exception:  # noqa: BLE001 - shutting down anyway
            pass


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Task | None = None
    deadline: float = 0.0


def _context() -> Any:
    # fork, not spawn/forkserver: those re-import the caller's __main__ in each worker, which breaks any
    # script without a __main__ guard; the forked worker only runs the checker and exits.
    return mp.get_context("fork")


class CheckPool:
    """Worker processes that check files; `jobs` ≤ 0 checks in this process, without time or memory limits."""

    def __init__(self, setup: VerifierSetup, *, jobs: int, timeout: float, memory_mb: int) -> None:
        self.setup = setup
        self.jobs = jobs
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._ctx = _context()
        self._workers: list[_Worker] = []
        self._local: Verifier | None = None

    def __enter__(self) -> CheckPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        for w in self._workers:
            try:
                w.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for w in self._workers:
            w.process.join(timeout=2)
            self._retire(w)
        self._workers = []

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(child_conn, self.setup, self.memory_mb), daemon=True
        )
        proc.start()
        child_conn.close()
        return _Worker(proc, parent_conn)

    @staticmethod
    def _retire(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    def run(
        self, tasks: list[Task], on_result: Callable[[int, FileResult], None] | None = None
    ) -> dict[int, FileResult]:
        """Check every task; returns index → result."""
        results: dict[int, FileResult] = {}

        def record(index: int, result: FileResult) -> None:
            results[index] = result
            if on_result:
                on_result(index, result)

        if self.jobs <= 0:
            self._run_here(tasks, record)
        elif tasks:
            self._run_workers(tasks, record)
        return results

    def _run_here(self, tasks: list[Task], record: Callable[[int, FileResult], None]) -> None:
        if self._local is None:
            self._local = Verifier(self.setup)
        for index, path, display, unit in tasks:
            start = time.monotonic()
            try:
                res = self._local.verify(path, display, unit)
            except MemoryError:
                res = failure_result(
                    display,
                    unit,
                    "Kiểm tra tệp vượt giới hạn bộ nhớ; chưa xác định được tính hợp lệ.",
                    self.setup.policy,
                    _size(path),
                )
            res.seconds = round(time.monotonic() - start, 3)
            record(index, res)

    def _run_workers(self, tasks: list[Task], record: Callable[[int, FileResult], None]) -> None:
        policy = self.setup.policy
        pending: deque[Task] = deque(tasks)
        workers = self._workers
        while len(workers) < min(self.jobs, len(tasks)):
            workers.append(self._spawn())
        while pending or any(w.task for w in workers):
            for w in workers:
                if w.task is None and pending:
                    w.task = pending.popleft()
                    w.deadline = time.monotonic() + self.timeout
                    try:
                        w.conn.send(w.task)
                    except (BrokenPipeError, OSError):
                        pass  # noticed below as a dead worker
            busy = [w for w in workers if w.task]
            if not busy:
                break
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=wait_for)
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                index, path, display, unit = w.task
                size = _size(path)
                if w.conn in ready:
                    try:
                        kind, got_index, payload = w.conn.recv()
                    except (EOFError, OSError):
                        code = w.process.exitcode
                        self._retire(w)
                        record(
                            index,
                            failure_result(
                                display,
                                unit,
                                "Tiến trình kiểm tra tệp này dừng bất thường"
                                + (f" (mã {code})" if code is not None else "")
                                + "; có thể tệp làm vượt giới hạn bộ nhớ. Chưa xác định được tính hợp lệ.",
                                policy,
                                size,
                            ),
                        )
                        workers[i] = self._spawn()
                        continue
                    if kind == "ok":
                        record(got_index, FileResult.from_dict(payload))
                        w.task = None
                    else:
                        self._retire(w)
                        record(
                            index,
                            failure_result(
                                display,
                                unit,
                                f"Kiểm tra tệp vượt giới hạn bộ nhớ ({number(payload)} MB cho tệp này); chưa xác "
                                "định được tính hợp lệ. Tệp nhỏ mà cần nhiều bộ nhớ như vậy thường là tệp có cấu "
                                "trúc bất thường.",
                                policy,
                                size,
                            ),
                        )
                        workers[i] = self._spawn()
                elif time.monotonic() >= w.deadline:
                    self._retire(w)
                    record(
                        index,
                        failure_result(
                            display,
                            unit,
                            f"Kiểm tra tệp vượt quá thời gian cho phép ({number(self.timeout)} giây); chưa xác định "
                            "được tính hợp lệ.",
                            policy,
                            size,
                        ),
                    )
                    workers[i] = self._spawn()


def run_pool(
    tasks: list[Task],
    setup: VerifierSetup,
    *,
    jobs: int,
    timeout: float,
    memory_mb: int,
    on_result: Callable[[int, FileResult], None] | None = None,
) -> dict[int, FileResult]:
    """Check every task with a pool used once; returns index → result."""
    with CheckPool(setup, jobs=jobs, timeout=timeout, memory_mb=memory_mb) as pool:
        return pool.run(tasks, on_result)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
