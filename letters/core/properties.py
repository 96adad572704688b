"""Document properties (File → Properties in Word and Excel) of every DOCX and XLSX vanban writes.

A document's properties are read by document management systems, by the "Title" column of a file
manager and by the PDF LibreOffice makes (its /Title is the document's title). They say what the document
is and who issues it, dated when it was made in Vietnam's time; never the name of the library that wrote
the file, a sample title, or the 2013 date of python-docx's default template.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from letters.core.vn import VN_TZ, vn_now

CORE_PART = "docProps/core.xml"
APP_PART = "docProps/app.xml"
THUMBNAIL_RT = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


@dataclass(frozen=True)
class DocumentProperties:
    title: str  # the document's name: tên loại and trích yếu ("Kế hoạch thực hiện đánh giá …")
    author: str  # the issuing body ("Sở Thông tin và Truyền thông tỉnh Bắc Giang")
    subject: str = ""  # what it is about: the campaign
    category: str = ""  # the kind of document ("Kế hoạch", "Phụ lục")
    status: str = ""  # "Dự thảo" while the number and date are blank
    keywords: str = ""  # the number and ký hiệu once issued
    language: str = "vi-VN"


def made_at() -> datetime:
    """When a document is made: now in Vietnam, or SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).astimezone(VN_TZ)
    return vn_now()


def core_xml(props: DocumentProperties, moment: datetime | None = None) -> str:
    """docProps/core.xml for `props`, created and modified at `moment` (W3CDTF with Vietnam's offset)."""
    when = (moment or made_at()).astimezone(VN_TZ).replace(microsecond=0).isoformat()
    fields = [
        ("dc:title", props.title),
        ("dc:subject", props.subject),
        ("dc:creator", props.author),
        ("cp:keywords", props.keywords),
        ("cp:lastModifiedBy", props.author),
        ("cp:category", props.category),
        ("cp:contentStatus", props.status),
        ("dc:language", props.language),
    ]
    body = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields if value)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{body}<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def app_xml(props: DocumentProperties) -> str:
    """docProps/app.xml naming the issuing body as the company, and no application."""
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Company>{escape(props.author)}</Company><DocSecurity>0</DocSecurity>"
        "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
    )


def without_thumbnail(rels: str) -> str:
    """The package relationships without a thumbnail (python-docx's template carries a generic one)."""
    import re

    return re.sub(rf'<Relationship [^>]*Type="{THUMBNAIL_RT}"[^>]*/>', "", rels)


def stamp_package(data: bytes, props: DocumentProperties, moment: datetime | None = None) -> bytes:
    """An OOXML package (DOCX, XLSX) with its core and app properties replaced and no thumbnail."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        thumbnails = {n for n in names if n.startswith("docProps/thumbnail")}
        for info in src.infolist():
            if info.filename in thumbnails:
                continue
            if info.filename == CORE_PART:
                dst.writestr(info, core_xml(props, moment).encode("utf-8"))
            elif info.filename == APP_PART:
                dst.writestr(info, app_xml(props).encode("utf-8"))
            elif info.filename == "_rels/.rels":
                dst.writestr(info, without_thumbnail(src.read(info).decode("utf-8")).encode("utf-8"))
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def stamp_file(path: Path, props: DocumentProperties, moment: datetime | None = None) -> None:
    """Replace the properties of the OOXML file at `path` in place (a temporary file not yet published)."""
    path = Path(path)
    path.write_bytes(stamp_package(path.read_bytes(), props, moment))
