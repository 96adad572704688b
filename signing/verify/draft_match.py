"""Is a signed PDF the approved draft plus signatures, and nothing else?

NĐ 30's workflow: the leader signs the very draft that was approved. The signed file must therefore begin
with the draft's bytes (signing appends an incremental update), and what the updates after the draft change
must leave every page as the draft had it: same pages in the same order, the same content streams, resources
and page boxes, and no new annotation other than form-field widgets (the signature and the blank number and
date fields `vanban sign` adds). pyHanko's difference analysis cannot judge this: it compares a revision
with a signed one, and a draft has no form to compare against; so the objects are compared directly.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

# What a page looks like; /Annots are judged one by one, /Parent leads back up the tree.
_PAGE_VISUAL_KEYS = ("/Contents", "/Resources", "/MediaBox", "/CropBox", "/Rotate", "/UserUnit", "/Group")
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# Catalog entries signing may add or change: the form, signature permissions, validation data, extensions.
_CATALOG_SIGNING_KEYS = frozenset(
    {"/AcroForm", "/Perms", "/DSS", "/Extensions", "/Pages", "/Metadata", "/Version"}
)
_MAX_OBJECTS = 200_000  # a draft made by an office suite has a few thousand


@dataclass(frozen=True)
class DraftMatch:
    """The outcome; `problems` are Vietnamese sentences, empty when the file is the draft plus signatures."""

    draft_sha256: str
    signed_prefix_sha256: str | None  # SHA-256 of the upload's first len(draft) bytes
    signatures_after_draft: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare_with_draft(draft: bytes, signed: bytes) -> DraftMatch:
    draft_sha = hashlib.sha256(draft).hexdigest()
    prefix_sha = hashlib.sha256(signed[: len(draft)]).hexdigest() if len(signed) >= len(draft) else None
    if not signed.startswith(draft) or len(signed) == len(draft):
        if signed == draft:
            problem = "Tệp tải lên chính là bản dự thảo, chưa có chữ ký số nào."
        else:
            problem = (
                "Tệp tải lên không phải bản dự thảo đã duyệt có thêm chữ ký: phần đầu tệp khác bản dự thảo "
                f"(SHA-256 của bản dự thảo đã duyệt: {draft_sha[:16]}…). Hãy ký đúng tệp PDF đã tải về, không "
                "mở rồi lưu lại, in ra PDF hay chuyển đổi tệp trước khi ký."
            )
        return DraftMatch(draft_sha, prefix_sha, 0, [problem])
    try:
        base = PdfFileReader(io.BytesIO(draft), strict=False).xrefs.total_revisions - 1
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        signatures = [s for s in reader.embedded_signatures if s.signed_revision > base]
        problems = _changes(reader, base)
    except (PdfError, KeyError, ValueError, TypeError, IndexError, RecursionError) as exc:
        return DraftMatch(
            draft_sha,
            prefix_sha,
            0,
            [f"Không đọc được phần bổ sung sau bản dự thảo trong tệp tải lên ({type(exc).__name__})."],
        )
    if not signatures:
        problems.insert(0, "Tệp tải lên không có chữ ký số nào sau bản dự thảo đã duyệt.")
    return DraftMatch(draft_sha, prefix_sha, len(signatures), problems)


def _key(ref: generic.Reference | generic.IndirectObject) -> tuple[int, int]:
    return (ref.idnum, ref.generation)


Pages = list[tuple[tuple[int, int], dict[str, generic.PdfObject]]]


def _pages(resolver: HistoricalResolver, seen: set[tuple[int, int]]) -> Pages:
    """Every page's reference and its visual entries (inherited ones filled in), in page order; `seen` gets
    every node of the page tree."""
    out: Pages = []

    def walk(node_ref: generic.PdfObject, inherited: dict[str, generic.PdfObject]) -> None:
        if not isinstance(node_ref, generic.IndirectObject):
            raise ValueError("page tree node is not an indirect object")
        key = _key(node_ref)
        if key in seen or len(seen) > _MAX_OBJECTS:
            raise ValueError("page tree loops")
        seen.add(key)
        node = node_ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise ValueError("page tree node is not a dictionary")
        values = dict(inherited)
        for name in _PAGE_VISUAL_KEYS:
            if name in node:
                values[name] = node.raw_get(name)
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            kids = node["/Kids"]
            for index in range(len(kids)):
                walk(kids.raw_get(index), {k: v for k, v in values.items() if k in _INHERITED})
        else:
            out.append((key, values))

    walk(resolver.root.raw_get("/Pages"), {})
    return out


def _same(a: generic.PdfObject, b: generic.PdfObject) -> bool:
    """Equal as written: references by number (what they point to is checked through the xref history)."""
    if isinstance(a, generic.IndirectObject) or isinstance(b, generic.IndirectObject):
        return (
            isinstance(a, generic.IndirectObject)
            and isinstance(b, generic.IndirectObject)
            and _key(a) == _key(b)
        )
    if isinstance(a, generic.DictionaryObject) and isinstance(b, generic.DictionaryObject):
        if set(a.keys()) != set(b.keys()):
            return False
        same = all(_same(a.raw_get(k), b.raw_get(k)) for k in a)
        if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
            same = (
                same
                and isinstance(a, generic.StreamObject)
                and isinstance(b, generic.StreamObject)
                and a.encoded_data == b.encoded_data
            )
        return same
    if isinstance(a, generic.ArrayObject) and isinstance(b, generic.ArrayObject):
        return len(a) == len(b) and all(_same(a.raw_get(i), b.raw_get(i)) for i in range(len(a)))
    if isinstance(a, generic.NullObject) or isinstance(b, generic.NullObject):
        return isinstance(a, generic.NullObject) and isinstance(b, generic.NullObject)
    return type(a) is type(b) and a == b


def _reachable(
    values: list[generic.PdfObject], stop: frozenset[tuple[int, int]] = frozenset()
) -> set[tuple[int, int]]:
    """Every object the given values lead to (not back up to a parent, not into `stop`: the page tree, which
    is judged page by page), as (number, generation)."""
    found: set[tuple[int, int]] = set()
    stack = list(values)
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            key = _key(obj)
            if key in found or key in stop:
                continue
            found.add(key)
            if len(found) > _MAX_OBJECTS:
                raise ValueError("too many objects")
            stack.append(obj.get_object())
        elif isinstance(obj, generic.DictionaryObject):
            stack.extend(obj.raw_get(k) for k in obj if k not in ("/Parent", "/P"))
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(i) for i in range(len(obj)))
    return found


def _changed_after(reader: PdfFileReader, base: int) -> set[tuple[int, int]]:
    changed: set[tuple[int, int]] = set()
    for revision in range(base + 1, reader.xrefs.total_revisions):
        changed |= {_key(r) for r in reader.xrefs.explicit_refs_in_revision(revision)}
        changed |= {_key(r) for r in reader.xrefs.refs_freed_in_revision(revision)}
    return changed


def _annotations(page: generic.DictionaryObject) -> Iterator[generic.PdfObject]:
    annots = page.get("/Annots")
    if isinstance(annots, generic.ArrayObject):
        for index in range(len(annots)):
            yield annots.raw_get(index)


def _changes(reader: PdfFileReader, base: int) -> list[str]:
    old = reader.get_historical_resolver(base)
    new = reader.get_historical_resolver(reader.xrefs.total_revisions - 1)
    tree: set[tuple[int, int]] = set()
    old_pages, new_pages = _pages(old, tree), _pages(new, set())
    if len(old_pages) != len(new_pages):
        return [f"Tệp đã ký có {len(new_pages)} trang, bản dự thảo đã duyệt có {len(old_pages)} trang."]
    changed = _changed_after(reader, base)
    problems: list[str] = []
    for number, ((old_ref, old_values), (new_ref, new_values)) in enumerate(
        zip(old_pages, new_pages, strict=True), 1
    ):
        altered = old_ref != new_ref or set(old_values) != set(new_values)
        altered = altered or any(not _same(old_values[k], new_values[k]) for k in old_values)
        altered = altered or bool(_reachable(list(old_values.values())) & changed)
        if altered:
            problems.append(f"Nội dung trang {number} khác bản dự thảo đã duyệt.")
            continue
        page_old = old.get_object(generic.Reference(*old_ref))
        page_new = new.get_object(generic.Reference(*new_ref))
        before = {_key(a) for a in _annotations(page_old) if isinstance(a, generic.IndirectObject)}
        for annot_ref in _annotations(page_new):
            if isinstance(annot_ref, generic.IndirectObject) and _key(annot_ref) in before:
                continue
            annot = annot_ref.get_object()
            subtype = annot.get("/Subtype") if isinstance(annot, generic.DictionaryObject) else None
            if subtype != "/Widget":
                shown = str(subtype).lstrip("/") if subtype else "không rõ loại"
                problems.append(
                    f"Trang {number} có thêm chú thích «{shown}» không có trong bản dự thảo đã duyệt "
                    "(chỉ được thêm chữ ký số)."
                )
    old_catalog, new_catalog = old.root, new.root
    keys = (set(old_catalog) | set(new_catalog)) - _CATALOG_SIGNING_KEYS
    catalog_changed = any(
        k not in old_catalog
        or k not in new_catalog
        or not _same(old_catalog.raw_get(k), new_catalog.raw_get(k))
        for k in keys
    )
    catalog_changed = catalog_changed or bool(
        _reachable([old_catalog.raw_get(k) for k in keys if k in old_catalog], frozenset(tree)) & changed
    )
    if catalog_changed:
        problems.append(
            "Phần khai báo chung của tệp (mục lục, tên, hành động khi mở tệp…) khác bản dự thảo đã duyệt."
        )
    return problems
