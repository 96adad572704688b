"""Run file checks in worker processes, each file under a wall-clock timeout and an address-space cap.

A worker that times out is killed; one that dies (memory cap, crash in a C extension) is replaced. Either
way that file gets an INDETERMINATE verdict with the reason and the batch goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from letters.core.vn import number
from signing.verify.checks import Verifier, VerifierSetup, failure_result
from signing.verify.model import FileResult

Task = tuple[int, Path, str, str]  # index, path on disk, display name, unit


def _address_space_now() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _worker_main(conn: Connection, setup: VerifierSetup, memory_mb: int) -> None:
    # The cap is relative to what the interpreter and libraries already map, so it bounds what one file
    # can make the checker allocate rather than the size of the Python runtime.
    limit = _address_space_now() + memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
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
            try:
                result = verifier.verify(path, display, unit)
            except MemoryError:
                conn.send(("memory", index, None))
                return  # the heap may be in a poor state: let the parent start a fresh worker
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


def run_pool(
    tasks: list[Task],
    setup: VerifierSetup,
    *,
    jobs: int,
    timeout: float,
    memory_mb: int,
    on_result: Callable[[int, FileResult], None] | None = None,
) -> dict[int, FileResult]:
    """Check every task; returns index → result. `jobs` ≤ 0 runs in this process without limits."""
    results: dict[int, FileResult] = {}
    policy = setup.policy

    def record(index: int, result: FileResult) -> None:
        results[index] = result
        if on_result:
            on_result(index, result)

    if jobs <= 0:
        verifier = Verifier(setup)
        try:
            for index, path, display, unit in tasks:
                start = time.monotonic()
                try:
                    res = verifier.verify(path, display, unit)
                except MemoryError:
                    res = failure_result(
                        display,
                        unit,
                        "Kiểm tra tệp vượt giới hạn bộ nhớ; chưa xác định được tính hợp lệ.",
                        policy,
                        _size(path),
                    )
                res.seconds = round(time.monotonic() - start, 3)
                record(index, res)
        finally:
            verifier.close()
        return results

    ctx = _context()
    pending: deque[Task] = deque(tasks)
    workers: list[_Worker] = []

    def spawn() -> _Worker:
        parent_conn, child_conn = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, args=(child_conn, setup, memory_mb), daemon=True)
        proc.start()
        child_conn.close()
        return _Worker(proc, parent_conn)

    def retire(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()

    try:
        for _ in range(min(jobs, len(tasks))):
            workers.append(spawn())
        while pending or any(w.task for w in workers):
            for w in workers:
                if w.task is None and pending:
                    w.task = pending.popleft()
                    w.deadline = time.monotonic() + timeout
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
                        retire(w)
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
                        workers[i] = spawn()
                        continue
                    if kind == "ok":
                        record(got_index, FileResult.from_dict(payload))
                        w.task = None
                    else:
                        retire(w)
                        record(
                            index,
                            failure_result(
                                display,
                                unit,
                                f"Kiểm tra tệp vượt giới hạn bộ nhớ ({memory_mb} MB); chưa xác định được tính hợp lệ.",
                                policy,
                                size,
                            ),
                        )
                        workers[i] = spawn()
                elif time.monotonic() >= w.deadline:
                    retire(w)
                    record(
                        index,
                        failure_result(
                            display,
                            unit,
                            f"Kiểm tra tệp vượt quá thời gian cho phép ({number(timeout)} giây); chưa xác định được tính "
                            "hợp lệ.",
                            policy,
                            size,
                        ),
                    )
                    workers[i] = spawn()
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for w in workers:
            w.process.join(timeout=2)
            retire(w)
    return results


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
