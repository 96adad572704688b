"""Recognise updates after a signature that only add comment-type annotations.

pyHanko's default difference policy has no rule at the ANNOTATIONS level: a reviewer's sticky note after
signing comes out as "other change", so a policy allowing annotations could never take effect. This
check is deliberately narrow: every object that existed at signing time must be unchanged, except page
dictionaries whose /Annots grew (old entries kept, in order) or /Annots arrays that grew the same way;
every added entry must be a comment-type annotation. New objects (appearance streams, fonts, popups) are
only reachable through those annotations.
"""

from __future__ import annotations

import io
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

# Comment and markup annotations. Widgets (form fields), links, file attachments, sounds, movies,
# screens and 3D/rich media are excluded: they act on the document rather than comment on it.
COMMENT_SUBTYPES = {
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


def _dump(obj: Any) -> bytes:
    buf = io.BytesIO()
    obj.write_to_stream(buf, None)
    return buf.getvalue()


def _as_list(value: Any, resolver: Any) -> list[Any] | None:
    if value is None:
        return []
    # Resolve through the revision's own resolver: the object may have changed in a later revision.
    obj = resolver(value.reference) if isinstance(value, generic.IndirectObject) else value
    return list(obj) if isinstance(obj, generic.ArrayObject) else None


class _NotAnnotationsOnly(Exception):
    pass


def _check_added(added: list[Any], resolver: Any, subtypes: list[str]) -> None:
    for entry in added:
        if not isinstance(entry, generic.IndirectObject):
            raise _NotAnnotationsOnly("direct annotation")
        annot = resolver(entry.reference)
        if not isinstance(annot, generic.DictionaryObject):
            raise _NotAnnotationsOnly("annotation is not a dictionary")
        subtype = str(annot.get("/Subtype"))
        if subtype not in COMMENT_SUBTYPES or "/FT" in annot:
            raise _NotAnnotationsOnly(f"annotation subtype {subtype}")
        subtypes.append(subtype.lstrip("/"))


def _grown(old: list[Any], new: list[Any]) -> list[Any]:
    if len(new) < len(old) or [_dump(v) for v in new[: len(old)]] != [_dump(v) for v in old]:
        raise _NotAnnotationsOnly("existing annotations changed")
    return new[len(old) :]


def annotation_only_changes(reader: PdfFileReader, signed_revision: int) -> list[str] | None:
    """Subtypes of the annotations added after `signed_revision` if that is all that changed, else None."""
    try:
        return _scan(reader, signed_revision)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - anything unexpected means "not provably annotations only"
        return None


def _scan(reader: PdfFileReader, signed_revision: int) -> list[str] | None:
    xrefs = reader.xrefs
    total = xrefs.total_revisions
    if total <= signed_revision + 1:
        return None
    subtypes: list[str] = []
    for rev in range(signed_revision + 1, total):
        old = reader.get_historical_resolver(rev - 1)
        new = reader.get_historical_resolver(rev)
        if (old.root_ref.idnum, old.root_ref.generation) != (new.root_ref.idnum, new.root_ref.generation):
            return None
        if xrefs.refs_freed_in_revision(rev):
            return None
        # The signed revision's /Info, not the previous update's: an update can point /Info at page content
        # and the next one "update the document information" (changes.py reports that trick).
        try:
            info_ref = reader.trailer.raw_get("/Info", revision=signed_revision)
        except KeyError:
            info_ref = None
        for ref in xrefs.explicit_refs_in_revision(rev):
            try:
                introduced = xrefs.get_introducing_revision(ref)
            except KeyError:
                return None
            new_obj = new(ref)
            if isinstance(new_obj, generic.StreamObject) and new_obj.get("/Type") in ("/XRef", "/ObjStm"):
                continue
            if introduced >= rev:
                continue  # a new object: only reachable through the new annotations checked below
            old_obj = old(ref)
            if (
                isinstance(info_ref, generic.IndirectObject)
                and info_ref.reference.idnum == ref.idnum
                and isinstance(old_obj, generic.DictionaryObject)
                and not isinstance(old_obj, generic.StreamObject)
            ):
                continue  # document information (modification date, producer) is not content
            if isinstance(old_obj, generic.DictionaryObject) and old_obj.get("/Type") == "/Page":
                if not isinstance(new_obj, generic.DictionaryObject):
                    return None
                keys = (set(old_obj) | set(new_obj)) - {"/Annots"}
                for key in keys:
                    if key not in old_obj or key not in new_obj:
                        return None
                    if _dump(old_obj.raw_get(key)) != _dump(new_obj.raw_get(key)):
                        return None
                old_annots = _as_list(old_obj.raw_get("/Annots") if "/Annots" in old_obj else None, old)
                new_annots = _as_list(new_obj.raw_get("/Annots") if "/Annots" in new_obj else None, new)
                if old_annots is None or new_annots is None:
                    return None
                _check_added(_grown(old_annots, new_annots), new, subtypes)
            elif isinstance(old_obj, generic.ArrayObject) and isinstance(new_obj, generic.ArrayObject):
                _check_added(_grown(list(old_obj), list(new_obj)), new, subtypes)
            else:
                return None
    return subtypes or None
