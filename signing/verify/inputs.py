"""Turn the user's PATH arguments (files, folders, ZIP archives) into a flat list of evidence files.

ZIP archives come from outside and are read defensively: no path escapes, no links, member count,
total size and compression ratio bounded while decompressing (the header sizes are not trusted).
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from letters.core.errors import VanbanError, os_error_text
from letters.core.vn import vi_sort_key
from signing.verify.policy import Limits

_JUNK_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_CHUNK = 1 << 16


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


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.lower() in _JUNK_NAMES or name.startswith("__MACOSX/")


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
    # system code page; Vietnamese users' archives are usually UTF-8 bytes without the flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def extract_zip(
    archive: Path, dest: Path, display_prefix: str, default_unit: str | None, limits: Limits
) -> list[EvidenceItem]:
    """Extract `archive` into `dest` and return one item per member (rejected members included)."""
    items: list[EvidenceItem] = []
    max_total = limits.zip_max_total_mb * 1024 * 1024
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ZipLimitError(f"tệp ZIP hỏng hoặc không đọc được ({_zip_reason(exc)})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.zip_max_files:
            raise ZipLimitError(
                f"tệp ZIP chứa {len(infos)} tệp, vượt giới hạn {limits.zip_max_files} tệp cho một tệp nén"
            )
        total = 0
        for index, info in enumerate(infos):
            name = _decode_name(info)
            if _is_junk(name):
                continue
            display = f"{display_prefix}/{name}"
            rel = _safe_member_path(name)
            mode = info.external_attr >> 16
            if rel is None or stat.S_ISLNK(mode):
                why = (
                    "là liên kết (symlink)"
                    if rel is not None
                    else "có đường dẫn thoát ra ngoài thư mục giải nén"
                )
                items.append(
                    EvidenceItem(
                        display,
                        default_unit or archive.stem,
                        None,
                        Rejection(
                            "TOTAL_FAILED",
                            "FORMAT_FAILURE",
                            f"Tệp «{name}» trong {archive.name} {why}; vanban không giải nén tệp này.",
                            "Nén lại thư mục minh chứng bằng công cụ nén thông thường rồi nộp lại.",
                        ),
                    )
                )
                continue
            unit = default_unit or (rel.parts[0] if len(rel.parts) > 1 else archive.stem)
            if info.flag_bits & 0x1:
                items.append(
                    EvidenceItem(
                        display,
                        unit,
                        None,
                        Rejection(
                            "INDETERMINATE",
                            "FORMAT_FAILURE",
                            f"Tệp «{name}» trong {archive.name} được đặt mật khẩu.",
                            "Nộp lại tệp ZIP không đặt mật khẩu.",
                        ),
                    )
                )
                continue
            # Members are stored under their index so odd names cannot collide or escape.
            target = dest / f"{index:06d}{Path(rel.name).suffix[:16]}"
            written = 0
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if total > max_total:
                            raise ZipLimitError(
                                f"dữ liệu giải nén vượt {limits.zip_max_total_mb} MB (nghi là «bom ZIP»)"
                            )
                        if written > 1_000_000 and written > limits.zip_max_ratio * max(
                            info.compress_size, 1
                        ):
                            raise ZipLimitError(
                                f"tệp «{name}» có tỉ lệ nén vượt {limits.zip_max_ratio}:1 (nghi là «bom ZIP»)"
                            )
                        out.write(chunk)
            except ZipLimitError:
                target.unlink(missing_ok=True)
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                items.append(
                    EvidenceItem(
                        display,
                        unit,
                        None,
                        Rejection(
                            "TOTAL_FAILED",
                            "FORMAT_FAILURE",
                            f"Không giải nén được tệp «{name}» trong {archive.name} ({_zip_reason(exc)}).",
                            "Nén lại và nộp lại tệp này.",
                        ),
                    )
                )
                continue
            items.append(EvidenceItem(display, unit, target))
    return items


def _zip_item_error(display: str, unit: str, message: str) -> EvidenceItem:
    return EvidenceItem(
        display,
        unit,
        None,
        Rejection(
            "INDETERMINATE",
            "FORMAT_FAILURE",
            f"Tệp nén {display} bị từ chối: {message}.",
            "Chia nhỏ hoặc nén lại tệp minh chứng (chỉ gồm các tệp PDF cần nộp) rồi nộp lại.",
        ),
    )


def collect_evidence(paths: list[Path], workdir: Path, limits: Limits) -> list[EvidenceItem]:
    """Expand PATH arguments. The first level below a given folder names the unit; a ZIP given at that
    level (or directly) is that unit, unless it holds one folder per unit itself."""
    items: list[EvidenceItem] = []
    zip_count = 0

    def handle_zip(archive: Path, display: str, unit: str | None) -> None:
        nonlocal zip_count
        zip_count += 1
        dest = workdir / f"zip{zip_count:04d}"
        dest.mkdir(parents=True)
        try:
            items.extend(extract_zip(archive, dest, display, unit, limits))
        except ZipLimitError as exc:
            for leftover in dest.iterdir():
                leftover.unlink()
            items.append(_zip_item_error(display, unit or archive.stem, exc.message))

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise VanbanError(
                f"Không tìm thấy {path}.", hint="Kiểm tra lại đường dẫn tệp hoặc thư mục minh chứng."
            )
        if path.is_dir():
            root = path.resolve()
            found = [p for p in root.rglob("*") if p.is_file() or p.is_symlink()]
            for file in sorted(found, key=lambda p: vi_sort_key(p.relative_to(root).as_posix())):
                rel = file.relative_to(root)
                if any(_is_junk(part) for part in rel.parts):
                    continue
                display = f"{root.name}/{rel.as_posix()}"
                unit = (
                    rel.parts[0]
                    if len(rel.parts) > 1
                    else (file.stem if file.suffix.lower() == ".zip" else root.name)
                )
                if file.is_symlink():
                    items.append(
                        EvidenceItem(
                            display,
                            unit,
                            None,
                            Rejection(
                                "INDETERMINATE",
                                "FORMAT_FAILURE",
                                f"{display} là liên kết (symlink); vanban không đi theo liên kết.",
                                "Chép tệp thật vào thư mục minh chứng.",
                            ),
                        )
                    )
                elif file.suffix.lower() == ".zip":
                    handle_zip(file, display, unit)
                else:
                    items.append(EvidenceItem(display, unit, file))
        elif path.suffix.lower() == ".zip" or zipfile.is_zipfile(path) and not _looks_like_pdf(path):
            handle_zip(path, path.name, None)
        else:
            items.append(EvidenceItem(path.name, path.resolve().parent.name, path))
    return items


def _looks_like_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"%PDF-" in fh.read(1024)
    except OSError:
        return False
