"""Two drop-in replacements for hot spots found by profiling bulk verification (same results, less time).

- pyHanko parses a signature's /Contents hex string one byte at a time through its tokenizer: ~15 ms per
  file for a 16 KB placeholder, a third of a small file's check.
- asn1crypto re-runs RFC 4518 string preparation for every Name comparison; certificate matching compares
  the same few Vietnamese names dozens of times per file (identical DER now short-cuts the comparison).
- pyHanko finds the revision that last changed an object by scanning every cross-reference section, and
  rebuilds the trailer of a past revision by merging every older trailer; diff analysis does both once per
  object per revision, so a file with n incremental updates costs O(n²) (10,000 empty updates: > 120 s).
  Both now use an index built once per file, which keeps the check linear in the number of revisions.

`install()` is idempotent and is called by the verifier only (the signing code keeps stock behaviour).
"""

from __future__ import annotations

import binascii
import functools
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils import xref as pdf_xref

_HEX = frozenset(b"0123456789abcdefABCDEF")
_WHITESPACE = b" \t\n\r\x0c\x00"
_installed = False
_original_hex = generic.read_hex_string_from_stream


def _fast_hex_string(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening '<'
    parts: list[bytes] = []
    while True:
        block = stream.read(1 << 16)
        if not block:
            break
        end = block.find(b">")
        if end >= 0:
            parts.append(block[:end])
            consumed = sum(len(p) for p in parts)
            stream.seek(start + 1 + consumed + 1)
            digits = b"".join(parts).translate(None, _WHITESPACE)
            if b"%" in digits or not _HEX.issuperset(digits):
                break  # comments or bad tokens: let pyHanko's own parser handle (and report) it
            if len(digits) % 2:
                digits += b"0"
            return generic.pdf_string(binascii.unhexlify(digits))
        parts.append(block)
    stream.seek(start)
    return _original_hex(stream)


@functools.lru_cache(maxsize=8192)
def _prep(string: str) -> str:
    return _stock_prep(None, string)


_stock_prep = asn1_x509.NameTypeAndValue._ldap_string_prep


def _cached_prep(self: Any, string: str) -> str:
    return _prep(string)


_stock_name_eq = asn1_x509.Name.__eq__
_stock_hash = asn1_x509.Name.__hash__


def _name_eq(self: Any, other: Any) -> bool:
    # Identical DER is equal under RFC 5280's rules; only differing encodings need the slow comparison.
    if isinstance(other, asn1_x509.Name) and self.dump() == other.dump():
        return True
    return bool(_stock_name_eq(self, other))


# ------------------------------------------------------------------ revisions: linear instead of quadratic

_stock_last_change = pdf_xref.XRefCache.get_last_change
_stock_introducing = pdf_xref.XRefCache.get_introducing_revision
_stock_flatten = pdf_xref.TrailerDictionary.flatten
_stock_trailer_get = pdf_xref.TrailerDictionary.raw_get


def _revisions_by_object(cache: Any) -> dict[int, list[int]]:
    """Object number → the revisions (oldest first) whose cross-reference section mentions it at all.

    A section can only resolve a reference through these four tables, so asking just the listed sections
    gives the stock answer."""
    index: dict[int, list[int]] | None = cache.__dict__.get("_vanban_revisions")
    if index is None:
        index = {}
        for rev, section in enumerate(cache._xref_sections):
            data = section.xref_data
            ids = set(data.standard_xrefs) | set(data.xrefs_in_objstm) | set(data.freed)
            if data.hybrid is not None:
                hyb = data.hybrid.xref_data
                ids |= set(hyb.standard_xrefs) | set(hyb.xrefs_in_objstm) | set(hyb.freed)
            for idnum in ids:
                index.setdefault(idnum, []).append(rev)
        cache._vanban_revisions = index
    return index


def _last_change(self: Any, ref: Any) -> int:
    sections = self._xref_sections
    for rev in reversed(_revisions_by_object(self).get(ref.idnum, ())):
        try:
            sections[rev].xref_data.try_resolve(ref)
            return rev
        except KeyError:
            continue
    raise KeyError(ref)


def _introducing_revision(self: Any, ref: Any) -> int:
    sections = self._xref_sections
    for rev in _revisions_by_object(self).get(ref.idnum, ()):
        try:
            if sections[rev].xref_data.try_resolve(ref) is not None:
                return rev
        except KeyError:
            continue
    raise KeyError(ref)


def _trailer_owners(trailer: Any) -> list[dict[Any, Any]]:
    """Per revision (oldest first): key → the trailer dictionary of the newest revision up to it defining the
    key, i.e. what the stock code finds by walking back through every older trailer."""
    revs = trailer._trailer_revisions  # newest first
    cached = trailer.__dict__.get("_vanban_owners")
    if cached is not None and cached[0] == len(revs):
        return cached[1]
    owners: list[dict[Any, Any]] = []
    current: dict[Any, Any] = {}
    for trailer_dict in reversed(revs):
        current = {**current, **dict.fromkeys(trailer_dict.keys(), trailer_dict)}
        owners.append(current)
    trailer._vanban_owners = (len(revs), owners)
    return owners


def _flatten(self: Any, revision: int | None = None) -> Any:
    revs = self._trailer_revisions
    if revision is None or not 0 <= revision < len(revs):
        return _stock_flatten(self, revision)
    owners = _trailer_owners(self)[revision]
    flat = generic.DictionaryObject({k: dict.__getitem__(owner, k) for k, owner in owners.items()})
    for key in self.non_trailer_keys:
        flat.pop(key, None)
    return flat


def _trailer_raw_get(
    self: Any, key: Any, decrypt: Any = generic.EncryptedObjAccess.TRANSPARENT, revision: int | None = None
) -> Any:
    revs = self._trailer_revisions
    if key in self.non_trailer_keys or (revision is not None and not 0 <= revision < len(revs)) or not revs:
        return _stock_trailer_get(self, key, decrypt, revision)
    if revision is None:
        try:
            return self._new_changes.raw_get(key, decrypt)
        except KeyError:
            pass
        revision = len(revs) - 1
    owner = _trailer_owners(self)[revision].get(key)
    if owner is None:
        raise KeyError(key)
    return owner.raw_get(key, decrypt)


def install() -> None:
    global _installed
    if _installed:
        return
    generic.read_hex_string_from_stream = _fast_hex_string
    asn1_x509.NameTypeAndValue._ldap_string_prep = _cached_prep
    asn1_x509.Name.__eq__ = _name_eq
    asn1_x509.Name.__hash__ = _stock_hash  # defining __eq__ on a class would otherwise drop its hash
    pdf_xref.XRefCache.get_last_change = _last_change  # type: ignore[method-assign]
    pdf_xref.XRefCache.get_introducing_revision = _introducing_revision  # type: ignore[method-assign]
    pdf_xref.TrailerDictionary.flatten = _flatten  # type: ignore[method-assign]
    pdf_xref.TrailerDictionary.raw_get = _trailer_raw_get  # type: ignore[method-assign]
    _installed = True
