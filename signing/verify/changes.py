"""Strict analysis of the updates made after a signature, judged by what a reader would see.

pyHanko's difference analysis runs first (checks.py); this second pass can only make a verdict worse. It
reads every incremental update after the signed revision itself, at the level of the bytes, and reports a
content change for:

- an object listed twice in one update's cross-reference data (table, hybrid stream or xref stream), an
  entry pointing at a different object, a dictionary with a key given twice, a stream whose /Length and
  `endstream` disagree, an object stream whose header contradicts the cross-reference, an object written
  in an update but not listed in its table: wherever two PDF readers can read different things;
- any object the signed revision reaches from its catalog (pages, contents, resources, fonts, images,
  annotations, the AcroForm and its fields, appearance streams...) that is freed or redefined, unless the
  change is one of the allowed kinds: a page's /Annots or the form's /Fields growing with new objects, a
  field's value, appearance and flags, the catalog gaining /AcroForm, /DSS, /Extensions or /Metadata, the
  DSS and XMP metadata themselves;
- an object the signed revision refers to but does not define, defined later ("shadow" object);
- a trailer that replaces the catalog, adds encryption, or points /Info (or any key) at signed content;
- new annotations that are neither signature fields nor comments, and every new or changed annotation,
  field or signature appearance that covers text or images of the signed page (overlap.py), except the
  NĐ 30 agency seal over the left third of the signer's signature image.

Where pyHanko is lenient (version 0.38, sign/diff_analysis and pdf_utils):
- `ignore_identical_objects` compares objects as pyHanko parsed them. pyHanko keeps the last of two xref
  entries for one object, poppler the first; pyHanko keeps the first of two equal dictionary keys, poppler
  the last; so an update can look identical to pyHanko and show other text in poppler and PDFium.
- `_find_orphans` assumes "no shady behaviour with older revisions referring to as-of-yet-undefined
  references": an XObject or annotation the signed page refers to but that is defined only later is an
  orphan to pyHanko, approved at LTA_UPDATES level.
- objects in object streams are found by number (`_get_object_from_stream`), poppler takes the index the
  xref gives: an object stream holding the page twice shows pyHanko the signed copy.
- an object written in an update but left out of its xref is invisible to pyHanko; readers that rebuild
  the cross-reference (poppler does when startxref is a few bytes off, which pyHanko silently corrects)
  take it.
- pyHanko reads a stream's /Length bytes and forgives a length one byte too long or junk between
  `endstream` and `endobj`; readers that trust `endstream` over /Length read something else.
- SigFieldCreationRule accepts new signature fields anywhere with any appearance, and the form rules accept
  any new appearance for a filled field: covering signed content is not considered (EAA/SSA attacks).

Everything here is linear in the file size and the number of revisions: every update is parsed once per
file, the signed revision's object graph once per signature.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.decode_limits import DecodeContext, DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler
from pyhanko.pdf_utils.xref import (
    ObjStreamRef,
    XRefEntry,
    XRefSectionType,
    XRefType,
    parse_xref_stream,
    parse_xref_table,
    read_object_header,
)

from signing.verify.overlap import Rect, SignedPages

log = logging.getLogger(__name__)

# Mirrors signing.sign.keys.AGENCY_FIELD and the seal geometry of signing.sign.stamp_place (the two
# packages may not import each other). The exemption below is geometric, not by name: names are forgeable.
PT_PER_MM = 72 / 25.4
SEAL_MIN_MM, SEAL_MAX_MM = 20.0, 45.0  # real seals are 30-42 mm; vanban's default is 38 mm
SEAL_TOLERANCE_PT = 3.0

# Comment and markup annotations (see annotations.py); a policy may allow adding them.
COMMENT_SUBTYPES = frozenset(
    {
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Stamp",
        "/Caret",
        "/Ink",
        "/Popup",
    }
)

CATALOG_MAY_CHANGE = frozenset({"/AcroForm", "/DSS", "/Extensions", "/Metadata", "/MarkInfo", "/Version"})
ACROFORM_MAY_CHANGE = frozenset({"/Fields", "/SigFlags", "/DR", "/DA", "/Q", "/NeedAppearances"})
# pyHanko's VALUE_UPDATE_KEYS: value, appearance, flags. Whatever they change stays inside the field's
# rectangle, and every field or widget changed after signing goes through the overlap check.
FIELD_MAY_CHANGE = frozenset({"/V", "/AP", "/AS", "/F", "/DA", "/Q", "/Ff", "/Type"})
LIST_KEYS = frozenset({"/Annots", "/Fields", "/Kids"})

_HIDDEN, _NO_VIEW = 2, 32  # annotation flags
_OBJ_HEADER = re.compile(
    rb"(?<![0-9])([0-9]{1,10})[ \t\r\n\f\x00]+([0-9]{1,5})[ \t\r\n\f\x00]+obj(?![A-Za-z])"
)
_WS = b" \t\r\n\f\x00"

Loc = tuple[int, "int | ObjStreamRef"]  # generation, file offset or object-stream slot


@dataclass(frozen=True)
class Finding:
    """One reason the file is not what the signer signed, in words for the report."""

    code: str
    text: str
    obj: int | None = None
    page: int | None = None  # 1-based


class _Unreadable(Exception):
    pass


# ---------------------------------------------------------------- one revision as a PDF reader sees it


class _View(PdfHandler):
    """Objects as of one revision, located by our own map (not pyHanko's history search, which is linear in
    the number of revisions per object) and parsed once."""

    def __init__(self, owner: FileChanges, locations: dict[int, Loc | None], *, strict: bool = False) -> None:
        self.owner = owner
        self.locations = locations
        self.strict = strict
        self.cache: dict[int, generic.PdfObject] = {}

    @property
    def decode_context(self) -> DecodeContext:
        return self.owner.decode_context

    def get_object(self, ref: generic.Reference, as_metadata_stream: bool = False) -> generic.PdfObject:
        return self.get(ref.idnum)

    def get(self, idnum: int) -> generic.PdfObject:
        if idnum in self.cache:
            return self.cache[idnum]
        loc = self.locations.get(idnum)
        obj: generic.PdfObject = generic.NullObject() if loc is None else self.owner.read(idnum, loc, self)
        self.cache[idnum] = obj
        return obj

    def deref(self, value: Any) -> Any:
        return self.get(value.idnum) if isinstance(value, generic.IndirectObject) else value

    def defines(self, idnum: int) -> bool:
        return self.locations.get(idnum) is not None


# ---------------------------------------------------------------- what one update contains


@dataclass
class _Update:
    revision: int
    entries: dict[int, list[tuple[str, XRefEntry]]]  # idnum -> (table | hybrid | stream, entry)
    winners: dict[int, Loc | None]  # the entry pyHanko uses; None = freed
    trailer: generic.DictionaryObject  # this update's own trailer (keys it does not repeat are inherited)
    problems: list[Finding]  # byte-level ambiguities, whatever the signed revision


# ---------------------------------------------------------------- the signed revision's object graph


@dataclass
class _Use:
    label: str
    page: int | None  # 0-based
    keys: set[str] = field(default_factory=set)
    group: str = "main"  # main | metadata | dss: where the object was first reached


@dataclass
class _Annotation:
    idnum: int
    page: int
    rect: Rect | None
    visible: bool
    has_appearance: bool
    subtype: str
    signature: bool  # a signature field's widget
    signed: bool  # ... holding a signature value


@dataclass
class _Graph:
    revision: int
    view: _View
    root: int
    info: int | None
    uses: dict[int, _Use] = field(default_factory=dict)
    dangling: dict[int, _Use] = field(default_factory=dict)
    kinds: dict[int, set[str]] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)
    annotations: dict[int, _Annotation] = field(default_factory=dict)
    field_names: dict[int, str] = field(default_factory=dict)
    field_kids: dict[int, list[int]] = field(default_factory=dict)
    sig_fields: set[int] = field(default_factory=set)
    annots_pages: dict[int, list[int]] = field(default_factory=dict)  # indirect /Annots array -> pages

    def where(self, idnum: int) -> str:
        use = self.uses.get(idnum) or self.dangling.get(idnum)
        if use is None:
            return ""
        if use.page is None:
            return f" ({use.label})"
        page = use.page + 1
        if use.label == "trang":
            return f" (trang {page})"
        joint = {"nội dung": " ", "tài nguyên": " của "}.get(use.label, " trên ")
        return f" ({use.label}{joint}trang {page})"

    def page_of(self, idnum: int) -> int | None:
        use = self.uses.get(idnum) or self.dangling.get(idnum)
        return use.page + 1 if use is not None and use.page is not None else None


class FileChanges:
    """Strict change analysis for one open file; ask `findings()` for each signature not covering it all."""

    def __init__(self, reader: PdfFileReader, fh: BinaryIO, size: int) -> None:
        self.reader = reader
        self.fh = fh
        self.size = size
        self.xrefs = reader.xrefs
        self.total = self.xrefs.total_revisions
        self.decode_context = reader.decode_context.fresh()
        self._updates: dict[int, _Update] = {}
        self._objstms: dict[tuple[int, Any], list[tuple[int, int]]] = {}
        self._run: dict[int, Loc | None] = {}
        self._run_rev = -1
        self._final: _View | None = None
        self._ends: dict[int, int] = {}
        self._parsed: dict[tuple[int, Loc], generic.PdfObject] = {}

    # ------------------------------------------------------------ public entry point
    def findings_for(self, emb: Any) -> list[Finding]:
        """Content changes after an embedded signature (pyHanko's EmbeddedPdfSignature)."""
        byte_range = [int(v) for v in emb.byte_range]
        return self.findings(emb.signed_revision, byte_range[-2] + byte_range[-1])

    def findings(self, signed_revision: int, signed_end: int) -> list[Finding]:
        """Content changes after `signed_revision` (whose bytes end at `signed_end`); empty if there are none."""
        if signed_revision >= self.total - 1:
            return []
        try:
            return self._findings(signed_revision, signed_end)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - a change we cannot analyse is not a harmless one
            log.debug("strict change analysis failed", exc_info=True)
            return [
                Finding(
                    "unanalysable",
                    "phần bổ sung sau khi ký có cấu trúc không phân tích được; không khẳng định được nội dung "
                    "hiển thị là nội dung đã ký",
                )
            ]

    def _findings(self, s: int, signed_end: int) -> list[Finding]:
        graph = self._graph(s)
        final = self._final_view()
        out: list[Finding] = []
        changed_annots: set[int] = set()
        touched_pages: set[int] = set()  # 0-based: pages whose annotations may differ from the signed ones
        need_appearances = False
        previous_end = signed_end
        signed_trailer = self.reader.trailer.flatten(s)
        trailer = generic.DictionaryObject(signed_trailer)  # in effect after each update, built as we go
        for t in range(s + 1, self.total):
            update = self._update(t)
            for ambiguity in update.problems:
                out.append(_locate(ambiguity, graph))
            start = self.xrefs.get_xref_container_info(t).declared_startxref
            if start < previous_end:
                out.append(
                    Finding(
                        "layout",
                        "phần bổ sung sau khi ký không nằm sau vùng dữ liệu đã ký (cấu trúc tệp bất thường)",
                    )
                )
            previous_end = max(previous_end, self._end_of(t))
            trailer.update(update.trailer)
            out.extend(self._trailer_findings(trailer, graph, signed_trailer))
            for idnum, loc in update.winners.items():
                kinds = graph.kinds.get(idnum, set())
                if "page" in kinds or idnum in graph.dangling:
                    use = graph.uses.get(idnum) or graph.dangling.get(idnum)
                    touched_pages.update([use.page] if use is not None and use.page is not None else [])
                if "annots_array" in kinds:
                    touched_pages.update(graph.annots_pages.get(idnum, []))
                if idnum in graph.dangling and loc is not None:
                    out.append(
                        Finding(
                            "shadow",
                            f"đối tượng {idnum}{graph.where(idnum)} được tham chiếu từ lúc ký nhưng chỉ được "
                            "định nghĩa sau khi ký (tấn công «shadow»)",
                            idnum,
                            graph.page_of(idnum),
                        )
                    )
                    continue
                if idnum not in graph.uses:
                    continue
                if loc is None:
                    out.append(
                        Finding(
                            "freed",
                            f"đối tượng {idnum}{graph.where(idnum)} bị xoá sau khi ký",
                            idnum,
                            graph.page_of(idnum),
                        )
                    )
                    continue
                try:
                    new = self.read(idnum, loc, final)
                except (_Unreadable, misc.PdfReadError, ValueError, TypeError, KeyError):
                    continue  # reported with the update's byte-level problems
                problem, touched, wants_redraw = self._judge(idnum, new, graph, final)
                need_appearances |= wants_redraw
                changed_annots |= touched
                if problem:
                    out.append(Finding("redefined", problem, idnum, graph.page_of(idnum)))
        if need_appearances:
            out.append(
                Finding(
                    "redraw",
                    "biểu mẫu bị đặt cờ yêu cầu trình đọc vẽ lại mọi ô (NeedAppearances) sau khi ký: nội dung "
                    "hiển thị của các ô có thể khác nội dung đã ký",
                )
            )
        touched_pages.update(graph.annotations[n].page for n in changed_annots if n in graph.annotations)
        if need_appearances:
            touched_pages.update(range(len(graph.pages)))
        out.extend(self._annotation_findings(graph, final, changed_annots, sorted(touched_pages), signed_end))
        return _dedupe(out)

    # ------------------------------------------------------------ locations per revision
    def _section_layer(self, t: int) -> dict[int, Loc | None]:
        """pyHanko's reading of one section: main entries win over the hybrid stream; within the main
        section an object in an object stream wins, then a regular entry, then a free one."""
        data = self.xrefs.get_xref_data(t)
        layer: dict[int, Loc | None] = {}
        if data.hybrid is not None:
            hyb = data.hybrid.xref_data
            layer.update({n: None for n in hyb.freed})
            layer.update({n: (g, off) for n, (g, off) in hyb.standard_xrefs.items()})
            layer.update({n: (0, ref) for n, ref in hyb.xrefs_in_objstm.items()})
        layer.update({n: None for n in data.freed})
        layer.update({n: (g, off) for n, (g, off) in data.standard_xrefs.items()})
        layer.update({n: (0, ref) for n, ref in data.xrefs_in_objstm.items()})
        layer.pop(0, None)
        return layer

    def _locations(self, revision: int) -> dict[int, Loc | None]:
        """Object locations as of `revision`, built incrementally (signatures come oldest first)."""
        if revision < self._run_rev:
            self._run, self._run_rev = {}, -1
        for t in range(self._run_rev + 1, revision + 1):
            self._run.update(self._section_layer(t))
        self._run_rev = revision
        return dict(self._run)

    def _final_view(self) -> _View:
        """The file as every reader shows it now (its own map, so signatures can keep the running one)."""
        if self._final is None:
            locations: dict[int, Loc | None] = {}
            for t in range(self.total):
                locations.update(self._section_layer(t))
            self._final = _View(self, locations)
        return self._final

    # ------------------------------------------------------------ reading objects
    def read(self, idnum: int, loc: Loc, view: _View) -> generic.PdfObject:
        """The object stored at `loc`, parsed once per file whichever revision asks: an object unchanged
        since an older signature is not parsed again for a newer one. (Only object numbers are taken from
        the references inside; they are resolved through the asking view, never through the parsing one.)"""
        key = (idnum, loc)
        if not view.strict and key in self._parsed:
            return self._parsed[key]
        generation, where = loc
        if isinstance(where, ObjStreamRef):
            obj = self._from_objstm(idnum, where, view)
        else:
            obj, _ = self._read_at(idnum, generation, where, view)
        if not view.strict:
            self._parsed[key] = obj
        return obj

    def _read_at(
        self, idnum: int, generation: int, offset: int, view: _View
    ) -> tuple[generic.PdfObject, int]:
        fh = self.fh
        fh.seek(offset)
        try:
            number, _gen = read_object_header(fh, strict=False)
        except (misc.PdfReadError, ValueError) as exc:
            raise _Unreadable(f"no object header at {offset}") from exc
        if number != idnum:
            raise _Unreadable(f"object {number} found where {idnum} was expected")
        start = fh.tell()
        obj = generic.read_object(fh, generic.Reference(idnum, generation, view))
        return obj, start

    def _from_objstm(self, idnum: int, where: ObjStreamRef, view: _View) -> generic.PdfObject:
        table = self._objstm_table(where.obj_stream_id, view)
        if not 0 <= where.ix_in_stream < len(table):
            return generic.NullObject()
        number, offset = table[where.ix_in_stream]
        if number != idnum:
            return generic.NullObject()
        data = self._objstm_data(where.obj_stream_id, view)
        stream = io.BytesIO(data)
        stream.seek(offset)
        return generic.read_object(stream, generic.Reference(idnum, 0, view))

    def _objstm_data(self, stm: int, view: _View) -> bytes:
        obj = view.get(stm)
        if not isinstance(obj, generic.StreamObject):
            raise _Unreadable(f"object stream {stm} is not a stream")
        return obj.read_data(DecodePurpose.OBJECT_STREAM)

    def _objstm_table(self, stm: int, view: _View) -> list[tuple[int, int]]:
        key = (stm, view.locations.get(stm))
        if key not in self._objstms:
            obj = view.get(stm)
            if not isinstance(obj, generic.StreamObject):
                raise _Unreadable(f"object stream {stm} is not a stream")
            data = obj.read_data(DecodePurpose.OBJECT_STREAM)
            first, count = int(obj["/First"]), int(obj["/N"])
            numbers = [int(tok) for tok in data[:first].split()[: 2 * count]]
            self._objstms[key] = [(numbers[i], first + numbers[i + 1]) for i in range(0, len(numbers) - 1, 2)]
        return self._objstms[key]

    # ------------------------------------------------------------ one update, at the level of the bytes
    def _update(self, t: int) -> _Update:
        if t not in self._updates:
            self._updates[t] = self._parse_update(t)
        return self._updates[t]

    def _raw_entries(self, t: int) -> Iterator[tuple[str, XRefEntry]]:
        meta = self.xrefs.get_xref_container_info(t)
        data = self.xrefs.get_xref_data(t)
        fh = self.fh
        if meta.xref_section_type in (XRefSectionType.STANDARD, XRefSectionType.HYBRID_MAIN):
            fh.seek(meta.start_location)
            yield from (("table", e) for e in list(parse_xref_table(fh, strict=False)))
            if data.hybrid is not None:
                stream = self._xref_stream(data.hybrid.meta_info.start_location)
                yield from (("hybrid", e) for e in parse_xref_stream(stream, strict=False))
        else:
            stream = self._xref_stream(meta.start_location)
            yield from (("stream", e) for e in parse_xref_stream(stream, strict=False))

    def _xref_stream(self, offset: int) -> generic.StreamObject:
        fh = self.fh
        fh.seek(offset)
        idnum, generation = read_object_header(fh, strict=False)
        obj = generic.read_object(fh, generic.Reference(idnum, generation, self._final_view()))
        if not isinstance(obj, generic.StreamObject):
            raise _Unreadable(f"no cross-reference stream at {offset}")
        return obj

    def _parse_update(self, t: int) -> _Update:
        entries: dict[int, list[tuple[str, XRefEntry]]] = {}
        for source, entry in self._raw_entries(t):
            if entry.idnum:
                entries.setdefault(entry.idnum, []).append((source, entry))
        update = _Update(t, entries, self._section_layer(t), self._own_trailer(t), [])
        self._check_entries(update)
        self._check_objects(update)
        return update

    def _check_entries(self, update: _Update) -> None:
        for idnum, listed in update.entries.items():
            if len(listed) < 2:
                continue
            main = {_where(e) for src, e in listed if src != "hybrid"}
            hybrid = {_where(e) for src, e in listed if src == "hybrid"}
            used_main = {w for w in main if w is not None}
            used_hybrid = {w for w in hybrid if w is not None}
            # A free main entry next to a hybrid-stream entry is how hybrid files list compressed objects.
            if len(main) > 1 or len(hybrid) > 1 or (used_main and used_hybrid and used_main != used_hybrid):
                update.problems.append(
                    Finding(
                        "duplicate_xref",
                        f"đối tượng {idnum} được khai báo hai lần trong bảng tham chiếu chéo của cùng một lần "
                        "bổ sung (mỗi trình đọc PDF có thể chọn một bản khác nhau)",
                        idnum,
                    )
                )

    def _check_objects(self, update: _Update) -> None:
        """Parse every object the update lists, the way pyHanko does and the way a lenient reader does."""
        body_start = self._end_of(update.revision - 1)
        meta = self.xrefs.get_xref_container_info(update.revision)
        data = self.xrefs.get_xref_data(update.revision)
        body_end = meta.end_location if meta.stream_ref is not None else meta.declared_startxref
        spans: list[tuple[int, int]] = []
        if meta.stream_ref is not None:
            spans.append((meta.start_location, meta.end_location))
        if data.hybrid is not None:
            spans.append((data.hybrid.meta_info.start_location, data.hybrid.meta_info.end_location))
        view = _View(self, self._final_view().locations, strict=True)
        objstms: set[int] = set()
        for idnum, listed in update.entries.items():
            for _src, entry in listed:
                if entry.xref_type == XRefType.STANDARD and isinstance(entry.location, int):
                    end = self._check_object(update, idnum, entry.generation, entry.location, view)
                    if body_start <= entry.location < body_end:
                        # An object already reported as ambiguous has no reliable end: only its header is known.
                        spans.append((entry.location, end if end is not None else entry.location + 1))
                elif entry.xref_type == XRefType.IN_OBJ_STREAM and isinstance(entry.location, ObjStreamRef):
                    objstms.add(entry.location.obj_stream_id)
                    self._check_in_objstm(update, idnum, entry.location, view)
        for stm in objstms:
            self._check_objstm_header(update, stm, view)
        self._scan_gaps(update, body_start, body_end, spans)

    def _check_object(
        self, update: _Update, idnum: int, generation: int, offset: int, view: _View
    ) -> int | None:
        """Returns where the object ends (after `endobj`), or None if it cannot be delimited."""
        fh = self.fh
        try:
            fh.seek(offset)
            number, _gen = read_object_header(fh, strict=False)
        except (misc.PdfReadError, ValueError):
            number = None
        if number != idnum:
            update.problems.append(
                Finding(
                    "header",
                    f"bảng tham chiếu chéo trỏ đối tượng {idnum} tới vị trí không chứa đối tượng đó",
                    idnum,
                )
            )
            return None
        start = fh.tell()
        try:
            obj = generic.read_object(fh, generic.Reference(idnum, generation, view))
        except misc.PdfStrictReadError:
            update.problems.append(
                Finding(
                    "duplicate_key",
                    f"đối tượng {idnum} khai báo một khoá hai lần (mỗi trình đọc PDF hiểu theo một bản)",
                    idnum,
                )
            )
            return None
        except (misc.PdfReadError, ValueError, TypeError, KeyError):
            update.problems.append(
                Finding(
                    "unreadable",
                    f"đối tượng {idnum} được ghi sau khi ký nhưng sai cú pháp (trình đọc PDF tự sửa lỗi sẽ "
                    "hiểu theo cách riêng)",
                    idnum,
                )
            )
            return None
        if isinstance(obj, generic.StreamObject):
            return self._check_stream(update, idnum, obj, start)
        return self._expect_endobj(update, idnum, fh.tell())

    def _check_stream(self, update: _Update, idnum: int, obj: generic.StreamObject, start: int) -> int | None:
        """The extent a reader takes from /Length must be the one a reader scanning for `endstream` takes."""
        buf = self._bytes(start, 4096)
        dict_end = _dict_end(buf, _skip_ws(buf, 0))
        while dict_end is None and len(buf) < self.size - start:
            buf = self._bytes(start, len(buf) * 4)
            dict_end = _dict_end(buf, _skip_ws(buf, 0))
        ambiguous = Finding(
            "stream_extent",
            f"luồng dữ liệu của đối tượng {idnum} có độ dài (/Length) không khớp dấu kết thúc (endstream): "
            "mỗi trình đọc PDF đọc ra một nội dung khác nhau",
            idnum,
        )
        if dict_end is None:
            update.problems.append(ambiguous)
            return None
        pos = start + _skip_ws(buf, dict_end)
        head = self._bytes(pos, 8)
        if not head.startswith(b"stream"):
            update.problems.append(ambiguous)
            return None
        pos += 6
        after = self._bytes(pos, 2)
        pos += 2 if after.startswith(b"\r\n") else 1 if after[:1] in (b"\n", b"\r") else 0
        # The declared /Length, as poppler uses it (pyHanko silently forgives a length one byte too long).
        try:
            length = int(obj["/Length"])
        except (KeyError, TypeError, ValueError):
            update.problems.append(ambiguous)
            return None
        data_end = pos + length
        # The lenient reader's extent: up to the first `endstream` after the data starts.
        first = self._find(b"endstream", pos, data_end + 64)
        tail = self._bytes(data_end, 64)
        gap = len(tail) - len(tail.lstrip(_WS))
        if first is None or first != data_end + gap or not tail[gap:].startswith(b"endstream"):
            update.problems.append(ambiguous)
            return None
        return self._expect_endobj(update, idnum, data_end + gap + 9, ambiguous)

    def _expect_endobj(
        self, update: _Update, idnum: int, pos: int, problem: Finding | None = None
    ) -> int | None:
        tail = self._bytes(pos, 64)
        gap = len(tail) - len(tail.lstrip(_WS))
        if tail[gap:].startswith(b"endobj"):
            return pos + gap + 6
        update.problems.append(
            problem
            or Finding(
                "trailing_data",
                f"đối tượng {idnum} có dữ liệu thừa trước «endobj» (trình đọc PDF khác nhau hiểu khác nhau)",
                idnum,
            )
        )
        return None

    def _check_in_objstm(self, update: _Update, idnum: int, where: ObjStreamRef, view: _View) -> None:
        try:
            table = self._objstm_table(where.obj_stream_id, view)
            number = table[where.ix_in_stream][0] if 0 <= where.ix_in_stream < len(table) else None
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001
            number = None
        if number != idnum:
            update.problems.append(
                Finding(
                    "objstm",
                    f"luồng đối tượng {where.obj_stream_id} không chứa đối tượng {idnum} ở vị trí bảng tham chiếu "
                    "chéo chỉ ra (pyHanko tìm theo số, trình đọc khác theo vị trí)",
                    idnum,
                )
            )
            return
        try:
            self._from_objstm(idnum, where, view)
        except misc.PdfStrictReadError:
            update.problems.append(
                Finding(
                    "duplicate_key",
                    f"đối tượng {idnum} khai báo một khoá hai lần (mỗi trình đọc PDF hiểu theo một bản)",
                    idnum,
                )
            )

    def _check_objstm_header(self, update: _Update, stm: int, view: _View) -> None:
        try:
            numbers = [n for n, _ in self._objstm_table(stm, view)]
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001
            return  # each object in it is then reported as not found
        seen: set[int] = set()
        for n in numbers:
            if n in seen:
                update.problems.append(
                    Finding(
                        "duplicate_xref",
                        f"luồng đối tượng {stm} chứa đối tượng {n} hai lần (mỗi trình đọc PDF có thể chọn một "
                        "bản khác nhau)",
                        n,
                    )
                )
            seen.add(n)

    def _scan_gaps(self, update: _Update, start: int, end: int, spans: list[tuple[int, int]]) -> None:
        """An object written into the update but not listed: a reader that rebuilds the cross-reference
        (because it is damaged, or because it always does) uses it; the others do not."""
        if end <= start:
            return
        pos = start
        for a, b in sorted(spans):
            if a > pos:
                self._scan(update, pos, min(a, end))
            pos = max(pos, b)
        if pos < end:
            self._scan(update, pos, end)

    def _scan(self, update: _Update, start: int, end: int) -> None:
        pos = start
        while pos < end:
            chunk = self._bytes(pos, min(end - pos, 1 << 20) + 32)
            for m in _OBJ_HEADER.finditer(chunk):
                if pos + m.start() >= end:
                    break
                idnum = int(m.group(1))
                update.problems.append(
                    Finding(
                        "hidden_object",
                        f"phần bổ sung sau khi ký chứa đối tượng {idnum} không được khai báo trong bảng tham chiếu "
                        "chéo (trình đọc PDF tự sửa lỗi sẽ dùng nó thay cho bản đã ký)",
                        idnum,
                    )
                )
                return
            pos += 1 << 20

    def _end_of(self, t: int) -> int:
        """Offset just after revision `t`'s `%%EOF`."""
        if t not in self._ends:
            meta = self.xrefs.get_xref_container_info(t)
            found = self._find(b"%%EOF", meta.end_location, meta.end_location + (1 << 20))
            end = found + 5 if found is not None else meta.end_location
            tail = self._bytes(end, 2)
            end += 2 if tail.startswith(b"\r\n") else 1 if tail[:1] in (b"\n", b"\r") else 0
            self._ends[t] = end
        return self._ends[t]

    def _bytes(self, pos: int, n: int) -> bytes:
        self.fh.seek(pos)
        return self.fh.read(max(n, 0))

    def _find(self, needle: bytes, start: int, stop: int) -> int | None:
        """First `needle` in [start, stop), read in growing windows: most searches end within a few bytes."""
        pos, window = start, 4096
        while pos < stop:
            chunk = self._bytes(pos, min(stop - pos, window) + len(needle))
            at = chunk.find(needle)
            if at >= 0 and pos + at < stop:
                return pos + at
            if len(chunk) < len(needle):
                return None
            pos += min(stop - pos, window)
            window = min(window * 4, 1 << 20)
        return None

    # ------------------------------------------------------------ the signed revision
    def _graph(self, s: int) -> _Graph:
        view = _View(self, self._locations(s))
        trailer = self.reader.trailer.flatten(s)
        root = trailer.raw_get("/Root")
        info = trailer.raw_get("/Info") if "/Info" in trailer else None
        graph = _Graph(
            revision=s,
            view=view,
            root=root.idnum,
            info=info.idnum if isinstance(info, generic.IndirectObject) else None,
        )
        catalog = view.get(root.idnum)
        if not isinstance(catalog, generic.DictionaryObject):
            raise _Unreadable("no catalog")
        graph.kinds[root.idnum] = {"catalog"}
        graph.uses[root.idnum] = _Use("danh mục tài liệu", None, {"/Root"})
        self._structure(graph, catalog)
        for index, page in enumerate(graph.pages):
            self._walk(graph, view.get(page), index, "trang", "main")
        rest = generic.DictionaryObject(
            {k: v for k, v in catalog.items() if k not in ("/Pages", "/Metadata", "/DSS")}
        )
        self._walk(graph, rest, None, "danh mục tài liệu", "main")
        if "/Metadata" in catalog:
            self._walk_value(
                graph, catalog.raw_get("/Metadata"), "/Metadata", None, "siêu dữ liệu", "metadata"
            )
        if "/DSS" in catalog:
            self._walk_value(graph, catalog.raw_get("/DSS"), "/DSS", None, "dữ liệu kiểm tra chữ ký", "dss")
        for idnum, use in graph.uses.items():
            kinds = graph.kinds.setdefault(idnum, set())
            if kinds & {"annots_array", "fields_array"} and not use.keys <= LIST_KEYS:
                kinds.add("other")  # an array that is also used as content
            if not kinds:
                kinds.add(use.group if use.group in ("metadata", "dss") else "other")
        return graph

    def _structure(self, graph: _Graph, catalog: generic.DictionaryObject) -> None:
        """Page tree, annotations, form fields: the objects whose allowed changes are known."""
        view = graph.view
        stack: list[tuple[Any, int]] = [(catalog.raw_get("/Pages") if "/Pages" in catalog else None, 0)]
        seen: set[int] = set()
        while stack:
            value, depth = stack.pop()
            if not isinstance(value, generic.IndirectObject) or value.idnum in seen or depth > 64:
                continue
            seen.add(value.idnum)
            node = view.get(value.idnum)
            if not isinstance(node, generic.DictionaryObject):
                continue
            if "/Kids" in node and node.get("/Type") != "/Page":
                graph.kinds.setdefault(value.idnum, set()).add("pages")
                graph.uses.setdefault(value.idnum, _Use("cây trang", None, {"/Pages"}))
                kids = view.deref(node.raw_get("/Kids"))
                if isinstance(kids, generic.ArrayObject):
                    stack.extend((kid, depth + 1) for kid in reversed(list(kids)))
            else:
                index = len(graph.pages)
                graph.pages.append(value.idnum)
                graph.kinds.setdefault(value.idnum, set()).add("page")
                graph.uses.setdefault(value.idnum, _Use("trang", index, {"/Kids"}))
        for index, page_id in enumerate(graph.pages):
            page = view.get(page_id)
            annots_raw = (
                page.raw_get("/Annots")
                if isinstance(page, generic.DictionaryObject) and "/Annots" in page
                else None
            )
            if isinstance(annots_raw, generic.IndirectObject):
                graph.kinds.setdefault(annots_raw.idnum, set()).add("annots_array")
                graph.annots_pages.setdefault(annots_raw.idnum, []).append(index)
            annots = view.deref(annots_raw)
            for entry in annots if isinstance(annots, generic.ArrayObject) else []:
                if isinstance(entry, generic.IndirectObject):
                    graph.kinds.setdefault(entry.idnum, set()).add("annot")
                    graph.annotations[entry.idnum] = self._annotation(entry.idnum, index, view)
        form = view.deref(catalog.raw_get("/AcroForm")) if "/AcroForm" in catalog else None
        if isinstance(
            catalog.raw_get("/AcroForm") if "/AcroForm" in catalog else None, generic.IndirectObject
        ):
            graph.kinds.setdefault(catalog.raw_get("/AcroForm").idnum, set()).add("acroform")
        if isinstance(form, generic.DictionaryObject) and "/Fields" in form:
            self._fields(graph, form.raw_get("/Fields"), "", None, 0)

    def _fields(self, graph: _Graph, value: Any, prefix: str, ft: Any, depth: int) -> None:
        view = graph.view
        if isinstance(value, generic.IndirectObject):
            graph.kinds.setdefault(value.idnum, set()).add("fields_array")
        fields = view.deref(value)
        if not isinstance(fields, generic.ArrayObject) or depth > 32:
            return
        for ref in fields:
            if not isinstance(ref, generic.IndirectObject) or "field" in graph.kinds.get(ref.idnum, set()):
                continue
            obj = view.get(ref.idnum)
            if not isinstance(obj, generic.DictionaryObject):
                continue
            graph.kinds.setdefault(ref.idnum, set()).add("field")
            name = str(obj.get("/T", "")) if "/T" in obj else ""
            full = f"{prefix}.{name}" if prefix and name else (name or prefix)
            graph.field_names[ref.idnum] = full
            kind = obj.get("/FT", ft)
            if kind == "/Sig":
                graph.sig_fields.add(ref.idnum)
                sig = obj.raw_get("/V") if "/V" in obj else None
                if isinstance(sig, generic.IndirectObject):
                    graph.kinds.setdefault(sig.idnum, set()).add("sigdict")
            if "/Kids" in obj:
                kids = view.deref(obj.raw_get("/Kids"))
                graph.field_kids[ref.idnum] = [
                    k.idnum
                    for k in (kids if isinstance(kids, generic.ArrayObject) else [])
                    if isinstance(k, generic.IndirectObject)
                ]
                self._fields(graph, obj.raw_get("/Kids"), full, kind, depth + 1)

    def _annotation(self, idnum: int, page: int, view: _View) -> _Annotation:
        obj = view.get(idnum)
        if not isinstance(obj, generic.DictionaryObject):
            return _Annotation(idnum, page, None, False, False, "", False, False)
        flags = _int(obj.get("/F", 0))
        ap = view.deref(obj.raw_get("/AP")) if "/AP" in obj else None
        normal = (
            view.deref(ap.raw_get("/N")) if isinstance(ap, generic.DictionaryObject) and "/N" in ap else None
        )
        has_appearance = _draws(normal, view)
        ft, signed, _ = _field_of(obj, view)
        return _Annotation(
            idnum=idnum,
            page=page,
            rect=Rect.of(obj.get("/Rect")),
            visible=not flags & (_HIDDEN | _NO_VIEW),
            has_appearance=has_appearance,
            subtype=str(obj.get("/Subtype", "")),
            signature=ft == "/Sig",
            signed=signed,
        )

    def _walk_value(
        self, graph: _Graph, value: Any, key: str, page: int | None, label: str, group: str
    ) -> None:
        holder = generic.DictionaryObject({generic.NameObject(key): value})
        self._walk(graph, holder, page, label, group)

    def _walk(self, graph: _Graph, start: Any, page: int | None, label: str, group: str) -> None:
        """Everything reachable from `start` in the signed revision, without decoding any stream.
        Links back up the structure (/Parent, /P) and to other pages are recorded, not followed, so that
        each object is attributed to the page that draws it."""
        view = graph.view
        stack: list[tuple[Any, str, str]] = []

        def push(container: Any, lbl: str) -> None:
            if isinstance(container, generic.DictionaryObject):
                for k, v in container.items():
                    stack.append((v, str(k), _label(str(k), lbl)))
            elif isinstance(container, generic.ArrayObject):
                for v in container:
                    stack.append((v, "", lbl))

        push(start, label)
        while stack:
            value, key, lbl = stack.pop()
            if isinstance(value, generic.IndirectObject):
                n = value.idnum
                use = graph.uses.get(n)
                if use is not None:
                    use.keys.add(key)
                    continue
                if not view.defines(n):
                    graph.dangling.setdefault(n, _Use(lbl, page, {key}, group))
                    continue
                graph.uses[n] = _Use(lbl, page, {key}, group)
                if "sigdict" in graph.kinds.get(n, ()):
                    continue  # a signature value and its byte range: nothing a page shows
                try:
                    obj = view.get(n)
                except MemoryError:
                    raise
                except Exception:  # noqa: BLE001 - an unreadable signed object has nothing to reach
                    continue
                push(obj, lbl)
            elif isinstance(value, generic.ArrayObject):
                for v in value:
                    stack.append((v, key, lbl))
            elif isinstance(value, generic.DictionaryObject):
                push(value, lbl)

    # ------------------------------------------------------------ judging a redefinition
    def _judge(
        self, idnum: int, new: generic.PdfObject, graph: _Graph, final: _View
    ) -> tuple[str | None, set[int], bool]:
        """(problem or None, annotations whose appearance may have changed, NeedAppearances switched on)."""
        old = graph.view.get(idnum)
        if _same(old, new):
            return None, set(), False
        where = f"đối tượng {idnum}{graph.where(idnum)}"
        kinds = graph.kinds.get(idnum, {"other"})
        touched: set[int] = set()
        redraw = False
        if "other" in kinds or ("annot" in kinds and "field" not in kinds):
            # Content, or a comment that was there when signing: any change shows.
            return f"{where} bị ghi đè sau khi ký", touched, redraw
        for kind in sorted(kinds):
            problem: str | None = None
            if kind == "catalog":
                problem = _dict_changes(old, new, CATALOG_MAY_CHANGE, where)
                if problem is None:
                    problem, redraw = _acroform_value(old, new, graph, final, where)
            elif kind == "pages":
                problem = f"cây trang bị sửa sau khi ký: thêm, bớt hoặc thay trang (đối tượng {idnum})"
            elif kind == "page":
                problem = _dict_changes(old, new, frozenset({"/Annots"}), where) or _list_value(
                    old, new, "/Annots", graph, final, where
                )
            elif kind in ("annots_array", "fields_array"):
                problem = _grown(old, new, graph, where)
            elif kind == "acroform":
                problem = _dict_changes(old, new, ACROFORM_MAY_CHANGE, where) or _list_value(
                    old, new, "/Fields", graph, final, where
                )
                redraw = _truthy(new, "/NeedAppearances") and not _truthy(old, "/NeedAppearances")
            elif kind in ("field", "annot"):
                problem = _dict_changes(old, new, FIELD_MAY_CHANGE, where)
                if (
                    problem is None
                    and idnum in graph.sig_fields
                    and isinstance(old, generic.DictionaryObject)
                    and isinstance(new, generic.DictionaryObject)
                    and "/V" in old
                    and not _same(old.raw_get("/V"), new.raw_get("/V"))
                ):
                    problem = f"chữ ký đã có trong ô «{graph.field_names.get(idnum, '?')}» bị thay sau khi ký"
                touched |= {idnum, *graph.field_kids.get(idnum, [])}
            elif kind == "sigdict":
                problem = f"từ điển chữ ký ({where}) bị sửa sau khi ký"
            elif kind in ("metadata", "dss"):
                problem = None
            if problem:
                return problem, touched, redraw
        return None, touched, redraw

    def _own_trailer(self, t: int) -> generic.DictionaryObject:
        """Revision `t`'s trailer alone: pyHanko's flatten() merges all older ones, linear per call."""
        revisions = getattr(self.reader.trailer, "_trailer_revisions", None)
        if isinstance(revisions, list) and len(revisions) == self.total:
            own = revisions[self.total - 1 - t]
            skip = ("/Length", "/Filter", "/DecodeParms", "/W", "/Type", "/Index", "/XRefStm")
            return generic.DictionaryObject({k: v for k, v in own.items() if k not in skip})
        return self.reader.trailer.flatten(t)

    def _trailer_findings(
        self, trailer: generic.DictionaryObject, graph: _Graph, signed: generic.DictionaryObject
    ) -> list[Finding]:
        out = []
        root = trailer.raw_get("/Root") if "/Root" in trailer else None
        if not isinstance(root, generic.IndirectObject) or root.idnum != graph.root:
            out.append(Finding("catalog", "danh mục tài liệu (/Root) bị thay bằng đối tượng khác sau khi ký"))
        if "/Encrypt" in trailer and "/Encrypt" not in signed:
            out.append(Finding("encrypt", "tệp bị thêm mã hoá sau khi ký"))
        for key, value in trailer.items():
            if key in ("/Root", "/Prev", "/Size", "/XRefStm", "/ID", "/Encrypt"):
                continue
            if (
                isinstance(value, generic.IndirectObject)
                and value.idnum in graph.uses
                and value.idnum != graph.info
            ):
                out.append(
                    Finding(
                        "trailer",
                        f"phần trailer trỏ {key} vào đối tượng {value.idnum}{graph.where(value.idnum)} đã được ký "
                        "(thủ thuật để sửa nội dung đã ký mà không bị phát hiện)",
                        value.idnum,
                        graph.page_of(value.idnum),
                    )
                )
        return out

    # ------------------------------------------------------------ what a reader sees on the signed pages
    def _annotation_findings(
        self, graph: _Graph, final: _View, changed: set[int], touched: list[int], signed_end: int
    ) -> list[Finding]:
        """New and changed annotations on the signed pages, as the file shows them now."""
        out: list[Finding] = []
        pages = SignedPages(self.fh, signed_end)
        by_page: dict[int, list[_Annotation]] = {}
        for a in graph.annotations.values():
            by_page.setdefault(a.page, []).append(a)
        try:
            for index in touched:
                page = final.get(graph.pages[index])
                annots = (
                    final.deref(page.raw_get("/Annots"))
                    if isinstance(page, generic.DictionaryObject) and "/Annots" in page
                    else None
                )
                if not isinstance(annots, generic.ArrayObject):
                    continue
                signed_here = by_page.get(index, [])
                for entry in annots:
                    if not isinstance(entry, generic.IndirectObject):
                        continue
                    n = entry.idnum
                    is_new = n not in graph.annotations
                    if not is_new and n not in changed:
                        continue
                    out.extend(self._judge_annotation(n, index, is_new, final, graph, pages, signed_here))
        finally:
            pages.close()
        return out

    def _judge_annotation(
        self,
        idnum: int,
        index: int,
        is_new: bool,
        final: _View,
        graph: _Graph,
        pages: SignedPages,
        signed_here: list[_Annotation],
    ) -> list[Finding]:
        obj = final.get(idnum)
        if not isinstance(obj, generic.DictionaryObject):
            return []
        subtype = str(obj.get("/Subtype", ""))
        ft, signed, name = _field_of(obj, final)
        page_no = index + 1
        out = []
        if ft == "/Sig":
            what = f"chữ ký «{name}»" if signed else f"ô chữ ký «{name}» (chưa ký)"
        elif subtype == "/Widget" or ft is not None:
            what = f"ô «{name}»"
            if is_new:
                out.append(
                    Finding(
                        "new_field",
                        f"thêm ô biểu mẫu «{name}» trên trang {page_no} sau khi ký",
                        idnum,
                        page_no,
                    )
                )
        elif subtype in COMMENT_SUBTYPES:
            what = f"chú thích {subtype.lstrip('/')}"
        else:
            what = f"đối tượng {subtype.lstrip('/') or 'không rõ loại'}"
            out.append(
                Finding("new_annotation", f"thêm {what} trên trang {page_no} sau khi ký", idnum, page_no)
            )
        flags = _int(obj.get("/F", 0))
        rect = Rect.of(obj.get("/Rect"))
        if (
            subtype == "/Popup"
            or flags & (_HIDDEN | _NO_VIEW)
            or rect is None
            or rect.width < 1
            or rect.height < 1
        ):
            return out
        others = [
            a
            for a in signed_here
            if a.idnum != idnum
            and a.visible
            and a.has_appearance
            and a.rect is not None
            and a.subtype != "/Popup"
        ]
        content = pages.content(index)
        if ft == "/Sig" and signed and _is_seal(rect, others):
            return out
        if (
            ft == "/Sig"
            and signed
            and content is not None
            and index == len(graph.pages) - 1
            and not any(a.signature and a.signed for a in others)
            and _seal_sized(rect)
            and content.centre_is_blank(rect)
        ):
            # The signer signed without an image: the seal sits on the blank lines of the signature block at
            # the end of the document (stamp_place.seal_widget's fallback), over the edges of title and name.
            return out
        covered = (
            content.covered(rect) if content is not None else "nội dung (không đọc được trang đã ký để so)"
        )
        if covered is None:
            covered = next(
                (
                    f"hình hiển thị của ô «{graph.field_names.get(a.idnum, a.subtype.lstrip('/'))}»"
                    for a in others
                    if a.rect is not None and rect.overlap(a.rect) > 4.0
                ),
                None,
            )
        if covered is not None:
            out.append(
                Finding(
                    "overlap",
                    f"{what} trên trang {page_no} che nội dung đã ký ({covered})",
                    idnum,
                    page_no,
                )
            )
        return out


# -------------------------------------------------------------------- helpers


def describe_changes(findings: list[Finding], limit: int = 3) -> str:
    """One sentence for the report: the first few findings, and how many more there are."""
    texts = [f.text for f in findings[:limit]]
    more = len(findings) - limit
    text = "; ".join(texts)
    if more > 0:
        text += f"; và {more} thay đổi khác"
    return text


def _locate(problem: Finding, graph: _Graph) -> Finding:
    if problem.obj is None or problem.obj not in graph.uses and problem.obj not in graph.dangling:
        return problem
    return Finding(
        problem.code, problem.text + graph.where(problem.obj), problem.obj, graph.page_of(problem.obj)
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.code, f.text) not in seen:
            seen.add((f.code, f.text))
            out.append(f)
    return out


def _where(entry: XRefEntry) -> Any:
    return None if entry.xref_type == XRefType.FREE else (entry.xref_type, entry.location, entry.generation)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _truthy(obj: Any, key: str) -> bool:
    if not isinstance(obj, generic.DictionaryObject) or key not in obj:
        return False
    value = obj.get(key)
    return isinstance(value, generic.BooleanObject) and bool(value)


def _draws(normal: Any, view: _View) -> bool:
    """Whether an appearance (a stream, or a dictionary of states) draws anything at all."""
    if isinstance(normal, generic.StreamObject):
        return bool(normal.encoded_data.strip())
    if isinstance(normal, generic.DictionaryObject):
        return any(
            _draws(view.deref(v), view)
            for v in normal.values()
            if not isinstance(v, generic.DictionaryObject)
        )
    return False


def _field_of(obj: generic.DictionaryObject, view: _View) -> tuple[Any, bool, str]:
    """(field type, has a value, fully qualified name) of a widget or field, following /Parent."""
    names: list[str] = []
    ft: Any = None
    signed = False
    node: Any = obj
    for _ in range(32):
        if not isinstance(node, generic.DictionaryObject):
            break
        if ft is None and "/FT" in node:
            ft = node.get("/FT")
        if "/V" in node:
            signed = True
        if "/T" in node:
            names.append(str(node.get("/T")))
        parent = node.raw_get("/Parent") if "/Parent" in node else None
        node = view.deref(parent) if parent is not None else None
    return ft, signed, ".".join(reversed(names)) or "không tên"


def _seal_sized(rect: Rect) -> bool:
    low, high = SEAL_MIN_MM * PT_PER_MM, SEAL_MAX_MM * PT_PER_MM
    return (
        low <= rect.width <= high and low <= rect.height <= high and 0.8 <= rect.width / rect.height <= 1.25
    )


def _is_seal(rect: Rect, signed_annotations: list[_Annotation]) -> bool:
    """The NĐ 30 agency seal: real size (20-45 mm), its right edge one third into a signature image that
    was already on the signed page, vertically centred on it (signing.sign.stamp_place.seal_widget)."""
    if not _seal_sized(rect):
        return False
    for a in signed_annotations:
        sig = a.rect
        if not a.signature or not a.signed or sig is None:
            continue
        if (
            abs(rect.x1 - (sig.x0 + sig.width / 3)) <= SEAL_TOLERANCE_PT
            and abs(rect.cy - sig.cy) <= SEAL_TOLERANCE_PT
        ):
            return True
    return False


def _label(key: str, parent: str) -> str:
    return {
        "/Contents": "nội dung",
        "/Resources": "tài nguyên",
        "/Font": "phông chữ",
        "/XObject": "hình ảnh hoặc khối nội dung",
        "/Annots": "chú thích hoặc ô",
        "/AP": "hình hiển thị của chú thích hoặc ô",
        "/AcroForm": "biểu mẫu",
        "/Fields": "ô biểu mẫu",
        "/ExtGState": "tài nguyên đồ hoạ",
        "/ColorSpace": "tài nguyên đồ hoạ",
        "/Pattern": "tài nguyên đồ hoạ",
        "/Shading": "tài nguyên đồ hoạ",
        "/OCProperties": "lớp nội dung",
        "/OpenAction": "hành động khi mở tệp",
        "/Names": "danh mục tên",
    }.get(key, parent)


def _same(a: Any, b: Any) -> bool:
    """Equal as parsed: same keys and values, references by number, streams by their encoded bytes."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and (a.idnum, a.generation) == (b.idnum, b.generation)
        )
    if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
        if not (isinstance(a, generic.StreamObject) and isinstance(b, generic.StreamObject)):
            return False
        if a.encoded_data != b.encoded_data:
            return False
    if isinstance(a, generic.DictionaryObject):
        return (
            isinstance(b, generic.DictionaryObject)
            and set(a.keys()) == set(b.keys())
            and all(_same(a.raw_get(k), b.raw_get(k)) for k in a.keys())
        )
    if isinstance(a, generic.ArrayObject):
        return (
            isinstance(b, generic.ArrayObject)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, (generic.TextStringObject, generic.ByteStringObject)):
        return (
            isinstance(b, (generic.TextStringObject, generic.ByteStringObject))
            and a.original_bytes == b.original_bytes
        )
    return type(a) is type(b) and a == b


def _dict_changes(old: Any, new: Any, may_change: frozenset[str], where: str) -> str | None:
    if not isinstance(old, generic.DictionaryObject) or not isinstance(new, generic.DictionaryObject):
        return f"{where} bị thay bằng đối tượng khác loại sau khi ký"
    if isinstance(old, generic.StreamObject) != isinstance(new, generic.StreamObject) or (
        isinstance(old, generic.StreamObject) and not _same(old, new)
    ):
        return f"{where} bị ghi đè sau khi ký"
    for key in sorted((set(old.keys()) | set(new.keys())) - may_change):
        if key not in old or key not in new or not _same(old.raw_get(key), new.raw_get(key)):
            return f"{where} bị sửa khoá {key} sau khi ký"
    return None


def _entries(value: Any, view: _View) -> list[Any] | None:
    obj = view.deref(value)
    if obj is None or isinstance(obj, generic.NullObject):
        return []
    return list(obj) if isinstance(obj, generic.ArrayObject) else None


def _grown(old: Any, new: Any, graph: _Graph, where: str) -> str | None:
    """A list (/Annots, /Fields, /Kids) may only gain objects created after signing."""
    if not isinstance(old, generic.ArrayObject) or not isinstance(new, generic.ArrayObject):
        return f"{where} bị thay bằng đối tượng khác loại sau khi ký"
    return _grown_lists(list(old), list(new), graph, where)


def _grown_lists(old: list[Any], new: list[Any], graph: _Graph, where: str) -> str | None:
    remaining = list(new)
    for item in old:
        match = next((i for i, cand in enumerate(remaining) if _same(item, cand)), None)
        if match is None:
            return f"{where}: một mục đã có lúc ký bị gỡ hoặc thay sau khi ký"
        del remaining[match]
    for item in remaining:
        if not isinstance(item, generic.IndirectObject):
            return f"{where}: thêm một mục không phải đối tượng riêng sau khi ký"
        if graph.view.defines(item.idnum):
            return (
                f"{where}: thêm lại đối tượng {item.idnum}{graph.where(item.idnum)} đã có từ lúc ký, không phải "
                "đối tượng mới"
            )
    return None


def _list_value(old: Any, new: Any, key: str, graph: _Graph, final: _View, where: str) -> str | None:
    """The value of /Annots or /Fields in a dictionary: the same array object (judged on its own), or
    direct arrays that only grew."""
    a = old.raw_get(key) if key in old else None
    b = new.raw_get(key) if key in new else None
    if isinstance(a, generic.IndirectObject) and isinstance(b, generic.IndirectObject) and a.idnum == b.idnum:
        return None
    old_list, new_list = _entries(a, graph.view), _entries(b, final)
    if old_list is None or new_list is None:
        return f"{where} bị sửa khoá {key} sau khi ký"
    return _grown_lists(old_list, new_list, graph, f"{where}, khoá {key}")


def _acroform_value(old: Any, new: Any, graph: _Graph, final: _View, where: str) -> tuple[str | None, bool]:
    a = old.raw_get("/AcroForm") if "/AcroForm" in old else None
    b = new.raw_get("/AcroForm") if "/AcroForm" in new else None
    if b is None:
        return (f"{where}: biểu mẫu bị gỡ sau khi ký" if a is not None else None), False
    if isinstance(b, generic.IndirectObject):
        if isinstance(a, generic.IndirectObject) and a.idnum == b.idnum:
            return None, False  # the form object itself is judged on its own
        if a is None and not graph.view.defines(b.idnum):
            return None, False  # a form created after signing: new fields show up in the pages' /Annots
        if not graph.view.defines(b.idnum):
            old_form, new_form = graph.view.deref(a), final.get(b.idnum)
        else:
            return f"{where}: biểu mẫu bị thay bằng đối tượng {b.idnum} đã có từ lúc ký", False
    else:
        old_form, new_form = graph.view.deref(a) if a is not None else generic.DictionaryObject(), b
    form_where = f"biểu mẫu trong {where}"
    problem = _dict_changes(old_form, new_form, ACROFORM_MAY_CHANGE, form_where) or _list_value(
        old_form, new_form, "/Fields", graph, final, form_where
    )
    redraw = _truthy(new_form, "/NeedAppearances") and not _truthy(old_form, "/NeedAppearances")
    return problem, redraw


def _skip_ws(buf: bytes, pos: int) -> int:
    while pos < len(buf):
        if buf[pos] in _WS:
            pos += 1
        elif buf[pos] == 0x25:  # % comment
            while pos < len(buf) and buf[pos] not in b"\r\n":
                pos += 1
        else:
            break
    return pos


def _dict_end(buf: bytes, pos: int) -> int | None:
    """Offset just after the dictionary starting at `pos` (a minimal PDF tokenizer: strings, hex strings,
    names and comments may contain brackets)."""
    if not buf.startswith(b"<<", pos):
        return None
    depth = 0
    n = len(buf)
    while pos < n:
        c = buf[pos]
        if buf.startswith(b"<<", pos):
            depth += 1
            pos += 2
        elif buf.startswith(b">>", pos):
            depth -= 1
            pos += 2
            if depth == 0:
                return pos
        elif c == 0x3C:  # < hex string
            end = buf.find(b">", pos)
            if end < 0:
                return None
            pos = end + 1
        elif c == 0x28:  # ( literal string, nested parentheses, backslash escapes
            level = 0
            while pos < n:
                ch = buf[pos]
                if ch == 0x5C:
                    pos += 2
                    continue
                if ch == 0x28:
                    level += 1
                elif ch == 0x29:
                    level -= 1
                    if level == 0:
                        break
                pos += 1
            pos += 1
        elif c == 0x25:
            while pos < n and buf[pos] not in b"\r\n":
                pos += 1
        else:
            pos += 1
    return None
