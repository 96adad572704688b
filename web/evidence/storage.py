"""Uploaded files: checked by their content (not their name), limited in size, stored byte for byte with their
SHA-256 and never rewritten. Shared by the evidence and results apps.

A refused upload raises `UploadRefused` with a Vietnamese message before anything is kept: the file is streamed
into a temporary file beside its final place and linked into place only when every check passed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

from letters.core.files import file_mode, make_dirs

CHUNK = 1 << 16
HEAD = 1024


class UploadRefused(Exception):
    """An upload that is not kept; the message says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    path: Path
    size: int
    sha256: str

    @property
    def relative(self) -> str:
        return relative_to_files(self.path)


def max_upload_bytes() -> int:
    return int(settings.VANBAN_MAX_UPLOAD_MB) * 1024 * 1024


def size_text(size: int) -> str:
    """A size as a person reads it: "1,5 MB", "320 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte"


def relative_to_files(path: Path) -> str:
    return Path(path).resolve().relative_to(Path(settings.FILES_DIR).resolve()).as_posix()


def files_path(relative: str) -> Path:
    """The stored file at `relative` (as kept in the database), refusing anything outside the files folder."""
    root = Path(settings.FILES_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise FileNotFoundError(relative)
    return path


def agency_dir(agency_id: int) -> Path:
    return Path(settings.FILES_DIR) / f"agency-{agency_id}"


def trust_store_dir(agency_id: int) -> Path:
    """The agency's own trusted roots (the service's counterpart of `vanban trust import`'s store)."""
    return agency_dir(agency_id) / "tin-cay"


# --------------------------------------------------------------------------- content


def sniff(head: bytes) -> str:
    """What the first bytes say a file is: "pdf", "zip", "office" (a Word/Excel/ODF file, itself a ZIP),
    "text" or "other".

    The ZIP signature is looked at first: an archive is an archive whatever it holds, and an uncompressed one
    whose first member is a PDF carries "%PDF-" in its first bytes too. A PDF, on the other hand, may have a few
    bytes before its header, so the header is looked for anywhere in the sample."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        # The first member's name sits at offset 30 of the local header: OOXML starts with its content types
        # (or _rels), ODF with its mimetype. Only the header is read: archives are opened by the verifier.
        first = head[30:60]
        if first.startswith((b"[Content_Types].xml", b"_rels/", b"docProps/", b"word/", b"xl/", b"mimetype")):
            return "office"
        return "zip"
    if b"%PDF-" in head[:HEAD]:
        return "pdf"
    if b"\x00" in head:
        return "other"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still text.
        if exc.start < len(head) - 3:
            return "other"
    return "text"


def head_of(uploaded: UploadedFile) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(HEAD)
    uploaded.seek(0)
    return head


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def safe_name(name: str, *, suffix: str | None = None, limit: int = 180) -> str:
    """A file name to show and to store under: no folders, no control characters, a sensible length, and
    (with `suffix`) the suffix its content calls for."""
    name = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    name = _UNSAFE.sub("_", name).strip().lstrip(".") or "tep"
    stem, ext = os.path.splitext(name)
    if suffix is not None and ext.lower() != suffix:
        stem, ext = name, suffix
    stem = stem[: max(1, limit - len(ext))]
    return stem + ext


# --------------------------------------------------------------------------- storing


def check_size(uploaded: UploadedFile) -> None:
    limit = max_upload_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadRefused(
            f"Tệp «{safe_name(uploaded.name or '')}» ({size_text(uploaded.size)}) vượt giới hạn "
            f"{settings.VANBAN_MAX_UPLOAD_MB} MB cho một tệp tải lên."
        )
    if not uploaded.size:
        raise UploadRefused(f"Tệp «{safe_name(uploaded.name or '')}» rỗng (0 byte).")


def store(uploaded: UploadedFile, target: Path) -> StoredFile:
    """Copy the upload to `target` byte for byte, hashing it; `target` must not exist (nothing is rewritten).

    The copy goes to a temporary file beside `target` and is linked into place at the end, so a failure (size
    over the limit, full disk) leaves nothing behind. The stored file is made read-only.
    """
    limit = max_upload_bytes()
    make_dirs(target.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".tai-len.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            uploaded.seek(0)
            for chunk in uploaded.chunks(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(
                        f"Tệp «{safe_name(uploaded.name or '')}» vượt giới hạn {settings.VANBAN_MAX_UPLOAD_MB} MB "
                        "cho một tệp tải lên."
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, file_mode() & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        os.link(tmp, target)  # fails if target exists: a stored file is never replaced
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return StoredFile(target, size, digest.hexdigest())


def remove_stored(paths: list[Path]) -> None:
    """Undo `store` for files whose database rows could not be written."""
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def link_or_copy(source: Path, target: Path) -> None:
    """`target` as a hard link to `source` (no copy of the bytes), or a copy where links cannot be made."""
    make_dirs(target.parent)
    try:
        os.link(source, target)
    except OSError:
        import shutil

        shutil.copyfile(source, target)


def file_response(path: Path, filename: str) -> FileResponse:
    """A stored file as a download: never shown inline (an uploaded or generated HTML page must not run in the
    service's origin), never cached by shared caches."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404("Không tìm thấy tệp.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
