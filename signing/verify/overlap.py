"""What the signer saw on a page: where the signed revision puts text and images, read with PDFium.

Used to judge annotations, fields and signature appearances added or changed after a signature: they may
sit in the margin or on blanks, but anything drawn over the signed text or pictures changes what a reader
sees (the "sneaky signature" and "evil annotation" attacks of the PDF Insecurity research). Only text and
images count as content: table rules and underlines are vector paths that a margin note may well touch.
"""

from __future__ import annotations

import ctypes
import io
import threading
from dataclasses import dataclass, field
from typing import Any, BinaryIO

# PDFium is not thread-safe; the verifier runs one file per process, but jobs=0 runs in the caller's threads.
_PDFIUM_LOCK = threading.RLock()

# Glyphs that are not content: spaces, and the dots and underscores NĐ 30 drafts leave for the number and date.
_BLANK = " \u00a0\t\r\n.…_"
# Slack for rounding in the producer's coordinates: a glyph or picture only counts as covered beyond it.
_EPS = 0.75
_MIN_IMAGE_OVERLAP = 4.0  # square points


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def of(cls, values: Any) -> Rect | None:
        """A rectangle from a PDF /Rect array (any corner order); None if it is not four numbers."""
        try:
            x0, y0, x1, y1 = (float(v) for v in values)
        except (TypeError, ValueError):
            return None
        return cls(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def contains(self, x: float, y: float) -> bool:
        return self.x0 + _EPS < x < self.x1 - _EPS and self.y0 + _EPS < y < self.y1 - _EPS

    def overlap(self, other: Rect) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(w, 0.0) * max(h, 0.0)


@dataclass
class PageContent:
    # Centre x, centre y and character of every glyph, blanks included (they separate words in the report).
    glyphs: list[tuple[float, float, str]] = field(default_factory=list)
    images: list[Rect] = field(default_factory=list)

    def covered(self, rect: Rect) -> str | None:
        """What of this page `rect` covers, in words for the report; None if nothing."""
        parts: list[str] = []
        last_y: float | None = None
        for x, y, ch in self.glyphs:
            if rect.contains(x, y):
                if ch not in _BLANK:
                    if last_y is not None and abs(y - last_y) > 3:
                        parts.append(" ")  # a new line
                    last_y = y
                parts.append(ch)
        text = "".join(parts)
        if text.strip(_BLANK):
            snippet = " ".join(text.split())
            return f"chữ «{snippet[:40]}{'…' if len(snippet) > 40 else ''}»"
        if any(rect.overlap(img) > _MIN_IMAGE_OVERLAP for img in self.images):
            return "hình ảnh"
        return None

    def centre_is_blank(self, rect: Rect, fraction: float = 0.2) -> bool:
        """No glyph in the horizontal band around `rect`'s centre (± `fraction` of its height): a seal sitting
        on the empty lines between a signer's title and name, touching only the edges of those lines."""
        band = fraction * rect.height
        return not any(
            ch not in _BLANK and rect.contains(x, y) and abs(y - rect.cy) < band for x, y, ch in self.glyphs
        )


class _Prefix(io.RawIOBase):
    """The first `length` bytes of an open file, as a stream PDFium can read: the signed revision, unchanged."""

    def __init__(self, fh: BinaryIO, length: int) -> None:
        super().__init__()
        self._fh, self._length, self._pos = fh, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = min(max(base + offset, 0), self._length)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._fh.seek(self._pos)
        data = self._fh.read(want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class SignedPages:
    """Pages of the revision a signature covers, analysed on demand (most checks never need any)."""

    def __init__(self, fh: BinaryIO, signed_end: int) -> None:
        self._fh, self._end = fh, signed_end
        self._doc: Any = None
        self._pages: dict[int, PageContent | None] = {}

    def content(self, index: int) -> PageContent | None:
        """Text and images of page `index` (0-based) as signed; None if PDFium cannot read the page."""
        if index not in self._pages:
            with _PDFIUM_LOCK:
                self._pages[index] = self._read(index)
        return self._pages[index]

    def _read(self, index: int) -> PageContent | None:
        # PDFium loads only when a page is looked at: most files have nothing added after signing, and
        # loading it would cost every one-file `vanban verify` some 15 ms.
        import pypdfium2 as pdfium

        try:
            if self._doc is None:
                self._doc = pdfium.PdfDocument(_Prefix(self._fh, self._end))
            if not 0 <= index < len(self._doc):
                return None
            page = self._doc[index]
        except pdfium.PdfiumError:
            return None
        try:
            return PageContent(glyphs=_glyphs(page), images=_images(page))
        finally:
            page.close()

    def close(self) -> None:
        with _PDFIUM_LOCK:
            if self._doc is not None:
                self._doc.close()
                self._doc = None


def _glyphs(page: Any) -> list[tuple[float, float, str]]:
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count > 0 else ""
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
        out = []
        for i, ch in enumerate(text[:count]):
            if ch in "\r\n" or not pdfium_c.FPDFText_GetCharBox(textpage, i, *refs):
                continue
            out.append(((left.value + right.value) / 2, (bottom.value + top.value) / 2, ch))
        return out
    finally:
        textpage.close()


def _images(page: Any) -> list[Rect]:
    """Page-space boxes of every image, including images drawn inside form XObjects."""
    import pypdfium2.raw as pdfium_c

    forms: list[Any] = []  # matrix of the enclosing form at each nesting level
    out = []
    for obj in page.get_objects(max_depth=15):
        level = obj.level
        del forms[level:]
        if obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            forms.append(obj.get_matrix())
            continue
        if obj.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            continue
        x0, y0, x1, y1 = obj.get_bounds()
        for matrix in reversed(forms):
            x0, y0, x1, y1 = matrix.on_rect(x0, y0, x1, y1)
        out.append(Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return out
