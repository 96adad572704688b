"""Edit the campaign file's YAML text in place: change the values a form changed and keep everything else.

The text is read with ruamel.yaml's round trip (comments, quoting, flow lists and block texts kept) and, after an
edit, only the top-level sections that changed are taken from the new dump: every other line of the file stays
byte for byte as the user (or the CLI) wrote it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

Loc = tuple[str | int, ...]
_RESOLVER = pyyaml.resolver.Resolver()


class YamlTextError(Exception):
    """The text is not a YAML mapping that forms can edit (a syntax error, a duplicate key, a list at the top)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _yaml(indent: tuple[int, int, int] = (2, 4, 2)) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 100_000  # never fold a long line the user wrote on one line
    y.allow_unicode = True
    mapping, sequence, offset = indent
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def load(text: str) -> CommentedMap:
    """The campaign file as an editable tree; an empty file is an empty mapping."""
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise YamlTextError("tệp YAML có lỗi cú pháp", line) from None
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise YamlTextError("tệp phải gồm các mục dạng «tên: giá trị» ở cấp ngoài cùng", 1)
    return data


_FAST_LOADER: Any = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


def read(text: str) -> dict[str, Any]:
    """The file's values as `vanban` reads them (PyYAML), for showing: much faster than the round-trip tree, and
    the same reading of yes/no, numbers and dates as the command line's."""
    try:
        data = pyyaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader (C or Python)
    except pyyaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlTextError("tệp YAML có lỗi cú pháp", mark.line + 1 if mark is not None else None) from None
    except pyyaml.YAMLError:
        raise YamlTextError("tệp YAML có lỗi cú pháp") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlTextError("tệp phải gồm các mục dạng «tên: giá trị» ở cấp ngoài cùng", 1)
    return data


def dump_value(value: Any) -> str:
    """A value (a fragment of the file) as YAML text, for editing as text."""
    out = io.StringIO()
    _yaml().dump(value, out)
    text = out.getvalue()
    return "" if text.strip() in ("", "null", "...", "null\n...") else text.rstrip("\n")


def load_value(text: str) -> Any:
    try:
        value = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}" if mark is not None else ""
        raise YamlTextError(f"đoạn YAML có lỗi cú pháp{where}") from None
    return value


def get(tree: Any, loc: Loc) -> Any:
    """The value at `loc`, None when any part of the way is missing."""
    node = tree
    for part in loc:
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return None
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
    return node


# --------------------------------------------------------------------------- values


def reads_as_text(text: str) -> bool:
    """Whether PyYAML (which `vanban` reads with) takes this plain scalar as text."""
    return _RESOLVER.resolve(pyyaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def text_value(text: str, old: Any = None) -> Any:
    """Text to store: quoted as the old value was, quoted when YAML would read it as a number or a yes/no,
    a literal block when it has several lines."""
    if "\n" in text:
        return LiteralScalarString(text)
    for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
        if isinstance(old, style):
            return style(text)
    if isinstance(old, FoldedScalarString):
        return FoldedScalarString(text)
    if text and not reads_as_text(text):
        return DoubleQuotedScalarString(text)
    return text


def shown(value: Any) -> str:
    """A stored value as a form shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return dump_value(value)
    return str(value)


def new_list(items: Iterable[Any], old: Any = None) -> CommentedSeq:
    """A list to store, in the old list's style ([VT, CĐS] stays on one line)."""
    seq = CommentedSeq(list(items))
    if isinstance(old, CommentedSeq) and old.fa.flow_style():
        seq.fa.set_flow_style()
    return seq


def set_key(mapping: CommentedMap, key: str, value: Any, order: list[str]) -> None:
    """Set `key`, placing a new key after the keys that come before it in the model (the file's order)."""
    if key in mapping:
        mapping[key] = value
        return
    before = set(order[: order.index(key)]) if key in order else set(order)
    position = 0
    for i, existing in enumerate(mapping):
        if existing in before:
            position = i + 1
    mapping.insert(position, key, value)


def delete_key(mapping: CommentedMap, key: str) -> None:
    if key in mapping:
        del mapping[key]


def replace_items(seq: CommentedSeq, items: list[Any], origins: list[int | None]) -> None:
    """Put `items` in `seq`; `origins[i]` is the old position of item i (None for a new one), so the comments
    of kept items move with them."""
    old_comments = dict(seq.ca.items)
    del seq[:]
    seq.extend(items)
    seq.ca.items.clear()
    for i, origin in enumerate(origins):
        if origin is not None and origin in old_comments:
            seq.ca.items[i] = old_comments[origin]


# --------------------------------------------------------------------------- writing the text back


def _lines(text: str) -> list[str]:
    """Lines with their line ends, split where YAML breaks lines (never on other Unicode separators)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file indents: `  - item` under a key is (2, 4, 2)."""
    mapping, offset = 2, 2
    lines = [line.rstrip("\n") for line in _lines(text)]
    found_map = found_seq = False
    for i, line in enumerate(lines[:-1]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or not stripped.endswith(":"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        nxt = next((x for x in lines[i + 1 :] if x.strip() and not x.strip().startswith("#")), None)
        if nxt is None:
            continue
        inner = len(nxt) - len(nxt.lstrip(" "))
        if nxt.lstrip(" ").startswith("- ") and not found_seq:
            offset, found_seq = inner - indent, True
        elif inner > indent and not found_map and not nxt.lstrip(" ").startswith("- "):
            mapping, found_map = inner - indent, True
        if found_map and found_seq:
            break
    offset = max(offset, 0)
    return mapping, max(offset + 2, 2), offset


_TOP_KEY = re.compile(
    r"""^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#\-?:'"{\[][^:#]*?|-[^\s:#][^:#]*?))[ \t]*:(?:[ \t]|$)"""
)


def _positions(text: str) -> list[tuple[str, int]]:
    """The top-level keys and their lines: found by their place at the start of a line, and checked against what
    a YAML reader finds (the round-trip reader is slow on a province's units, the C reader has no line numbers)."""
    found: list[tuple[str, int]] = []
    for n, line in enumerate(_lines(text)):
        m = _TOP_KEY.match(line)
        if m:
            key = (
                m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
            )
            found.append((key.strip(), n))
    keys = [str(k) for k in read(text)]
    if [k for k, _ in found] != keys:
        tree = load(text)
        return [(str(k), tree.lc.key(k)[0]) for k in tree]
    return found


def _segments(text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The header (lines before the first section) and each section's lines, up to the next section."""
    lines = _lines(text)
    positions = _positions(text)
    if not positions:
        return lines, {}, []
    header = lines[: positions[0][1]]
    segments: dict[str, list[str]] = {}
    for i, (key, start) in enumerate(positions):
        end = positions[i + 1][1] if i + 1 < len(positions) else len(lines)
        segments[key] = lines[start:end]
    return header, segments, [k for k, _ in positions]


def _trailing_comments(lines: list[str]) -> int:
    """How many lines at the end are top-level comments or blank: they introduce the next section."""
    n = 0
    for line in reversed(lines):
        if line.strip() == "" or line.startswith("#"):
            n += 1
        else:
            break
    # Blank lines alone belong to the section they follow.
    while n and lines[len(lines) - n].strip() == "":
        n -= 1
    return n


def _ensure_newline(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + "\n"]
    return lines


def dump_new(tree: CommentedMap) -> str:
    """A whole new file (one the user has not written yet)."""
    out = io.StringIO()
    _yaml().dump(tree, out)
    return out.getvalue()


def _section_text(tree: CommentedMap, key: str, indent: tuple[int, int, int]) -> str:
    """One top-level section as the round trip writes it, with the comment on its key line."""
    single = CommentedMap()
    single[key] = tree[key]
    if key in tree.ca.items:
        single.ca.items[key] = tree.ca.items[key]
    out = io.StringIO()
    _yaml(indent).dump(single, out)
    return out.getvalue()


def dump(tree: CommentedMap, original: str, changed: set[str]) -> str:
    """The file's new text: the sections in `changed` (and new ones) written from the edited tree, every other
    line as it was. When splicing cannot be shown to give the same values, the whole tree is written instead."""
    indent = guess_indent(original)
    try:
        header, old_segments, old_order = _segments(original)
        old_values = read(original)
    except YamlTextError:
        return _full(tree, indent)
    new_order = [str(k) for k in tree]
    new_segments: dict[str, list[str]] = {}
    expected: dict[str, Any] = {}
    for key in new_order:
        if key in changed or key not in old_segments:
            text = _section_text(tree, key, indent)
            new_segments[key] = _lines(text)
            try:
                expected[key] = read(text).get(key)
            except YamlTextError:
                return _full(tree, indent)
        else:
            expected[key] = old_values.get(key)
    # The comments that introduce a removed section's successor stay before that successor.
    carried: dict[str | None, list[str]] = {}
    for i, key in enumerate(old_order):
        if key not in new_order:
            segment = old_segments[key]
            n = _trailing_comments(segment)
            successor = next((k for k in old_order[i + 1 :] if k in new_order), None)
            carried.setdefault(successor, []).extend(segment[len(segment) - n :] if n else [])
    result: list[str] = list(header)
    pending: list[str] = []  # comments introducing the next old section, held back while a new one goes in
    for key in new_order:
        if key not in old_segments:
            # A new section goes before the comments that introduce the section after it.
            n = _trailing_comments(result)
            if n and not pending:
                pending, result = result[len(result) - n :], result[: len(result) - n]
            result = _ensure_newline(result)
            if result and result[-1].strip():
                result.append("\n")
            result += new_segments[key]
            if result[-1].strip() and (key != new_order[-1] or pending):
                result.append("\n")
            continue
        result = _ensure_newline(result) + pending + carried.pop(key, [])
        pending = []
        result += new_segments[key] if key in new_segments else old_segments[key]
    if pending or None in carried:
        result = _ensure_newline(result) + pending + carried.pop(None, [])
    text = "".join(result)
    try:
        same = read(text) == expected
    except YamlTextError:
        same = False
    return text if same else _full(tree, indent)


def _full(tree: CommentedMap, indent: tuple[int, int, int]) -> str:
    out = io.StringIO()
    _yaml(indent).dump(tree, out)
    return out.getvalue()


def _same_data(a: str, b: str) -> bool:
    try:
        return bool(read(a) == read(b))
    except YamlTextError:
        return False
