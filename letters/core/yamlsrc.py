"""YAML reading that remembers the line of every value, so messages can point users to it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError, os_error

Loc = tuple[str | int, ...]


@dataclass
class SourceDoc:
    """Parsed YAML data plus a map from each value's path to its 1-based line."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    duplicate_keys: list[Diagnostic] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


def field_path(loc: Loc) -> str:
    """'phases[2].end': list positions counted from 1, as a user counts the dashes in the file."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Builder(yaml.SafeLoader):
    pass


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A YAML date such as 2023-02-30 that does not exist stays text: the model then reports it, located,
    in Vietnamese, instead of PyYAML's bare ValueError ("day is out of range for month") with no line."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Builder.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _construct(loader: _Builder, node: yaml.Node, loc: Loc, doc: SourceDoc) -> Any:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, str):
                key = unicodedata.normalize("NFC", key)
            if isinstance(key, (list, dict)):
                key = str(key)
            if key in result:
                doc.duplicate_keys.append(
                    Diagnostic(
                        Severity.ERROR,
                        f"khoá «{key}» xuất hiện hai lần; giá trị sau sẽ ghi đè giá trị trước",
                        file=str(doc.path),
                        line=key_node.start_mark.line + 1,
                        field=field_path((*loc, key)),
                    )
                )
            child = (*loc, key)
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(loader, value_node, child, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*loc, i), doc) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    # Some keyboards (macOS, some Vietnamese IMEs) type decomposed letters; documents and matching need NFC.
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def load_yaml(path: Path) -> SourceDoc:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VanbanError(f"Không tìm thấy tệp {path}.") from None
    except UnicodeDecodeError:
        raise VanbanError(
            f"Tệp {path} không phải văn bản UTF-8.", hint="Lưu lại tệp với mã hoá UTF-8."
        ) from None
    except OSError as exc:
        raise os_error(exc, "Không đọc được tệp", path) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> SourceDoc:
    doc = SourceDoc(path=path, data=None)
    loader = _Builder(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = _explain_yaml_problem(exc.problem or str(exc))
        raise DiagnosticsError(
            [Diagnostic(Severity.ERROR, f"cú pháp YAML sai: {problem}", file=str(path), line=line)], str(path)
        ) from None
    except yaml.YAMLError as exc:
        problem = _explain_yaml_problem(str(exc))
        raise DiagnosticsError(
            [Diagnostic(Severity.ERROR, f"cú pháp YAML sai: {problem}", file=str(path))], str(path)
        ) from None
    finally:
        loader.dispose()
    doc.data = _construct(loader, node, (), doc) if node is not None else {}
    return doc


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "dấu «:» đặt sai chỗ (thiếu dấu ngoặc kép quanh giá trị có dấu hai chấm?)",
    "could not find expected ':'": "thiếu dấu «:» sau tên trường",
    "found character '\\t' that cannot start any token": "có ký tự Tab; YAML chỉ dùng dấu cách để thụt lề",
    "expected <block end>, but found '-'": "thụt lề của danh sách không khớp",
    "found undefined alias": "tham chiếu (*) tới mục chưa định nghĩa",
    "expected ',' or ']'": "danh sách trong [ ] chưa đóng hoặc thiếu dấu phẩy giữa các phần tử",
    "expected ',' or '}'": "mục trong { } chưa đóng hoặc thiếu dấu phẩy",
    "found unexpected end of stream": "chuỗi trong ngoặc kép chưa được đóng",
    "found unknown escape character": "ký tự «\\» trong chuỗi ngoặc kép không hợp lệ; dùng ngoặc đơn ' ' quanh giá trị",
    "expected <block end>": "thụt lề không khớp với các dòng trên, hoặc có ký tự thừa sau một giá trị",
    "did not find expected '-' indicator": "thụt lề của danh sách không khớp",
    "did not find expected key": "thụt lề không khớp hoặc thiếu dấu «:»",
    "did not find expected node content": "thiếu giá trị (dấu phẩy hoặc dấu ngoặc thừa?)",
    "expected a comment or a line break": "thừa ký tự sau giá trị (đặt giá trị trong ngoặc kép?)",
    "that cannot start any token": "giá trị bắt đầu bằng ký tự đặc biệt; đặt giá trị trong ngoặc kép",
    "found unhashable key": "tên trường không hợp lệ",
    "special characters are not allowed": "tệp có ký tự điều khiển không hợp lệ",
    "unacceptable character": "tệp có ký tự điều khiển không hợp lệ",
}


def explain_yaml_problem(problem: str) -> str:
    """PyYAML's English description of a syntax error, in Vietnamese."""
    return _explain_yaml_problem(problem)


def _explain_yaml_problem(problem: str) -> str:
    for key, vi in _YAML_PROBLEMS.items():
        if key in problem:
            return vi
    # PyYAML's own words are English: never shown, the line number says where to look.
    return "cấu trúc không hợp lệ (kiểm tra thụt lề, dấu «:» và dấu ngoặc kép)"
