"""DOCX/XLSX -> PDF (optionally PDF/A-2b) with long-lived headless LibreOffice workers.

Starting LibreOffice costs about a second per document, so `PdfConverter` keeps N workers alive (one per core
by default), each a small process under the system Python (which has LibreOffice's `uno` bindings) driving its
own soffice with its own user profile: profiles cannot be shared, and one soffice serialises its UNO calls.
A conversion that exceeds the timeout is treated as a hang: the worker's whole process group (worker, soffice,
soffice.bin) is killed, a fresh worker is started and the file is tried once more. Every process is stopped
when the converter closes (context manager, and atexit as a last resort).

    with PdfConverter() as conv:
        conv.convert(Path("ke-hoach.docx"), Path("ke-hoach.pdf"), pdfa=True)
        conv.convert_many([(docx, pdf) for docx, pdf in pairs])
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from letters.core.errors import ToolMissingError, VanbanError
from letters.core.files import atomic_path, check_writable
from letters.core.progress import Progress
from letters.core.vn import number

log = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
SUPPORTED_SUFFIXES = {".docx", ".doc", ".odt", ".rtf", ".xlsx", ".xls", ".ods"}
DEFAULT_TIMEOUT = 120.0
DEFAULT_START_TIMEOUT = 120.0

_INSTALL_HINT = (
    "Cài đặt LibreOffice: sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui python3-uno "
    "(hoặc chạy scripts/install_system.sh). Nếu LibreOffice nằm ở chỗ khác, đặt biến môi trường VANBAN_SOFFICE."
)


class ConversionHung(Exception):
    """Internal: a worker did not answer in time (it has been killed)."""


class WorkerDied(Exception):
    """Internal: a worker exited or broke the protocol (it has been killed)."""


def find_soffice() -> str:
    """Path of LibreOffice's `soffice` (env VANBAN_SOFFICE, then PATH), or a Vietnamese ToolMissingError."""
    override = os.environ.get("VANBAN_SOFFICE")
    if override:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return override
        raise ToolMissingError(
            f"VANBAN_SOFFICE trỏ tới «{override}», nhưng không có chương trình đó.", hint=_INSTALL_HINT
        )
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissingError(
        "Không tìm thấy LibreOffice (lệnh soffice) để chuyển văn bản sang PDF.", hint=_INSTALL_HINT
    )


_uno_python_cache: dict[str, str] = {}


def find_uno_python() -> str:
    """A Python interpreter that can `import uno` (env VANBAN_UNO_PYTHON, else the system python3)."""
    candidates = [os.environ["VANBAN_UNO_PYTHON"]] if os.environ.get("VANBAN_UNO_PYTHON") else []
    candidates += ["/usr/bin/python3", "/usr/local/bin/python3"]
    for cand in candidates:
        if cand in _uno_python_cache:
            return _uno_python_cache[cand]
        if not Path(cand).is_file():
            continue
        ok = subprocess.run([cand, "-c", "import uno"], capture_output=True, timeout=60).returncode == 0
        if ok:
            _uno_python_cache[cand] = cand
            return cand
    raise ToolMissingError(
        "Không tìm thấy thư viện Python của LibreOffice (uno) để điều khiển LibreOffice.",
        hint="Cài đặt: sudo apt-get install python3-uno (hoặc chạy scripts/install_system.sh).",
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _group_pids(pgid: int) -> list[int]:
    """Live processes of a process group, read from /proc (zombies excluded)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry))
    return out


class _Worker:
    """One pdf_worker.py process (and its soffice), in its own process group."""

    _ids = itertools.count(1)

    def __init__(self, python: str, soffice: str, start_timeout: float) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="vanban-lo-"))
        self.log_path = self.profile / "worker.log"
        self._log = self.log_path.open("wb")
        pipe = f"vanban-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {**os.environ, "VANBAN_SOFFICE_START_TIMEOUT": str(start_timeout)}
        # The system python must not pick up the venv's packages (different Python version, no uno).
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(var, None)
        self.proc = subprocess.Popen(
            [
                python,
                str(WORKER_SCRIPT),
                "--soffice",
                soffice,
                "--profile",
                str(self.profile / "user"),
                "--pipe",
                pipe,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            start_new_session=True,  # own process group: one killpg ends worker, soffice and soffice.bin
        )
        self.pgid = self.proc.pid
        self.jobs = 0
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=f"vanban-pdf-reader-{self.pgid}", daemon=True)
        self._reader.start()
        try:
            hello = self._receive(start_timeout + 10)
        except ConversionHung as exc:
            self.kill()
            raise VanbanError(
                f"LibreOffice không khởi động được trong {start_timeout:.0f} giây.", hint=_INSTALL_HINT
            ) from exc
        except WorkerDied as exc:
            self.kill()
            raise VanbanError(f"LibreOffice không khởi động được: {exc}", hint=_INSTALL_HINT) from exc
        if not hello.get("ready"):
            self.kill()
            raise VanbanError(f"LibreOffice không khởi động được: {hello.get('error')}", hint=_INSTALL_HINT)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(raw.decode("utf-8", errors="replace"))
        self._lines.put(None)

    def _receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise ConversionHung() from None
        if line is None:
            raise WorkerDied(self._log_tail())
        try:
            return json.loads(line)
        except ValueError:
            raise WorkerDied(f"unexpected output {line!r}") from None

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace").strip()[-500:]
        except OSError:
            return ""

    def request(self, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        rid = next(self._ids)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({**payload, "id": rid}) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise WorkerDied(str(exc)) from exc
        try:
            reply = self._receive(timeout)
        except (ConversionHung, WorkerDied):
            self.kill()
            raise
        if reply.get("id") != rid:
            self.kill()
            raise WorkerDied(f"reply for request {reply.get('id')} instead of {rid}")
        self.jobs += 1
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Polite stop (soffice saves nothing: documents are opened read-only), then make sure."""
        if self.alive() and self.proc.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.write(b'{"op": "quit"}\n')
                self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=15)
        self.kill()

    def kill(self) -> None:
        _kill_group(self.pgid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        # soffice.bin is reparented when the worker dies; wait until the group is really empty.
        deadline = time.monotonic() + 10
        while _group_pids(self.pgid) and time.monotonic() < deadline:
            _kill_group(self.pgid)
            time.sleep(0.05)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._reader.join(timeout=5)
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


_live_converters: weakref.WeakSet[PdfConverter] = weakref.WeakSet()


@atexit.register
def _close_all_converters() -> None:
    for conv in list(_live_converters):
        conv.close()


class PdfConverter:
    """A pool of LibreOffice workers converting office documents to PDF. Use as a context manager.

    workers: number of parallel LibreOffice instances (default: CPU cores). Workers start lazily.
    timeout: seconds one document may take before it counts as hung (killed, retried once).
    recycle_after: a worker is replaced after this many documents, so LibreOffice's memory cannot creep.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        soffice: str | None = None,
        recycle_after: int = 500,
    ) -> None:
        self.soffice = soffice or find_soffice()
        if not (Path(self.soffice).is_file() or shutil.which(self.soffice)):
            raise ToolMissingError(f"Không tìm thấy LibreOffice tại «{self.soffice}».", hint=_INSTALL_HINT)
        self.python = find_uno_python()
        self.size = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.recycle_after = recycle_after
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._idle.put(None)  # a free slot; the worker is started on first use
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0  # how many hung or crashed workers were replaced (for tests and benchmarks)
        self._debug_hang: dict[Path, int] = {}  # test hook: src -> number of attempts to hang
        _live_converters.add(self)

    # -- lifecycle --------------------------------------------------------------------------------------
    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.close()
        _live_converters.discard(self)

    def process_groups(self) -> list[int]:
        """Process-group ids of the running workers (each holds one soffice)."""
        with self._lock:
            return [w.pgid for w in self._all if w.alive()]

    def profile_dirs(self) -> list[Path]:
        """Private LibreOffice profile directories of the running workers (removed when they stop)."""
        with self._lock:
            return [w.profile for w in self._all if w.alive()]

    # -- worker pool --------------------------------------------------------------------------------------
    def _start_worker(self) -> _Worker:
        worker = _Worker(self.python, self.soffice, self.start_timeout)
        with self._lock:
            if self._closed:
                worker.close()
                raise VanbanError("Bộ chuyển PDF đã đóng.")
            self._all.add(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)

    @contextlib.contextmanager
    def _slot(self) -> Any:
        if self._closed:
            raise VanbanError("Bộ chuyển PDF đã đóng.")
        holder: list[_Worker | None] = [self._idle.get()]
        try:
            yield holder
        finally:
            worker = holder[0]
            if worker is not None and worker.alive() and worker.jobs >= self.recycle_after:
                self._forget(worker)
                worker.close()
            self._idle.put(worker if worker is not None and worker.alive() else None)

    def _run(self, holder: list[_Worker | None], payload: dict[str, Any], src: Path) -> dict[str, Any]:
        """Send one request, replacing a hung or dead worker and retrying once."""
        last_error = ""
        for attempt in (1, 2):
            worker = holder[0]
            if worker is None or not worker.alive():
                worker = holder[0] = self._start_worker()
            request = dict(payload)
            if self._debug_hang.get(src, 0) > 0:
                self._debug_hang[src] -= 1
                request["debug_hang"] = True
            try:
                return worker.request(request, self.timeout)
            except ConversionHung:
                last_error = f"quá {number(self.timeout)} giây không xong"
            except WorkerDied as exc:
                last_error = f"LibreOffice dừng đột ngột ({exc})" if str(exc) else "LibreOffice dừng đột ngột"
            self._forget(worker)
            holder[0] = None
            self.restarts += 1
            if attempt == 2:
                break
        raise VanbanError(
            f"LibreOffice bị treo hoặc lỗi khi xử lý tệp {src}: {last_error}; đã khởi động lại và thử lại "
            "1 lần nhưng vẫn không được.",
            hint="Mở tệp bằng LibreOffice/Word để kiểm tra tệp có hỏng không, rồi chạy lại.",
        )

    # -- public operations ----------------------------------------------------------------------------
    def convert(self, src: Path, dst: Path, *, pdfa: bool = False, force: bool = False) -> Path:
        """Convert one DOCX/XLSX (or ODT/ODS/DOC/XLS/RTF) file to PDF; PDF/A-2b when `pdfa`."""
        src, dst = Path(src), Path(dst)
        _check_source(src)
        log.debug("converting %s to %s%s", src, dst, " (PDF/A-2b)" if pdfa else "")
        with self._slot() as holder, atomic_path(dst, force=force) as tmp:
            reply = self._run(
                holder,
                {"op": "convert", "src": str(src.resolve()), "dst": str(tmp.resolve()), "pdfa": pdfa},
                src,
            )
            if not reply.get("ok"):
                raise _failure(src, "chuyển sang PDF", reply)
            if tmp.stat().st_size == 0:
                raise VanbanError(f"LibreOffice tạo ra tệp PDF rỗng khi chuyển {src}.")
        return dst

    def convert_many(
        self,
        pairs: Iterable[tuple[Path, Path]],
        *,
        pdfa: bool = False,
        force: bool = False,
        progress: Progress | None = None,
    ) -> list[Path]:
        """Convert many files in parallel across the workers. Returns the outputs in input order.

        Every file is attempted; if some fail, one VanbanError lists all of them (the others are written).
        `progress` is told (files done, total) after each file.
        """
        items = [(Path(s), Path(d)) for s, d in pairs]
        for src, dst in items:  # fail before any work if an input is missing or an output would be clobbered
            _check_source(src)
            check_writable(dst, force)
        if len({d.resolve() for _, d in items}) != len(items):
            raise VanbanError("Danh sách chuyển PDF có hai tệp đích trùng nhau.")
        errors: list[str] = []
        done = [0]
        lock = threading.Lock()

        def one(item: tuple[Path, Path]) -> Path | None:
            try:
                return self.convert(item[0], item[1], pdfa=pdfa, force=force)
            except VanbanError as exc:
                errors.append(str(exc))
                return None
            finally:
                if progress is not None:
                    with lock:
                        done[0] += 1
                        progress(done[0], len(items))

        with ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="vanban-pdf") as pool:
            results = list(pool.map(one, items))
        if errors:
            raise VanbanError(
                f"{len(errors)}/{len(items)} tệp không chuyển được sang PDF:\n" + "\n".join(errors)
            )
        return [r for r in results if r is not None]

    def recalculate_xlsx(self, src: Path, dst: Path, *, force: bool = False) -> Path:
        """Open an XLSX in LibreOffice Calc, recalculate every formula, save the cached values to `dst`."""
        src, dst = Path(src), Path(dst)
        _check_source(src)
        if src.suffix.lower() not in {".xlsx", ".xls", ".ods"}:
            raise VanbanError(f"Tệp {src} không phải bảng tính (.xlsx).")
        with self._slot() as holder, atomic_path(dst, force=force) as tmp:
            reply = self._run(
                holder, {"op": "recalc", "src": str(src.resolve()), "dst": str(tmp.resolve())}, src
            )
            if not reply.get("ok"):
                raise _failure(src, "tính lại công thức", reply)
        return dst


def _failure(src: Path, action: str, reply: dict[str, Any]) -> VanbanError:
    if reply.get("kind") == "open":
        return VanbanError(
            f"Không {action} được tệp {src}: LibreOffice không mở được tệp (tệp hỏng hoặc sai định dạng).",
            hint="Thử mở tệp bằng Word hoặc LibreOffice; nếu mở được, lưu lại thành .docx/.xlsx rồi chạy lại.",
        )
    return VanbanError(
        f"Không {action} được tệp {src}: LibreOffice báo lỗi (chi tiết kỹ thuật: {reply.get('error')}).",
        hint="Chạy lại với --verbose và gửi thông báo này cho nhóm phát triển nếu lỗi lặp lại.",
    )


def _check_source(src: Path) -> None:
    if not src.is_file():
        raise VanbanError(f"Không tìm thấy tệp cần chuyển: {src}")
    if src.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise VanbanError(
            f"Không chuyển được {src} sang PDF: chỉ hỗ trợ tệp {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )


_shared: PdfConverter | None = None
_shared_lock = threading.Lock()


def shared_converter() -> PdfConverter:
    """A process-wide converter (one worker per core), started on first use and closed at exit.

    For callers that convert now and then (CLI commands, tests) and should not pay LibreOffice's start-up
    each time; use a `with PdfConverter()` block when the lifetime is known.
    """
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed:
            _shared = PdfConverter()
        return _shared


def convert_to_pdf(src: Path, dst: Path, *, pdfa: bool = False, force: bool = False) -> Path:
    """Convert one file with a short-lived single-worker converter (use PdfConverter for many files)."""
    with PdfConverter(workers=1) as conv:
        return conv.convert(src, dst, pdfa=pdfa, force=force)


def convert_files(
    pairs: Sequence[tuple[Path, Path]],
    *,
    pdfa: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Convert several files with a converter sized to the job (never more workers than files)."""
    if not pairs:
        return []
    size = min(len(pairs), workers or os.cpu_count() or 1)
    log.info("converting %d files to PDF with %d LibreOffice workers", len(pairs), size)
    with PdfConverter(workers=size) as conv:
        return conv.convert_many(pairs, pdfa=pdfa, force=force, progress=progress)


def recalculate_xlsx(src: Path, dst: Path, *, force: bool = False) -> Path:
    """Recalculate all formulas of an XLSX with LibreOffice Calc and save the result (values cached) to `dst`."""
    with PdfConverter(workers=1) as conv:
        return conv.recalculate_xlsx(src, dst, force=force)
