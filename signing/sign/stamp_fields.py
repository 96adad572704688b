"""Text form fields over the blank number and date, so issuance is "form filling" to a validator.

The director signs a draft whose number and date are blank. If the văn thư later wrote the
number into the page content, every earlier signature would break. Instead, before the director
signs, read-only, border-less /Tx fields are laid over the blanks (found from the page text); at
issuance only their values and appearance streams change, which pyHanko's difference analysis
classifies as ModificationLevel.FORM_FILLING and which keeps the director's signature valid.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from letters.core.errors import VanbanError
from signing.sign.appearance import SERIF_ITALIC, SERIF_REGULAR, pdf_font
from signing.sign.stamp_layout import Blank, Box, HeaderBlanks

if TYPE_CHECKING:  # fontTools and HarfBuzz load only when a field is filled (issuance), not to sign
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

NUMBER_FIELD = "SoVanBan"
DAY_FIELD = "NgayBanHanh"
MONTH_FIELD = "ThangBanHanh"
YEAR_FIELD = "NamBanHanh"
ISSUE_FIELDS = (NUMBER_FIELD, DAY_FIELD, MONTH_FIELD, YEAR_FIELD)

_READ_ONLY = 1
BASELINE_OFFSET = 0.25
_FONT_UPRIGHT = "/TiRo"
_FONT_ITALIC = "/TiIt"
# Q: 0 left, 1 centre, 2 right. The number hugs the slash of "/KH-STTTT"; day/month/year are centred.
_ALIGN = {NUMBER_FIELD: 2, DAY_FIELD: 1, MONTH_FIELD: 1, YEAR_FIELD: 0}


@dataclass(frozen=True)
class IssueField:
    name: str
    page: int
    box: Box
    font_size: float
    italic: bool
    value: str | None


def _standard_fonts() -> generic.DictionaryObject:
    """/DR fonts for viewers that regenerate appearances; vanban writes its own with an embedded font."""

    def std(base: str) -> generic.DictionaryObject:
        return generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name(base),
                pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
            }
        )

    return generic.DictionaryObject(
        {pdf_name(_FONT_UPRIGHT): std("/Times-Roman"), pdf_name(_FONT_ITALIC): std("/Times-Italic")}
    )


def _acroform(writer: BasePdfFileWriter) -> generic.DictionaryObject:
    root = writer.root
    if "/AcroForm" not in root:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    form = root["/AcroForm"]
    if "/Fields" not in form:
        form[pdf_name("/Fields")] = generic.ArrayObject()
    if "/DR" not in form:
        form[pdf_name("/DR")] = generic.DictionaryObject({pdf_name("/Font"): _standard_fonts()})
    writer.update_container(form)
    return form


def _field_names(reader_or_writer: PdfFileReader | BasePdfFileWriter) -> dict[str, generic.IndirectObject]:
    root = reader_or_writer.root
    try:
        fields = root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    out = {}
    for ref in fields:
        obj = ref.get_object()
        name = obj.get("/T")
        if name is not None:
            out[str(name)] = ref
    return out


def _empty_appearance(writer: BasePdfFileWriter, box: Box) -> generic.IndirectObject:
    stream = RawContent(b"", box=layout.BoxConstraints(width=box.width, height=box.height)).as_form_xobject()
    return writer.add_object(stream)


def add_issue_fields(writer: BasePdfFileWriter, blanks: HeaderBlanks) -> list[str]:
    """Lay empty read-only text fields over each blank. Returns the names of the fields added."""
    existing = _field_names(writer)
    wanted: list[tuple[str, Blank]] = [
        (name, blank)
        for name, blank in (
            (NUMBER_FIELD, blanks.number),
            (DAY_FIELD, blanks.day),
            (MONTH_FIELD, blanks.month),
            (YEAR_FIELD, blanks.year),
        )
        if blank is not None and name not in existing
    ]
    if not wanted:
        return []
    form = _acroform(writer)
    page_ref = writer.find_page_for_modification(blanks.page)[0]
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if annots is None:
        annots = generic.ArrayObject()
        page[pdf_name("/Annots")] = annots
        writer.update_container(page)
    elif isinstance(annots, generic.IndirectObject):
        annots = annots.get_object()
    for name, blank in wanted:
        font = _FONT_ITALIC if blank.italic else _FONT_UPRIGHT
        # The box's bottom sits BASELINE_OFFSET em below the printed line's baseline, so the
        # filled text can be drawn exactly on that baseline later.
        size = blank.font_size
        box = Box(
            blank.box.x0, blank.baseline - BASELINE_OFFSET * size, blank.box.x1, blank.baseline + 0.95 * size
        )
        field = generic.DictionaryObject(
            {
                pdf_name("/FT"): pdf_name("/Tx"),
                pdf_name("/T"): pdf_string(name),
                pdf_name("/Ff"): generic.NumberObject(_READ_ONLY),
                pdf_name("/Type"): pdf_name("/Annot"),
                pdf_name("/Subtype"): pdf_name("/Widget"),
                pdf_name("/F"): generic.NumberObject(4),  # print
                pdf_name("/P"): page_ref,
                pdf_name("/Rect"): generic.ArrayObject(
                    generic.FloatObject(round(v, 3)) for v in box.as_tuple()
                ),
                pdf_name("/DA"): pdf_string(f"{font} {blank.font_size:g} Tf 0 g"),
                pdf_name("/Q"): generic.NumberObject(_ALIGN[name]),
                pdf_name("/BS"): generic.DictionaryObject({pdf_name("/W"): generic.NumberObject(0)}),
                pdf_name("/MK"): generic.DictionaryObject(),
                pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): _empty_appearance(writer, box)}),
            }
        )
        ref = writer.add_object(field)
        annots.append(ref)
        form["/Fields"].append(ref)
    writer.update_container(annots)
    writer.update_container(form["/Fields"])
    writer.update_container(form)
    return [name for name, _ in wanted]


def read_issue_fields(reader: PdfFileReader | BasePdfFileWriter) -> dict[str, IssueField]:
    out = {}
    page_refs = _page_refs(reader)
    for name, ref in _field_names(reader).items():
        if name not in ISSUE_FIELDS:
            continue
        obj = ref.get_object()
        x0, y0, x1, y1 = (float(v) for v in obj["/Rect"])
        da = str(obj.get("/DA", f"{_FONT_UPRIGHT} 13 Tf 0 g")).split()
        size = float(da[da.index("Tf") - 1]) if "Tf" in da else 13.0
        page_ref = obj.get_value_as_reference("/P") if "/P" in obj else None
        page = page_refs.get((page_ref.idnum, page_ref.generation), 0) if page_ref else 0
        value = obj.get("/V")
        out[name] = IssueField(
            name=name,
            page=page,
            box=Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
            font_size=size,
            italic=_FONT_ITALIC in da,
            value=str(value) if value is not None else None,
        )
    return out


def _page_refs(reader: PdfFileReader | BasePdfFileWriter) -> dict[tuple[int, int], int]:
    out = {}
    count = int(reader.root["/Pages"]["/Count"])
    for ix in range(count):
        ref = reader.find_page_for_modification(ix)[0]
        out[(ref.idnum, ref.generation)] = ix
    return out


def fill_issue_fields(writer: BasePdfFileWriter, values: dict[str, str]) -> dict[str, IssueField]:
    """Set each field's value and give it an appearance in embedded Liberation Serif (TNR metrics)."""
    fields = read_issue_fields(writer)
    refs = _field_names(writer)
    filled = {}
    engines: dict[tuple[bool, int, bool], GlyphAccumulator] = {}
    for name, value in values.items():
        if name not in fields:
            raise VanbanError(f"Văn bản không có ô «{name}» để điền khi ban hành.")
        spec = fields[name]
        if spec.value:
            raise VanbanError(
                f"Ô «{name}» đã được điền «{spec.value}»: văn bản này đã được ban hành.",
                hint="Không cấp số lần thứ hai cho một văn bản.",
            )
        ap_ref = _text_appearance(writer, spec, value, _ALIGN[name], engines)
        field = refs[name].get_object()
        field[pdf_name("/V")] = pdf_string(value)
        field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): ap_ref})
        writer.update_container(field)
        filled[name] = IssueField(name, spec.page, spec.box, spec.font_size, spec.italic, value)
    return filled


# What a number or a date can hold. Fields are filled from a font cut down to these once per process: subsetting
# the whole Liberation Serif (its layout tables above all) for every issued document cost most of the time.
_FIELD_CHARS = frozenset("0123456789 ./-")


@functools.lru_cache(maxsize=4)
def _field_font(path: Path) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path))
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in sorted(_FIELD_CHARS)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_engine(
    writer: BasePdfFileWriter,
    italic: bool,
    size: int,
    value: str,
    engines: dict[tuple[bool, int, bool], GlyphAccumulator],
) -> GlyphAccumulator:
    """One embedded font per style and size in a document, shared by the fields that use it."""
    small = set(value) <= _FIELD_CHARS
    key = (italic, size, small)
    if key not in engines:
        ttf = pdf_font(SERIF_ITALIC if italic else SERIF_REGULAR)
        data = _field_font(ttf) if small else ttf.read_bytes()
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        engines[key] = GlyphAccumulator(writer, io.BytesIO(data), font_size=size)
    return engines[key]


def _text_appearance(
    writer: BasePdfFileWriter,
    spec: IssueField,
    value: str,
    align: int,
    engines: dict[tuple[bool, int, bool], GlyphAccumulator],
) -> generic.IndirectObject:
    """A form XObject drawing `value` on the printed line's baseline in embedded Liberation Serif."""
    size = spec.font_size
    engine = _font_engine(writer, spec.italic, round(size), value, engines)
    shaped = engine.shape(value)
    text_width = shaped.x_advance * size
    w, h = spec.box.width, spec.box.height
    x = {0: 0.5, 1: (w - text_width) / 2, 2: w - text_width - 0.5}[align]
    ops = b"/Tx BMC q BT /F1 %g Tf %.3f %.3f Td %s ET Q EMC" % (
        size,
        x,
        BASELINE_OFFSET * size,
        shaped.graphics_ops,
    )
    xobj = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(round(v, 3)) for v in (0, 0, w, h)),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): engine.as_resource()})}
            ),
        },
        stream_data=ops,
    )
    return writer.add_object(xobj)
