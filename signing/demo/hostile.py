"""Small hostile inputs that make a naive verifier burn time or memory, for the bounds tests and the bench.

Each builder returns the bytes of a PDF (most of them validly signed up to the hostile part). None of them
is an attack on the signature itself: a correct verifier answers each in bounded time and memory, with a
verdict, and never calls a manipulated one TOTAL_PASSED.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from signing.demo import attacks

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _last_startxref(data: bytes) -> int:
    m = _STARTXREF.search(data[-64:])
    if m is None:
        raise ValueError("no final startxref")
    return int(m.group(1))


def _trailer_root_size(data: bytes) -> tuple[bytes, int]:
    """The /Root reference and /Size of the newest trailer (or xref stream dictionary)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    root = reader.trailer.raw_get("/Root")
    assert isinstance(root, generic.IndirectObject)
    return f"{root.idnum} {root.generation} R".encode(), int(reader.trailer["/Size"])


def many_updates(signed: bytes, count: int = 10_000) -> bytes:
    """`count` empty incremental updates (an xref section listing no object) appended to `signed`.

    Nothing visible changes; a verifier whose work per revision grows with the number of revisions before it
    spends time quadratic in `count` on it.
    """
    root, size = _trailer_root_size(signed)
    out = bytearray(signed)
    prev = _last_startxref(signed)
    for _ in range(count):
        if not out.endswith(b"\n"):
            out += b"\n"
        offset = len(out)
        out += b"xref\n0 1\n0000000000 65535 f\r\n"
        out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\n" % (size, root, prev)
        out += b"startxref\n%d\n%%%%EOF\n" % offset
        prev = offset
    return bytes(out)


def many_fields(signer: signers.Signer, count: int = 1500) -> bytes:
    """A signed file with `count` signature fields, all pointing at the one signature dictionary.

    The extra fields are added in an update after signing, so the file is manipulated; each field is a few
    dozen bytes, but a verifier that checks each "signature" separately repeats the whole check `count` times.
    """
    signed = attacks.sign_bytes(attacks.sample_pdf(), signer)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    reader = writer.prev
    form = reader.root["/AcroForm"]
    fields = form["/Fields"]
    first = fields[0].get_object()
    sig_ref = first.raw_get("/V")
    page_ref = reader.root["/Pages"]["/Kids"][0]
    new_fields = generic.ArrayObject(list(fields))
    for n in range(count - 1):
        new_fields.append(
            writer.add_object(
                generic.DictionaryObject(
                    {
                        generic.NameObject("/FT"): generic.NameObject("/Sig"),
                        generic.NameObject("/T"): generic.TextStringObject(f"S{n}"),
                        generic.NameObject("/V"): sig_ref,
                        generic.NameObject("/Type"): generic.NameObject("/Annot"),
                        generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
                        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                        generic.NameObject("/P"): page_ref,
                    }
                )
            )
        )
    form_obj = reader.root.raw_get("/AcroForm")
    if isinstance(form_obj, generic.IndirectObject):
        form_dict = form_obj.get_object()
        form_dict[generic.NameObject("/Fields")] = new_fields
        writer.update_container(form_dict)
    else:
        writer.root[generic.NameObject("/AcroForm")][generic.NameObject("/Fields")] = new_fields
        writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def objstm_bomb_update(signed: bytes, decompressed_mb: int = 250, *, streams: int = 1) -> bytes:
    """`signed` plus one update whose catalog lives in `streams` object streams that each inflate to
    `decompressed_mb` MB (ratio ~1000:1, inside zlib's range, so naive ratio checks let it through)."""
    root, size = _trailer_root_size(signed)
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    catalog = reader.root
    body = io.BytesIO()
    catalog.write_to_stream(body)
    catalog_bytes = body.getvalue()
    root_num = int(root.split()[0])
    out = bytearray(signed)
    if not out.endswith(b"\n"):
        out += b"\n"
    rows: dict[int, bytes] = {}
    next_num = size
    chunk = b" " * (1 << 20)
    for s in range(streams):
        head = f"{root_num} 0 ".encode()
        payload = head + catalog_bytes
        comp = zlib.compressobj(9)
        parts = [comp.compress(payload.ljust(64))]
        for _ in range(decompressed_mb):
            parts.append(comp.compress(chunk))
        parts.append(comp.flush())
        data = b"".join(parts)
        num = next_num
        next_num += 1
        rows[num] = struct.pack(">BIH", 1, len(out), 0)
        if s == streams - 1:
            # Only the last stream really holds the catalog the xref points at.
            rows[root_num] = struct.pack(">BIH", 2, num, 0)
        out += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
            num,
            len(head),
            len(data),
        )
        out += data + b"\nendstream\nendobj\n"
    xref_num = next_num
    xref_offset = len(out)
    rows[xref_num] = struct.pack(">BIH", 1, xref_offset, 0)
    nums = sorted(rows)
    index = b" ".join(b"%d 1" % n for n in nums)
    table = b"".join(rows[n] for n in nums)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Root %s /Prev %d /Length %d >>\nstream\n"
        % (xref_num, xref_num + 1, index, root, _last_startxref(signed), len(table))
    )
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def many_pages(signer: signers.Signer, pages: int = 2000) -> bytes:
    """A genuinely signed file of `pages` text pages: large page tree, nothing hostile but its size."""
    return attacks.sign_bytes(attacks.sample_pdf(pages=pages), signer)


__all__ = ["many_fields", "many_pages", "many_updates", "objstm_bomb_update"]
