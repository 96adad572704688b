"""Generators of signed test PDFs and of known attacks on them, for the verifier's tests and benchmark.

Each attack takes the bytes of a validly signed PDF and returns the bytes of a manipulated copy; a
correct verifier must never call the result TOTAL_PASSED. Nothing here touches a user's file.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from pathlib import Path

from asn1crypto import cms, x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers, timestamps

# ------------------------------------------------------------------ sample documents


def _font() -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )


def _text_stream(lines: list[str]) -> bytes:
    ops = ["BT", "/F1 12 Tf", "72 770 Td", "16 TL"]
    for line in lines:
        safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({safe}) Tj T*")
    ops.append("ET")
    return "\n".join(ops).encode("latin-1", "replace")


def _page(
    writer: PdfFileWriter | IncrementalPdfFileWriter,
    lines: list[str],
    image: tuple[bytes, int, int] | None = None,
) -> generic.DictionaryObject:
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): writer.add_object(_font())}
            ),
        }
    )
    content = _text_stream(lines)
    if image is not None:
        jpeg, width, height = image
        img = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Image"),
                generic.NameObject("/Width"): generic.NumberObject(width),
                generic.NameObject("/Height"): generic.NumberObject(height),
                generic.NameObject("/ColorSpace"): generic.NameObject("/DeviceRGB"),
                generic.NameObject("/BitsPerComponent"): generic.NumberObject(8),
                generic.NameObject("/Filter"): generic.NameObject("/DCTDecode"),
            },
            encoded_data=jpeg,
        )
        resources[generic.NameObject("/XObject")] = generic.DictionaryObject(
            {generic.NameObject("/Im1"): writer.add_object(img)}
        )
        content = b"q 451 0 0 600 72 100 cm /Im1 Do Q\n" + content
    return generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]
            ),
            generic.NameObject("/Resources"): resources,
            generic.NameObject("/Contents"): writer.add_object(generic.StreamObject(stream_data=content)),
        }
    )


def sample_pdf(
    lines: list[str] | None = None,
    *,
    pages: int = 1,
    image: tuple[bytes, int, int] | None = None,
    text_field: str | None = None,
) -> bytes:
    """A small text PDF (ASCII text, Helvetica); `image` = (JPEG bytes, width, height) adds a scan-like page;
    `text_field` adds an empty AcroForm text field of that name on page 1."""
    lines = lines or [
        "BAO CAO KET QUA CHUYEN DOI SO NAM 2026",
        "Ty le ho so truc tuyen: 87%",
        "So thu tuc hanh chinh: 120",
    ]
    writer = PdfFileWriter()
    for n in range(pages):
        writer.insert_page(_page(writer, [*lines, f"Trang {n + 1}/{pages}"], image if n == 0 else None))
    if text_field:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        field = writer.add_object(
            generic.DictionaryObject(
                {
                    generic.NameObject("/Type"): generic.NameObject("/Annot"),
                    generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
                    generic.NameObject("/FT"): generic.NameObject("/Tx"),
                    generic.NameObject("/T"): generic.TextStringObject(text_field),
                    generic.NameObject("/Rect"): generic.ArrayObject(
                        [generic.NumberObject(v) for v in (72, 600, 300, 620)]
                    ),
                    generic.NameObject("/DA"): generic.TextStringObject("/Helv 10 Tf 0 g"),
                    generic.NameObject("/P"): page_ref,
                }
            )
        )
        page_ref.get_object()[generic.NameObject("/Annots")] = generic.ArrayObject([field])
        writer.root[generic.NameObject("/AcroForm")] = generic.DictionaryObject(
            {
                generic.NameObject("/Fields"): generic.ArrayObject([field]),
            }
        )
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def noise_jpeg(width: int, height: int, *, seed: int = 0, quality: int = 90) -> bytes:
    """A JPEG of random noise: incompressible, so it stands in for a scanned page of a given size."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


# ------------------------------------------------------------------ signing (pyHanko directly)


def load_signer(p12: Path, password: str) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password.encode())
    if signer is None:
        raise ValueError(f"cannot load {p12}")
    return signer


def sign_bytes(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str = "Signature1",
    tsa_url: str | None = None,
    md_algorithm: str = "sha256",
    subfilter: fields.SigSeedSubFilter = fields.SigSeedSubFilter.PADES,
    certify: bool = False,
) -> bytes:
    """Sign `data` in an incremental update (PAdES B-B, or B-T with `tsa_url`)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm=md_algorithm, subfilter=subfilter, certify=certify
    )
    tsa = timestamps.HTTPTimeStamper(tsa_url, timeout=20) if tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=tsa)
    out = io.BytesIO()
    asyncio.run(pdf_signer.async_sign_pdf(writer, output=out))
    return out.getvalue()


# ------------------------------------------------------------------ attacks


def _incremental(signed: bytes) -> tuple[IncrementalPdfFileWriter, PdfFileReader]:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    return writer, writer.prev


def _finish(writer: IncrementalPdfFileWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def change_content(signed: bytes, new_lines: list[str] | None = None) -> bytes:
    """Replace page 1's content stream in an incremental update (what the signer saw is gone)."""
    writer, reader = _incremental(signed)
    page_ref = reader.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    new_stream = _text_stream(
        new_lines
        or [
            "BAO CAO KET QUA CHUYEN DOI SO NAM 2026",
            "Ty le ho so truc tuyen: 99%",
            "So thu tuc hanh chinh: 500",
        ]
    )
    page[generic.NameObject("/Contents")] = writer.add_object(generic.StreamObject(stream_data=new_stream))
    writer.update_container(page)
    return _finish(writer)


def add_page(signed: bytes) -> bytes:
    """Append a page in an incremental update."""
    writer, _ = _incremental(signed)
    writer.insert_page(_page(writer, ["PHU LUC BO SUNG SAU KHI KY", "Diem tu cham: 100/100"]))
    return _finish(writer)


def overlay_annotation(signed: bytes) -> bytes:
    """Lay an opaque annotation with different text over the signed text (an 'evil annotation')."""
    writer, reader = _incremental(signed)
    page_ref = reader.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    appearance = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 300, 40)]
            ),
            generic.NameObject("/Resources"): generic.DictionaryObject(
                {
                    generic.NameObject("/Font"): generic.DictionaryObject(
                        {generic.NameObject("/F1"): writer.add_object(_font())}
                    )
                }
            ),
        },
        stream_data=b"1 1 1 rg 0 0 300 40 re f BT 0 0 0 rg /F1 12 Tf 2 14 Td (Ty le ho so truc tuyen: 99%) Tj ET",
    )
    annot = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (70, 735, 370, 775)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("Ty le ho so truc tuyen: 99%"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/AP"): generic.DictionaryObject(
                {generic.NameObject("/N"): writer.add_object(appearance)}
            ),
            generic.NameObject("/P"): page_ref,
        }
    )
    annot_ref = writer.add_object(annot)
    annots = page.get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        arr = annots.get_object()
        arr.append(annot_ref)
        writer.update_container(arr)
    else:
        arr = generic.ArrayObject(list(annots) if annots else [])
        arr.append(annot_ref)
        page[generic.NameObject("/Annots")] = arr
        writer.update_container(page)
    return _finish(writer)


def fill_text_field(signed: bytes, name: str, value: str) -> bytes:
    """Fill a text field in an incremental update: a form-filling change, which a policy may accept."""
    writer, reader = _incremental(signed)
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            field[generic.NameObject("/V")] = generic.TextStringObject(value)
            writer.update_container(field)
            return _finish(writer)
    raise ValueError(f"no text field {name!r}")


def _byte_range(data: bytes) -> list[int]:
    matches = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data))
    if not matches:
        raise ValueError("no /ByteRange found")
    return [int(x) for x in matches[0].groups()]


def flip_signed_byte(signed: bytes) -> bytes:
    """Change one digit inside the first signed range (in the page text), leaving the signature as is."""
    start, len1, _, _ = _byte_range(signed)
    region = signed[start : start + len1]
    m = re.search(rb"\((Ty le ho so truc tuyen: )(\d)", region)
    if m:
        pos = start + m.start(2)
    else:
        # Not our sample: change a byte near the middle of the first range, away from the header.
        pos = start + max(16, len1 // 2)
    data = bytearray(signed)
    data[pos] = ord("9") if data[pos] != ord("9") else ord("1")
    return bytes(data)


def swap_certificate(signed: bytes, cert_der: bytes) -> bytes:
    """Replace the signer's certificate (and the signer identifier) in the CMS with another certificate.

    The hash still matches, but the signature value was made with a different key.
    """
    start, len1, start2, _ = _byte_range(signed)
    hole = signed[start + len1 : start2]
    hex_digits = hole.strip()[1:-1]
    der = bytes.fromhex(hex_digits.decode("ascii"))
    info = cms.ContentInfo.load(der)
    new_der = _swapped_cms(info, x509.Certificate.load(cert_der))
    new_hex = new_der.hex().encode("ascii")
    if len(new_hex) > len(hex_digits):
        raise ValueError("swapped signature does not fit in the /Contents placeholder")
    new_hole = b"<" + new_hex + b"0" * (len(hex_digits) - len(new_hex)) + b">"
    if len(new_hole) != len(hole):
        new_hole = new_hole.ljust(len(hole), b" ")
    return signed[: start + len1] + new_hole + signed[start2:]


def _swapped_cms(info: cms.ContentInfo, new_cert: x509.Certificate) -> bytes:
    sd = info["content"]
    signer_info = sd["signer_infos"][0]
    sid = signer_info["sid"]
    old_serial = sid.chosen["serial_number"].native if sid.name == "issuer_and_serial_number" else None
    certs = []
    for choice in sd["certificates"]:
        cert = choice.chosen
        if isinstance(cert, x509.Certificate) and cert.serial_number == old_serial:
            certs.append(cms.CertificateChoices(name="certificate", value=new_cert))
        else:
            certs.append(choice)
    new_sid = cms.SignerIdentifier(
        name="issuer_and_serial_number",
        value=cms.IssuerAndSerialNumber({"issuer": new_cert.issuer, "serial_number": new_cert.serial_number}),
    )
    fields_ = {
        "version": signer_info["version"],
        "sid": new_sid,
        "digest_algorithm": signer_info["digest_algorithm"],
        "signed_attrs": signer_info["signed_attrs"],
        "signature_algorithm": signer_info["signature_algorithm"],
        "signature": signer_info["signature"],
    }
    if signer_info["unsigned_attrs"].native is not None:
        fields_["unsigned_attrs"] = signer_info["unsigned_attrs"]
    new_si = cms.SignerInfo(fields_)
    new_sd = cms.SignedData(
        {
            "version": sd["version"],
            "digest_algorithms": sd["digest_algorithms"],
            "encap_content_info": sd["encap_content_info"],
            "certificates": certs,
            "signer_infos": [new_si],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": new_sd}).dump()


def _replace_cms(signed: bytes, edit: Callable[[cms.ContentInfo], bytes]) -> bytes:
    start, len1, start2, _ = _byte_range(signed)
    hole = signed[start + len1 : start2]
    hex_digits = hole.strip()[1:-1]
    info = cms.ContentInfo.load(bytes.fromhex(hex_digits.decode("ascii")))
    new_hex = edit(info).hex().encode("ascii")
    if len(new_hex) > len(hex_digits):
        raise ValueError("edited signature does not fit in the /Contents placeholder")
    new_hole = (b"<" + new_hex + b"0" * (len(hex_digits) - len(new_hex)) + b">").ljust(len(hole), b" ")
    return signed[: start + len1] + new_hole + signed[start2:]


def strip_certificates(signed: bytes) -> bytes:
    """Remove every certificate from the signature: nobody can tell who signed."""

    def edit(info: cms.ContentInfo) -> bytes:
        sd = info["content"]
        new_sd = cms.SignedData(
            {
                "version": sd["version"],
                "digest_algorithms": sd["digest_algorithms"],
                "encap_content_info": sd["encap_content_info"],
                "signer_infos": sd["signer_infos"],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": new_sd}).dump()

    return _replace_cms(signed, edit)


def corrupt_timestamp(signed: bytes) -> bytes:
    """Flip a bit in the signature value of the embedded RFC 3161 timestamp token (PAdES B-T)."""

    def edit(info: cms.ContentInfo) -> bytes:
        der = bytearray(info.dump())
        si = info["content"]["signer_infos"][0]
        token = si["unsigned_attrs"][0]["values"][0]
        tst_sig = token["content"]["signer_infos"][0]["signature"].contents
        pos = bytes(der).rfind(tst_sig)
        if pos < 0:
            raise ValueError("timestamp signature not found")
        der[pos + len(tst_sig) // 2] ^= 0x01
        return bytes(der)

    return _replace_cms(signed, edit)


def hidden_revision(signed: bytes) -> bytes:
    """Append a complete revision with changed content, then a final startxref that points back at the
    signed revision. Readers that follow startxref see the signed file; repairing readers see the new one.
    """
    changed = change_content(signed)
    extra = changed[len(signed) :]
    m = list(re.finditer(rb"startxref\s+(\d+)\s+%%EOF", signed))
    if not m:
        raise ValueError("signed file has no startxref")
    signed_xref = m[-1].group(1)
    return signed + extra + b"\nstartxref\n" + signed_xref + b"\n%%EOF\n"


def append_garbage(signed: bytes) -> bytes:
    """Bytes after the final %%EOF that belong to no revision."""
    return signed + b"\n1 0 obj\n(unsigned data)\nendobj\n"


def objstm_bomb(decompressed_mb: int = 400, *, noise_kb: int = 0) -> bytes:
    """An unsigned PDF whose catalog sits in an object stream that inflates to `decompressed_mb` MB:
    a resource-exhaustion input that a bulk checker must survive. `noise_kb` of random bytes lower the
    compression ratio, so the stream passes ratio-based decode limits and really gets inflated."""
    import random
    import struct
    import zlib

    payload_head = b"1 0 << /Type /Catalog /Pages 3 0 R >>"
    comp = zlib.compressobj(1)
    body = [comp.compress(payload_head.ljust(64)), comp.compress(random.Random(0).randbytes(noise_kb * 1024))]
    chunk = b" " * (1 << 20)
    for _ in range(decompressed_mb):
        body.append(comp.compress(chunk))
    body.append(comp.flush())
    stream = b"".join(body)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    offsets[2] = len(out)
    out += (
        (
            b"2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(stream)
        )
        + stream
        + b"\nendstream\nendobj\n"
    )
    offsets[3] = len(out)
    out += b"3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    offsets[4] = len(out)
    rows = [
        struct.pack(">BIH", 0, 0, 65535),
        struct.pack(">BIH", 2, 2, 0),
        struct.pack(">BIH", 1, offsets[2], 0),
        struct.pack(">BIH", 1, offsets[3], 0),
        struct.pack(">BIH", 1, offsets[4], 0),
    ]
    xref = b"".join(rows)
    out += (
        b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(xref)
        + xref
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[4]
    return bytes(out)


ATTACKS = {
    "content_changed": change_content,
    "page_added": add_page,
    "annotation_overlay": overlay_annotation,
    "signed_byte_changed": flip_signed_byte,
    "hidden_revision": hidden_revision,
    "trailing_garbage": append_garbage,
}
