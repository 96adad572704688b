"""Specimen images and pyHanko stamp styles for the NĐ 30 signature appearances.

The specimen signature and seal are clearly labelled "MẪU" (specimen): real agencies scan
their own signature and seal. Both are transparent PNGs, the signature blue (Điều 13.6 /
Phụ lục I: blue ink) and the seal red, as NĐ 30 prescribes for the images of digital signatures.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import math
import os
import random
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from letters.core.errors import VanbanError
from letters.core.files import file_mode

# fontTools reports every table it drops while subsetting the embedded font; users need not see that.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
SERIF_REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
SERIF_ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
SERIF_BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

SIGNATURE_BLUE = (18, 45, 160)
SEAL_RED = (214, 24, 30)
SPECIMEN_NOTE = "MẪU MINH HỌA - không phải chữ ký/con dấu thật"
MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH


def font_path(path: Path) -> Path:
    if not path.is_file():
        raise VanbanError(
            f"Không tìm thấy phông chữ {path}.",
            hint="Cài gói fonts-liberation2 (scripts/install_system.sh).",
        )
    return path


def _png_bytes(img: Image.Image, dpi: int) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", SPECIMEN_NOTE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi), pnginfo=info)
    return buf.getvalue()


def specimen_signature_png(seed: int = 30) -> bytes:
    """A blue, transparent specimen signature: a pen scribble plus the word "MẪU"."""
    width, height = 720, 300
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    rng = random.Random(seed)
    ink = (*SIGNATURE_BLUE, 255)
    # A prolate cycloid gives the loops of a handwritten flourish; jitter makes it less mechanical.
    points = []
    for i in range(400):
        t = i / 399 * 5.5 * math.pi
        x = 50 + 26 * t - 34 * math.sin(t)
        y = 120 - 62 * math.cos(t) * (1 - t / 40) + 4 * t + rng.uniform(-1.2, 1.2)
        points.append((x, y))
    draw.line(points, fill=ink, width=6, joint="curve")
    swash = [(70 + 5.6 * k, 215 - 30 * math.sin(k / 100 * math.pi) + 0.25 * k) for k in range(101)]
    draw.line(swash, fill=ink, width=5, joint="curve")
    font = ImageFont.truetype(str(font_path(SERIF_BOLD)), 80)
    draw.text((width - 30, height - 12), "MẪU", font=font, fill=ink, anchor="rd")
    return _png_bytes(img, dpi=300)


def specimen_seal_png(
    ring_text: str = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG * TỈNH BẮC GIANG",
    diameter_mm: float = 38.0,
    dpi: int = 300,
) -> bytes:
    """A red, round, transparent specimen seal with text around the ring and "MẪU" in the centre."""
    size = round(diameter_mm / MM_PER_INCH * dpi)
    scale = size / 450
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    ink = (*SEAL_RED, 255)
    c = size / 2
    outer = c - 4 * scale
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=ink, width=round(9 * scale))
    inner = outer - 78 * scale
    draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=ink, width=round(5 * scale))
    font = ImageFont.truetype(str(font_path(SERIF_BOLD)), round(40 * scale))
    text_radius = (outer + inner) / 2
    chars = list(ring_text)
    # Like a real seal: the text runs clockwise from lower left over the top, leaving a gap below.
    step = 300 / max(len(chars) - 1, 1)
    for i, ch in enumerate(chars):
        angle = 120 + i * step
        glyph = Image.new("RGBA", (round(70 * scale), round(70 * scale)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=font, fill=ink, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC, expand=True)
        x = c + text_radius * math.cos(math.radians(angle))
        y = c + text_radius * math.sin(math.radians(angle))
        img.alpha_composite(glyph, (round(x - glyph.width / 2), round(y - glyph.height / 2)))
    big = ImageFont.truetype(str(font_path(SERIF_BOLD)), round(92 * scale))
    draw.text((c, c + 8 * scale), "MẪU", font=big, fill=ink, anchor="mm")
    if DEJAVU.is_file():  # Liberation has no star glyph; the star is decoration only
        star = ImageFont.truetype(str(DEJAVU), round(44 * scale))
        draw.text((c, c - 72 * scale), "★", font=star, fill=ink, anchor="mm")
    return _png_bytes(img, dpi=dpi)


@functools.lru_cache(maxsize=16)
def _decoded(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    img.load()
    return img if img.mode in ("RGBA", "LA") else img.convert("RGBA")


@dataclass(frozen=True)
class LoadedImage:
    """A PNG ready to be placed: its pixels and its natural aspect ratio."""

    png: bytes
    width_px: int
    height_px: int

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px

    def pil(self) -> Image.Image:
        return _decoded(self.png).copy()


@functools.lru_cache(maxsize=16)
def load_png(data: bytes, source: str) -> LoadedImage:
    """Checked once per distinct image: a batch signs many documents with the same picture."""
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:  # Pillow raises many kinds for bad files
        raise VanbanError(f"Không đọc được ảnh {source}: tệp không phải ảnh PNG hợp lệ.") from exc
    if img.format != "PNG":
        raise VanbanError(f"Ảnh {source} phải là tệp PNG nền trong suốt (đang là {img.format}).")
    if "A" not in img.mode and "transparency" not in img.info:
        raise VanbanError(
            f"Ảnh {source} không có nền trong suốt.",
            hint="Nghị định 30 yêu cầu ảnh chữ ký và ảnh dấu định dạng PNG nền trong suốt.",
        )
    return LoadedImage(png=data, width_px=img.width, height_px=img.height)


@functools.lru_cache(maxsize=16)
def _flate_image(png: bytes) -> tuple[int, int, bytes, bytes]:
    """RGB samples and alpha mask of a PNG, Flate-compressed once for every document it goes into."""
    img = _decoded(png)
    alpha = img.getchannel("A")  # _decoded always yields RGBA or LA
    colour = img.convert("RGB")
    return img.width, img.height, zlib.compress(colour.tobytes()), zlib.compress(alpha.tobytes())


class _BatchPdfImage(PdfImage):
    """pyHanko re-encodes the image for each document; the encoded samples never change."""

    def __init__(self, image: LoadedImage) -> None:
        super().__init__(_decoded(image.png))
        self._png = image.png

    @property
    def image_ref(self) -> generic.IndirectObject:
        writer = self.writer
        assert writer is not None
        cached = self._image_ref
        if cached is not None and cached.get_pdf_handler() is writer:
            return cached
        width, height, colour, alpha = _flate_image(self._png)

        def image(space: str, data: bytes, smask: generic.IndirectObject | None) -> generic.IndirectObject:
            entries = {
                pdf_name("/Type"): pdf_name("/XObject"),
                pdf_name("/Subtype"): pdf_name("/Image"),
                pdf_name("/Width"): generic.NumberObject(width),
                pdf_name("/Height"): generic.NumberObject(height),
                pdf_name("/ColorSpace"): pdf_name(space),
                pdf_name("/BitsPerComponent"): generic.NumberObject(8),
                pdf_name("/Filter"): pdf_name("/FlateDecode"),
            }
            if smask is not None:
                entries[pdf_name("/SMask")] = smask
            return writer.add_object(generic.StreamObject(entries, encoded_data=data))

        self._image_ref = ref = image("/DeviceRGB", colour, image("/DeviceGray", alpha, None))
        return ref


def image_stamp_style(image: LoadedImage) -> StaticStampStyle:
    """A stamp that is just the image, fitted into the widget box, no border, fully opaque."""
    return StaticStampStyle(
        background=_BatchPdfImage(image),
        border_width=0,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
    )


@functools.lru_cache(maxsize=8)
def pdf_font(path: Path) -> Path:
    """A copy of a TrueType font rescaled to 1000 units per em, cached on disk.

    pyHanko's glyph accumulator writes the font's raw advance widths into the PDF /W array,
    which PDF defines in thousandths of an em; Liberation Serif has 2048 units per em, so
    its glyphs would be spaced twice too wide. Hinting is dropped: it is tied to the old grid.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    from fontTools.ttLib.tables import ttProgram

    source = font_path(path)
    font = TTFont(str(source))
    if font["head"].unitsPerEm == 1000:
        return source
    stat = source.stat()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vanban" / "fonts"
    target = cache / f"{source.stem}-{stat.st_size}-{int(stat.st_mtime)}-upm1000.ttf"
    if target.is_file():
        return target
    scale_upem(font, 1000)
    for tag in ("fpgm", "prep", "cvt ", "hdmx", "LTSH", "VDMX"):
        if tag in font:
            del font[tag]
    glyf = font["glyf"]
    for name in glyf.keys():
        glyph = glyf[name]
        if hasattr(glyph, "program"):
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
        os.close(fd)
    except OSError:
        cache = Path(tempfile.mkdtemp(prefix="vanban-fonts-"))
        target = cache / target.name
        tmp = str(cache / "font.tmp")
    font.save(tmp)
    with contextlib.suppress(OSError):
        os.chmod(tmp, file_mode())  # mkstemp's 0600: a shared cache must stay readable by its other users
    os.replace(tmp, target)  # atomic: concurrent processes never see half a font
    return target


def text_box_style(size: float, *, italic: bool = False) -> TextBoxStyle:
    """Liberation Serif (metric clone of Times New Roman), embedded, so diacritics survive."""
    # The OpenType engine (fontTools, HarfBuzz) loads only for appearances that set text.
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    ttf = pdf_font(SERIF_ITALIC if italic else SERIF_REGULAR)
    points = round(size)  # pyHanko's layout engine does exact (Fraction) arithmetic on integer sizes
    return TextBoxStyle(
        font=GlyphAccumulatorFactory(str(ttf), font_size=points),
        font_size=points,
        leading=round(points * 1.15),
        border_width=0,
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def attachment_stamp_style(size: float = 10) -> TextStampStyle:
    """Text-only appearance for attachments: số/ký hiệu and ISO 8601 time, TNR 10, black, upright."""
    return TextStampStyle(
        stamp_text="%(reference)s\n%(signed_at)s",
        text_box_style=text_box_style(size),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,  # flush with the right margin of the text area
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(0),
        ),
    )
