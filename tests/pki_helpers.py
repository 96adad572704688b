"""Plain helpers for signature tests (no fixtures here, so importing this never clashes with pytest_plugins)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path


def run_pdfsig(pdf: Path, nssdir: Path, *extra: str) -> str:
    """pdfsig's report on `pdf` (run it while `pki_server` is up: pdfsig checks OCSP online)."""
    proc = subprocess.run(
        ["pdfsig", "-nssdir", str(nssdir), *extra, str(pdf)], capture_output=True, text=True, timeout=60
    )
    return proc.stdout + proc.stderr


def blank_pdf_bytes(pages: int = 1) -> bytes:
    """A minimal A4 PDF to sign when a test does not care about the content."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    for _ in range(pages):
        writer.insert_page(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Page"),
                    generic.NameObject("/MediaBox"): generic.ArrayObject(
                        [generic.NumberObject(v) for v in (0, 0, 595, 842)]
                    ),
                }
            )
        )
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
