"""Where each NĐ 30 signature appearance goes, in PDF user space, derived from the document's text.

- signer: the image centred between the chức vụ line and the name line, as tall as the gap;
- agency: the seal at its real diameter, its right edge one third into the signer's image;
- attachment: a text box at the top right of page 1, flush with the text area's right edge.
"""

from __future__ import annotations

from pyhanko.pdf_utils.generic import IndirectObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from signing.sign.appearance import PT_PER_MM, LoadedImage
from signing.sign.stamp_layout import Box, PdfText, find_signature_block


def signer_widget(
    data: bytes | PdfText, image: LoadedImage, source: str, signer_name: str | None
) -> tuple[int, Box]:
    """Centred between the title line and the name line, as tall as the gap allows."""
    block = find_signature_block(data, source, signer_name)
    gap = block.gap
    height = max(gap.height - 4.0, 24.0)
    width = height * image.aspect
    max_width = max(gap.width * 1.6, 150.0)
    if width > max_width:
        width, height = max_width, max_width / image.aspect
    cx, cy = block.centre_x, gap.cy
    return block.page, Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def signer_widgets(reader: PdfFileReader) -> list[tuple[str, int, Box]]:
    """Visible signature widgets already in the document: (field name, page, rect)."""
    out = []
    page_ix = {}
    count = int(reader.root["/Pages"]["/Count"])
    for ix in range(count):
        ref = reader.find_page_for_modification(ix)[0]
        page_ix[(ref.idnum, ref.generation)] = ix
    for name, _value, ref in fields.enumerate_sig_fields(reader):
        obj = ref.get_object()
        if "/Rect" not in obj:
            continue
        x0, y0, x1, y1 = (float(v) for v in obj["/Rect"])
        box = Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if box.width < 1 or box.height < 1:
            continue
        p = obj.raw_get("/P") if "/P" in obj else None
        page = page_ix.get((p.idnum, p.generation), 0) if isinstance(p, IndirectObject) else 0
        out.append((name, page, box))
    return out


def seal_widget(
    reader: PdfFileReader,
    data: bytes | PdfText,
    seal: LoadedImage,
    diameter_mm: float,
    source: str,
    signer_name: str | None,
    signer_field: str,
) -> tuple[int, Box]:
    """Real size; the seal's right edge reaches one third into the signer's image (Điều 33 / Phụ lục I)."""
    existing = [w for w in signer_widgets(reader) if w[0].startswith(signer_field)]
    if existing:
        _, page, sig = existing[-1]
    else:
        block = find_signature_block(data, source, signer_name)
        gap = block.gap
        page = block.page
        h = max(gap.height - 4.0, 24.0)
        sig = Box(block.centre_x - h, gap.cy - h / 2, block.centre_x + h, gap.cy + h / 2)
    width = diameter_mm * PT_PER_MM
    height = width / seal.aspect
    right = sig.x0 + sig.width / 3
    return page, Box(right - width, sig.cy - height / 2, right, sig.cy + height / 2)


def attachment_widget(reader: PdfFileReader, lines: int = 2, size: float = 10) -> tuple[int, Box]:
    """Top right of page 1, inside the top margin, right-aligned with the text area (20 mm margin)."""
    page = reader.root["/Pages"]
    first = reader.find_page_for_modification(0)[0].get_object()
    box = first.get("/CropBox") or first.get("/MediaBox") or page.get("/MediaBox")
    x0, y0, x1, y1 = (float(v) for v in box)
    width = 150.0
    height = lines * size * 1.15 + 2
    right = x1 - 20 * PT_PER_MM
    top = y1 - 7 * PT_PER_MM
    return 0, Box(right - width, top - height, right, top)
