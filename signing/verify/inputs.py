"""Turn the user's PATH arguments (files, folders, ZIP archives) into evidence files, one batch at a time.

ZIP archives come from outside and are read defensively: no path escapes, no links, member count, total
size and compression ratio bounded while decompressing (the header sizes are not trusted), a ZIP inside a
ZIP opened only to a bounded depth, and a size budget for the whole run. Archives are streamed: one is
unpacked, its files are checked, and it is deleted before the next one is opened. Every member is
reported, by a name that is always printable (bytes that are not UTF-8 are shown escaped).
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from letters.core.errors import VanbanError, os_error_text
from letters.core.vn import vi_sort_key
from signing.verify.policy import Limits

_JUNK_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_CHUNK = 1 << 16
# ZIP-based office files are documents, not archives of evidence: the checker tells the user it is not a PDF.
_OFFICE_SUFFIXES = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".docm", ".xlsm", ".epub"}


@dataclass
class Rejection:
    indication: str
    sub_indication: str
    message: str
    action: str


@dataclass
class EvidenceItem:
    display: str
    unit: str
    path: Path | None
    rejection: Rejection | None = None


def printable(name: str) -> str:
    """`name` as it can be written to any report: undecodable bytes and control characters escaped."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        name = os.fsencode(name).decode("utf-8", "backslashreplace")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        name = "".join(f"\\x{ord(ch):02x}" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    return name


def _is_junk(name: str) -> bool:
    """Files operating systems add by themselves; anything else is reported, even hidden files."""
    name = name.replace("\\", "/")
    base = name.rsplit("/", 1)[-1]
    return base.lower() in _JUNK_NAMES or base.startswith("._") or name.startswith("__MACOSX/")


class ZipLimitError(VanbanError):
    pass


def _zip_reason(exc: BaseException) -> str:
    # zipfile's messages are English ("File is not a zip file", "Bad CRC-32 for file …").
    if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile):
        return os_error_text(exc)
    if isinstance(exc, NotImplementedError):
        return "kiểu nén không được hỗ trợ"
    text = str(exc).lower()
    if "crc" in text:
        return "dữ liệu bị hỏng, sai mã kiểm tra CRC"
    if "not a zip file" in text:
        return "không phải tệp ZIP"
    if "truncated" in text or isinstance(exc, EOFError):
        return "tệp bị cắt cụt, chưa tải về trọn vẹn"
    return "cấu trúc tệp nén bị hỏng"


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The member's relative path, or None if it is absolute or climbs out of the archive root."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def _decode_name(info: zipfile.ZipInfo) -> str:
    # Windows zip tools without the UTF-8 flag store names in cp437 by spec but in practice in the
    # system code page; Vietnamese users' archives are usually UTF-8 bytes without the flag. Anything else
    # is shown as escaped bytes rather than guessed.
    if info.flag_bits & 0x800:
        return printable(info.filename)
    raw = info.filename.encode("cp437")
    return printable(raw.decode("utf-8", "backslashreplace"))


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    if path.suffix.lower() in _OFFICE_SUFFIXES:
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


class _Patched(io.RawIOBase):
    """A read-only view of a file with a few bytes replaced (see _open_zip)."""

    def __init__(self, path: Path, patches: dict[int, int]) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed with this object
        self._patches = patches

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        start = self._fh.tell()
        data = self._fh.read(len(buffer))
        if self._patches:
            patched = bytearray(data)
            for offset, value in self._patches.items():
                if start <= offset < start + len(data):
                    patched[offset - start] = value
            data = bytes(patched)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def _utf8_flag_patches(path: Path) -> dict[int, int] | None:
    """Offsets and new values that clear the "name is UTF-8" flag of members whose names are not UTF-8.

    zipfile refuses the whole archive when one flagged name is not valid UTF-8; with the flag cleared, the
    name is read as raw bytes and reported escaped. None when the central directory cannot be walked.
    """
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
        end = tail.rfind(b"PK\x05\x06")
        if end < 0 or end + 22 > len(tail):
            return None
        count, cd_size, cd_offset = struct.unpack("<HII", tail[end + 10 : end + 20])
        if cd_offset == 0xFFFFFFFF or count == 0xFFFF:
            return None  # ZIP64: not worth a second parser for a broken name
        fh.seek(cd_offset)
        directory = fh.read(cd_size)
        patches: dict[int, int] = {}
        pos = 0
        for _ in range(count):
            if directory[pos : pos + 4] != b"PK\x01\x02":
                return None
            flags, name_len, extra_len, comment_len = (
                struct.unpack("<H", directory[pos + 8 : pos + 10])[0],
                *struct.unpack("<HHH", directory[pos + 28 : pos + 34]),
            )
            (local,) = struct.unpack("<I", directory[pos + 42 : pos + 46])
            name = directory[pos + 46 : pos + 46 + name_len]
            if flags & 0x800:
                try:
                    name.decode("utf-8")
                except UnicodeDecodeError:
                    patches[cd_offset + pos + 9] = (flags >> 8) & ~0x08
                    fh.seek(local + 6)
                    (local_flags,) = struct.unpack("<H", fh.read(2))
                    patches[local + 7] = (local_flags >> 8) & ~0x08
            pos += 46 + name_len + extra_len + comment_len
        return patches


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except UnicodeDecodeError:
        patches = _utf8_flag_patches(path)
        if not patches:
            raise zipfile.BadZipFile("member name is not UTF-8") from None
        return zipfile.ZipFile(io.BufferedReader(_Patched(path, patches)))


@dataclass
class _Budget:
    """Bytes unpacked so far in this run, against the run's limit."""

    limit: int
    used: int = 0


@dataclass
class _ArchiveState:
    """Bytes unpacked from one top-level archive (with the archives inside it)."""

    limit: int
    used: int = 0
    counter: list[int] = field(default_factory=lambda: [0])


def _reject(display: str, unit: str, indication: str, message: str, action: str) -> EvidenceItem:
    return EvidenceItem(display, unit, None, Rejection(indication, "FORMAT_FAILURE", message, action))


def _archive_error(display: str, unit: str, message: str) -> EvidenceItem:
    return _reject(
        display,
        unit,
        "INDETERMINATE",
        f"Tệp nén {display} bị từ chối: {message}.",
        "Chia nhỏ hoặc nén lại tệp minh chứng (chỉ gồm các tệp PDF cần nộp) rồi nộp lại.",
    )


def _expand_zip(
    archive: Path,
    dest: Path,
    display: str,
    default_unit: str | None,
    limits: Limits,
    budget: _Budget,
    state: _ArchiveState,
    depth: int,
) -> list[EvidenceItem]:
    """One item per member of `archive` (extracted under `dest`), archives inside it expanded in place."""
    fallback_unit = default_unit or PurePosixPath(display).stem
    try:
        zf = _open_zip(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        return [
            _archive_error(display, fallback_unit, f"tệp ZIP hỏng hoặc không đọc được ({_zip_reason(exc)})")
        ]
    items: list[EvidenceItem] = []
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.zip_max_files:
            return [
                _archive_error(
                    display,
                    fallback_unit,
                    f"tệp ZIP chứa {len(infos)} tệp, vượt giới hạn {limits.zip_max_files} tệp cho một tệp nén",
                )
            ]
        stopped: str | None = None  # why the remaining members are not unpacked
        for info in infos:
            name = _decode_name(info)
            if _is_junk(name):
                continue
            member = f"{display}/{name}"
            rel = _safe_member_path(name)
            unit = default_unit or (rel.parts[0] if rel is not None and len(rel.parts) > 1 else fallback_unit)
            if stopped is not None:
                items.append(
                    _reject(
                        member,
                        unit,
                        "INDETERMINATE",
                        f"Tệp «{name}» trong {archive_name(display)} chưa được giải nén vì {stopped}.",
                        "Chia nhỏ tệp nén (chỉ gồm các tệp PDF cần nộp) rồi nộp lại.",
                    )
                )
                continue
            if rel is None or stat.S_ISLNK(info.external_attr >> 16):
                why = (
                    "là liên kết (symlink)"
                    if rel is not None
                    else "có đường dẫn thoát ra ngoài thư mục giải nén"
                )
                items.append(
                    _reject(
                        member,
                        unit,
                        "TOTAL_FAILED",
                        f"Tệp «{name}» trong {archive_name(display)} {why}; vanban không giải nén tệp này.",
                        "Nén lại thư mục minh chứng bằng công cụ nén thông thường rồi nộp lại.",
                    )
                )
                continue
            if info.flag_bits & 0x1:
                items.append(
                    _reject(
                        member,
                        unit,
                        "INDETERMINATE",
                        f"Tệp «{name}» trong {archive_name(display)} được đặt mật khẩu.",
                        "Nộp lại tệp ZIP không đặt mật khẩu.",
                    )
                )
                continue
            # Members are stored under a counter so odd names cannot collide or escape.
            state.counter[0] += 1
            target = dest / f"{state.counter[0]:06d}{PurePosixPath(rel.name).suffix[:16]}"
            try:
                _extract_member(zf, info, name, target, limits, budget, state)
            except ZipLimitError as exc:
                target.unlink(missing_ok=True)
                stopped = exc.message
                items.append(
                    _reject(
                        member,
                        unit,
                        "INDETERMINATE",
                        f"Tệp nén {display} bị từ chối: {exc.message}.",
                        "Chia nhỏ hoặc nén lại tệp minh chứng (chỉ gồm các tệp PDF cần nộp) rồi nộp lại.",
                    )
                )
                continue
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                items.append(
                    _reject(
                        member,
                        unit,
                        "TOTAL_FAILED",
                        f"Không giải nén được tệp «{name}» trong {archive_name(display)} ({_zip_reason(exc)}).",
                        "Nén lại và nộp lại tệp này.",
                    )
                )
                continue
            if _is_zip(target):
                items.extend(_nested(target, member, unit, default_unit, limits, budget, state, depth))
            else:
                items.append(EvidenceItem(member, unit, target))
    return items


def archive_name(display: str) -> str:
    return display.rsplit("/", 1)[-1]


def _nested(
    target: Path,
    member: str,
    unit: str,
    default_unit: str | None,
    limits: Limits,
    budget: _Budget,
    state: _ArchiveState,
    depth: int,
) -> list[EvidenceItem]:
    if depth >= limits.zip_max_depth:
        target.unlink(missing_ok=True)
        return [
            _archive_error(
                member,
                unit,
                f"tệp nén nằm trong {depth} lớp tệp nén, vượt giới hạn {limits.zip_max_depth} lớp",
            )
        ]
    sub = target.with_suffix(".d")
    sub.mkdir()
    try:
        # The inner archive's first-level folders are not units of their own: it belongs to its unit.
        return _expand_zip(target, sub, member, default_unit or unit, limits, budget, state, depth + 1)
    finally:
        target.unlink(missing_ok=True)


def _extract_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    target: Path,
    limits: Limits,
    budget: _Budget,
    state: _ArchiveState,
) -> None:
    written = 0
    with zf.open(info) as src, open(target, "wb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            state.used += len(chunk)
            budget.used += len(chunk)
            if state.used > state.limit:
                raise ZipLimitError(f"dữ liệu giải nén vượt {limits.zip_max_total_mb} MB (nghi là «bom ZIP»)")
            if budget.used > budget.limit:
                raise ZipLimitError(
                    f"tổng dữ liệu giải nén của lần kiểm tra này vượt {limits.run_max_unpacked_mb} MB"
                )
            if written > 1_000_000 and written > limits.zip_max_ratio * max(info.compress_size, 1):
                raise ZipLimitError(
                    f"tệp «{name}» có tỉ lệ nén vượt {limits.zip_max_ratio}:1 (nghi là «bom ZIP»)"
                )
            out.write(chunk)


def extract_zip(
    archive: Path, dest: Path, display_prefix: str, default_unit: str | None, limits: Limits
) -> list[EvidenceItem]:
    """Extract `archive` into `dest` and return one item per member (rejected members included)."""
    budget = _Budget(limits.run_max_unpacked_mb * 1024 * 1024)
    state = _ArchiveState(limits.zip_max_total_mb * 1024 * 1024)
    return _expand_zip(archive, dest, display_prefix, default_unit, limits, budget, state, 1)


def check_paths(paths: list[Path]) -> None:
    """Every PATH argument exists (a usage error otherwise, before any work starts)."""
    for raw in paths:
        if not Path(raw).exists() and not Path(raw).is_symlink():
            raise VanbanError(
                f"Không tìm thấy {printable(str(raw))}.",
                hint="Kiểm tra lại đường dẫn tệp hoặc thư mục minh chứng.",
            )


def _walk(root: Path) -> list[Path]:
    """Regular files and links under `root` (links are reported, not followed; pipes and devices skipped)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        for name in [*files, *dirs]:
            path = Path(folder) / name
            if path.is_symlink() or (name in files and path.is_file()):
                found.append(path)
    return sorted(found, key=lambda p: vi_sort_key(printable(p.relative_to(root).as_posix())))


def iter_evidence(
    paths: list[Path], workdir: Path, limits: Limits, *, keep_files: bool = False
) -> Iterator[list[EvidenceItem]]:
    """Expand PATH arguments into batches of evidence items, in input order.

    The first level below a given folder names the unit; a ZIP given at that level (or directly) is that
    unit, unless it holds one folder per unit itself. Loose files come in batches; each archive (with the
    archives inside it) is one batch, whose unpacked files are deleted when the next batch is asked for
    (unless `keep_files`).
    """
    check_paths(paths)
    budget = _Budget(limits.run_max_unpacked_mb * 1024 * 1024)
    archives = 0
    loose: list[EvidenceItem] = []

    def archive_batch(archive: Path, display: str, unit: str | None) -> Iterator[list[EvidenceItem]]:
        nonlocal archives
        archives += 1
        dest = workdir / f"zip{archives:04d}"
        dest.mkdir(parents=True)
        state = _ArchiveState(limits.zip_max_total_mb * 1024 * 1024)
        try:
            yield _expand_zip(archive, dest, display, unit, limits, budget, state, 1)
        finally:
            if not keep_files:
                shutil.rmtree(dest, ignore_errors=True)

    for raw in paths:
        path = Path(raw)
        # A folder named on the command line may be a link; links inside it are reported, not followed.
        if path.is_dir():
            root = path.resolve()
            for file in _walk(root):
                rel = file.relative_to(root)
                if any(_is_junk(part) for part in rel.parts):
                    continue
                display = printable(f"{root.name}/{rel.as_posix()}")
                unit = printable(
                    rel.parts[0] if len(rel.parts) > 1 else (file.stem if _is_zip(file) else root.name)
                )
                if file.is_symlink():
                    loose.append(
                        _reject(
                            display,
                            unit,
                            "INDETERMINATE",
                            f"{display} là liên kết (symlink); vanban không đi theo liên kết.",
                            "Chép tệp thật vào thư mục minh chứng.",
                        )
                    )
                elif _is_zip(file):
                    if loose:
                        yield loose
                        loose = []
                    yield from archive_batch(file, display, unit)
                else:
                    loose.append(EvidenceItem(display, unit, file))
                if len(loose) >= 1000:
                    yield loose
                    loose = []
        elif path.is_file() and (
            path.suffix.lower() == ".zip" or (_is_zip(path) and not _looks_like_pdf(path))
        ):
            if loose:
                yield loose
                loose = []
            yield from archive_batch(path, printable(path.name), None)
        else:
            loose.append(EvidenceItem(printable(path.name), printable(path.resolve().parent.name), path))
    if loose:
        yield loose


def count_evidence(paths: list[Path], limits: Limits) -> int:
    """How many files a run will report, counted without unpacking (an inner archive counts as one)."""
    total = 0
    for raw in paths:
        path = Path(raw)
        files = _walk(path.resolve()) if path.is_dir() else [path]
        for file in files:
            if _is_junk(file.name):
                continue
            if file.is_file() and not file.is_symlink() and _is_zip(file):
                try:
                    with _open_zip(file) as zf:
                        members = [i for i in zf.infolist() if not i.is_dir() and not _is_junk(i.filename)]
                except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                    members = []
                total += 1 if not members or len(members) > limits.zip_max_files else len(members)
            else:
                total += 1
    return total


def collect_evidence(paths: list[Path], workdir: Path, limits: Limits) -> list[EvidenceItem]:
    """Every evidence item at once, unpacked files kept in `workdir` (for callers that need them all)."""
    return [item for batch in iter_evidence(paths, workdir, limits, keep_files=True) for item in batch]


def _looks_like_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"%PDF-" in fh.read(1024)
    except OSError:
        return False
