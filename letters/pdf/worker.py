"""One LibreOffice conversion worker, run under the system Python that has LibreOffice's `uno` module.

Started by `letters.pdf` as `python3 pdf_worker.py --profile DIR --pipe NAME --soffice PATH` in its own process
group; it starts its own headless soffice (private user profile, UNO over a named pipe) and then serves one
JSON request per stdin line, answering one JSON line on stdout:

  {"id": 1, "op": "convert", "src": "/a.docx", "dst": "/a.pdf", "pdfa": false}  -> {"id": 1, "ok": true}
  {"id": 2, "op": "recalc", "src": "/f.xlsx", "dst": "/g.xlsx"}                -> {"id": 2, "ok": true}
  {"id": 3, "op": "quit"}
Errors come back as {"id": n, "ok": false, "error": "..."}. On stdin EOF (parent gone) it stops soffice and exits.

Deliberately stdlib + uno only: it must not import vanban, whose dependencies live in a virtualenv.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

WRITER_SUFFIXES = {".docx", ".doc", ".odt", ".rtf"}
CALC_SUFFIXES = {".xlsx", ".xls", ".ods"}
# Explicit import filters skip LibreOffice's type detection (faster, and no guessing on odd files).
IMPORT_FILTERS = {".docx": "MS Word 2007 XML", ".xlsx": "Calc MS Excel 2007 XML"}


class OpenFailed(RuntimeError):
    """LibreOffice could not load the input (damaged file or wrong format)."""


def _props(**kwargs: Any) -> tuple[PropertyValue, ...]:
    out = []
    for name, value in kwargs.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _url(path: str) -> str:
    return uno.systemPathToFileUrl(os.path.abspath(path))


class Worker:
    def __init__(self, soffice: str, profile: str, pipe: str, log: Any) -> None:
        self.pipe = pipe
        self.proc = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={_url(profile)}",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                "--nofirststartwizard",
                f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        self.desktop = self._connect(timeout=float(os.environ.get("VANBAN_SOFFICE_START_TIMEOUT", "120")))

    def _connect(self, timeout: float) -> Any:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + timeout
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            except NoConnectException:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"soffice exited with code {self.proc.returncode} during start-up"
                    ) from None
                if time.monotonic() > deadline:
                    raise RuntimeError("soffice did not accept UNO connections in time") from None
                time.sleep(0.1)

    def _load(self, src: str, *, read_only: bool) -> Any:
        suffix = os.path.splitext(src)[1].lower()
        args: dict[str, Any] = {
            "Hidden": True,
            "ReadOnly": read_only,
            "MacroExecutionMode": 0,
            "UpdateDocMode": 0,
        }
        if suffix in IMPORT_FILTERS:
            args["FilterName"] = IMPORT_FILTERS[suffix]
        try:
            doc = self.desktop.loadComponentFromURL(_url(src), "_blank", 0, _props(**args))
        except Exception as exc:  # noqa: BLE001 - UNO raises IOException / IllegalArgumentException here
            raise OpenFailed(f"{type(exc).__name__}: {exc}") from exc
        if doc is None:
            raise OpenFailed("LibreOffice could not open the file")
        return doc

    @staticmethod
    def _close(doc: Any) -> None:
        try:
            doc.close(True)
        except Exception:  # noqa: BLE001 - a veto must not keep the document (and its memory) alive
            doc.dispose()

    def convert(self, src: str, dst: str, pdfa: bool) -> None:
        suffix = os.path.splitext(src)[1].lower()
        if suffix in WRITER_SUFFIXES:
            export = "writer_pdf_Export"
        elif suffix in CALC_SUFFIXES:
            export = "calc_pdf_Export"
        else:
            raise RuntimeError(f"unsupported input type {suffix}")
        doc = self._load(src, read_only=True)
        try:
            filter_data = _props(
                SelectPdfVersion=2 if pdfa else 0,
                EmbedStandardFonts=True,
                UseTaggedPDF=bool(pdfa),
                ExportFormFields=False,
                ExportBookmarks=True,
            )
            doc.storeToURL(
                _url(dst),
                _props(
                    FilterName=export,
                    Overwrite=True,
                    FilterData=uno.Any("[]com.sun.star.beans.PropertyValue", filter_data),
                ),
            )
        finally:
            self._close(doc)

    def recalc(self, src: str, dst: str) -> None:
        doc = self._load(src, read_only=False)
        try:
            doc.calculateAll()
            doc.storeToURL(_url(dst), _props(FilterName="Calc MS Excel 2007 XML", Overwrite=True))
        finally:
            self._close(doc)

    def freeze_soffice(self) -> None:
        """Test hook: stop every soffice process of this worker, so the next UNO call really hangs."""
        for pid in _group_members():
            os.kill(pid, signal.SIGSTOP)

    def stop(self) -> None:
        try:
            self.desktop.terminate()
        except Exception:  # noqa: BLE001 - soffice may already be gone; we kill it below anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for pid in _group_members():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _group_members() -> list[int]:
    """Other processes in this worker's process group (soffice and its soffice.bin child)."""
    me, group = os.getpid(), os.getpgrp()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == group and fields[0] != "Z":
            out.append(int(entry))
    return out


def _watch_parent(parent: int) -> None:
    """If vanban dies (even by SIGKILL, or while LibreOffice hangs), take soffice and this worker down too."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.killpg(0, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--pipe", required=True)
    opts = parser.parse_args()
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()

    # The protocol owns the real stdout; anything else that prints (soffice, uno) goes to stderr.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)

    def reply(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj, ensure_ascii=False) + "\n")
        proto.flush()

    try:
        worker = Worker(opts.soffice, opts.profile, opts.pipe, sys.stderr)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which turns it into a Vietnamese error
        reply({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        for pid in _group_members():
            os.kill(pid, signal.SIGKILL)
        return 1
    reply({"ready": True, "pid": os.getpid(), "soffice_pid": worker.proc.pid})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            req = json.loads(line)
            rid = req.get("id")
            op = req.get("op")
            if op == "quit":
                break
            try:
                if req.get("debug_hang"):
                    worker.freeze_soffice()
                if op == "convert":
                    worker.convert(req["src"], req["dst"], bool(req.get("pdfa")))
                elif op == "recalc":
                    worker.recalc(req["src"], req["dst"])
                else:
                    raise RuntimeError(f"unknown op {op!r}")
                reply({"id": rid, "ok": True})
            except Exception as exc:  # noqa: BLE001 - one bad document must not kill the worker
                kind = "open" if isinstance(exc, OpenFailed) else "other"
                reply({"id": rid, "ok": False, "kind": kind, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
