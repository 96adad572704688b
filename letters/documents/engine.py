"""A compiled DOCX template: parsed and compiled once, rendered many times.

docxtpl re-reads the package and recompiles its Jinja source on every render, and a
DocxTemplate cannot be rendered twice (docxtpl #381). For a mail merge of hundreds of notices
that dominates the cost, so this keeps docxtpl's tag patching but compiles each XML part
once, renders it to text, and writes the zip with every untouched member copied as is.
"""

from __future__ import annotations

import re
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from letters.core.errors import VanbanError, os_error_text
from letters.documents import jinja_messages

_TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")


def jinja_env() -> jinja2.Environment:
    # Undefined names fail loudly: a blank where a deadline should be is worse than an error.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


@dataclass
class RenderedPackage:
    """Rendered XML parts plus the untouched members, ready for post-processing and writing."""

    members: dict[str, bytes]
    order: list[str]
    xml: dict[str, str] = field(default_factory=dict)

    def write(self) -> bytes:
        out = BytesIO()
        names = self.order + [n for n in (*self.members, *self.xml) if n not in self.order]
        names = list(dict.fromkeys(names))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name in names:
                data = self.xml[name].encode("utf-8") if name in self.xml else self.members[name]
                _write_member(z, name, data)
        return out.getvalue()


# Parts every document of a batch shares (styles, numbering, fonts, theme: close to a megabyte for a notice)
# are deflated once per process, not once per document; a mail merge of a thousand notices spent a third of
# its writing time compressing the same bytes again.
_COMPRESSED: dict[tuple[str, int, int], tuple[bytes, bytes]] = {}
_COMPRESSED_LOCK = threading.Lock()
_CACHE_FROM = 16 * 1024  # smaller parts cost less to compress than to look up
_CACHE_ENTRIES = 256
_DATE = (1980, 1, 1, 0, 0, 0)


_COMPRESSED_FORMATS = (".png", ".jpg", ".jpeg", ".gif")


def _write_member(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    if name.lower().endswith(_COMPRESSED_FORMATS):  # deflating a PNG again saves nothing
        z.writestr(zipfile.ZipInfo(name, _DATE), data, zipfile.ZIP_STORED)
        return
    if len(data) < _CACHE_FROM:
        z.writestr(zipfile.ZipInfo(name, _DATE), data, zipfile.ZIP_DEFLATED)
        return
    crc = zlib.crc32(data)
    key = (name, crc, len(data))
    with _COMPRESSED_LOCK:
        hit = _COMPRESSED.get(key)
    if hit is None or hit[0] != data:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        hit = (data, compressor.compress(data) + compressor.flush())
        with _COMPRESSED_LOCK:
            if len(_COMPRESSED) >= _CACHE_ENTRIES:
                _COMPRESSED.clear()
            _COMPRESSED[key] = hit
    _write_deflated(z, name, crc, len(data), hit[1])


def _write_deflated(z: zipfile.ZipFile, name: str, crc: int, size: int, deflated: bytes) -> None:
    """Add a member whose raw deflate stream is already known (zipfile can only compress it itself)."""
    info = zipfile.ZipInfo(name, _DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.CRC = crc
    info.file_size = size
    info.compress_size = len(deflated)
    assert z.fp is not None
    info.header_offset = z.fp.tell()
    z.fp.write(info.FileHeader(zip64=False))
    z.fp.write(deflated)
    z.filelist.append(info)
    z.NameToInfo[name] = info
    z.start_dir = z.fp.tell()
    z._didModify = True  # type: ignore[attr-defined]  # so close() writes the central directory


class CompiledTemplate:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with zipfile.ZipFile(self.path) as z:
                self.order = z.namelist()
                self.members = {name: z.read(name) for name in self.order}
        except (OSError, zipfile.BadZipFile) as exc:
            reason = f": {os_error_text(exc)}" if isinstance(exc, OSError) else ""
            raise VanbanError(f"Mẫu {self.path} không đọc được như tệp Word (.docx){reason}.") from None
        self._patcher = DocxTemplate(str(self.path))
        env = jinja_env()
        self.templates: dict[str, jinja2.Template] = {}
        for name in self.order:
            if not _TEMPLATED_PART.match(name):
                continue
            source = self.members[name].decode("utf-8")
            if "{{" not in source and "{%" not in source:
                continue
            patched = self._patcher.patch_xml(source)
            patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
            try:
                self.templates[name] = env.from_string(patched)
            except jinja2.TemplateSyntaxError as exc:
                raise VanbanError(
                    f"Mẫu {self.path.name} có thẻ sai cú pháp: {jinja_messages.syntax_text(exc)}",
                    hint="Chạy «vanban check» để biết đoạn văn có thẻ sai.",
                ) from None

    def render(self, context: dict[str, Any]) -> RenderedPackage:
        package = RenderedPackage(dict(self.members), list(self.order))
        for name, template in self.templates.items():
            try:
                xml = template.render(context)
            except jinja2.UndefinedError as exc:
                raise VanbanError(
                    f"Mẫu {self.path.name}: {jinja_messages.undefined_text(exc)}",
                    hint="Chạy «vanban check» để xem danh sách biến hợp lệ.",
                ) from None
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            package.xml[name] = self._patcher.resolve_listing(xml)
        return package


_cache: dict[tuple[Path, float, int], CompiledTemplate] = {}
_cache_lock = threading.Lock()


def compiled(path: Path) -> CompiledTemplate:
    """The compiled template for `path`, recompiled when the file changes (a user edited it in Word)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise VanbanError(f"Không tìm thấy mẫu văn bản {path}.")
    stat = path.stat()
    key = (path, stat.st_mtime, stat.st_size)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None:
            hit = CompiledTemplate(path)
            _cache[key] = hit
        return hit
