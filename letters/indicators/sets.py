"""DTI indicator sets (Bộ chỉ số) as data: loading from YAML, validating, and the rows forms are built from.

An indicator set is a YAML file (see letters/data/*.yaml). Each main index (chỉ số chính) has component
indicators (chỉ số thành phần) whose maximum points must add up to the index's maximum, and the indices must
add up to the set's declared total (usually 1000). Every diagnostic carries the YAML line of the value at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from letters.core.errors import Diagnostic, DiagnosticsError, Severity, VanbanError, os_error
from letters.core.vn import number
from letters.core.yamlsrc import explain_yaml_problem

DATA_DIR = Path(__file__).parent / "data"

# Built-in sets shipped with vanban, by id.
BUILTIN_SETS: dict[str, str] = {
    "qd922-cap-tinh": "qd922-cap-tinh.yaml",
    "qd405-cap-tinh": "qd405-cap-tinh.yaml",
    "cap-so-mau": "cap-so-mau.yaml",
    "cap-huyen-mau": "cap-huyen-mau.yaml",
    "cap-xa-mau": "cap-xa-mau.yaml",
    "cap-so-2026-mau": "cap-so-2026-mau.yaml",
    "cap-xa-2026-mau": "cap-xa-2026-mau.yaml",
}


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Component:
    """A component indicator (chỉ số thành phần): the unit of scoring."""

    code: str
    name: str
    max_points: Decimal
    method: str = ""
    evidence: str = ""
    source: str = ""
    placeholder: bool = False
    index_code: str = ""
    line: int | None = None

    @property
    def scored(self) -> bool:
        return self.max_points > 0


@dataclass(frozen=True)
class MainIndex:
    """A main index (chỉ số chính) and its components."""

    code: str
    name: str
    max_points: Decimal
    components: tuple[Component, ...]
    group: str | None = None
    scored: bool = True
    line: int | None = None


@dataclass(frozen=True)
class Group:
    """An optional grouping of main indices (e.g. "Nhóm nền tảng chung", 500 points)."""

    code: str
    name: str
    max_points: Decimal
    line: int | None = None


@dataclass(frozen=True)
class IndicatorSet:
    id: str
    version: str
    name: str
    max_points: Decimal
    indices: tuple[MainIndex, ...]
    groups: tuple[Group, ...] = ()
    status: str = "official"  # official | example | partial
    legal_basis: str = ""
    note: str = ""
    applies_to: str = ""
    path: Path | None = None

    def components(self) -> Iterator[Component]:
        for index in self.indices:
            yield from index.components

    def component(self, code: str) -> Component:
        # Looked up once per score row (100,000 rows for a province): a table, built on first use.
        table = self.__dict__.get("_by_code")
        if table is None:
            table = {}
            for comp in self.components():
                table.setdefault(comp.code, comp)
            object.__setattr__(self, "_by_code", table)
        return table[code]

    @property
    def component_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.components())

    @property
    def edition(self) -> str:
        """How a form or a ranking a unit receives names the set: '<name>, phiên bản <version>'.

        Empty for an example set: its name says 'mẫu ví dụ' and its version is vanban's, not the province's,
        so printing them would put a sample label and a foreign version on a real campaign's form (the
        version still travels in the form's hidden sheet, for the reader to detect old forms).
        """
        return "" if self.status == "example" else f"{self.name}, phiên bản {self.version}"

    @property
    def scored_components(self) -> tuple[Component, ...]:
        return tuple(c for c in self.components() if c.scored)


# --------------------------------------------------------------------------- YAML with lines


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping key and value so diagnostics can point at them."""


class _LineDict(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    result = _LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = value_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(mapping: Any, key: str | None = None) -> int | None:
    if not isinstance(mapping, _LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line


# --------------------------------------------------------------------------- parsing


def resolve_set_path(ref: str | Path, base_dir: Path | None = None) -> Path:
    """A built-in set id ("cap-so-mau") or a YAML path (relative to `base_dir`, e.g. the campaign's folder)."""
    text = str(ref)
    if text in BUILTIN_SETS:
        return DATA_DIR / BUILTIN_SETS[text]
    path = Path(text)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix.lower() not in (".yaml", ".yml") and not path.exists():
        known = ", ".join(sorted(BUILTIN_SETS))
        raise VanbanError(
            f"Không tìm thấy bộ chỉ số «{text}».",
            hint=f"Dùng một mã có sẵn ({known}) hoặc đường dẫn tới tệp YAML bộ chỉ số.",
        )
    if not path.exists():
        raise VanbanError(f"Không tìm thấy tệp bộ chỉ số {path}.")
    return path


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.diags: list[Diagnostic] = []

    def err(self, message: str, line: int | None, fld: str | None = None) -> None:
        self.diags.append(Diagnostic(Severity.ERROR, message, file=self.file, line=line, field=fld))

    def warn(self, message: str, line: int | None, fld: str | None = None) -> None:
        self.diags.append(Diagnostic(Severity.WARNING, message, file=self.file, line=line, field=fld))

    def text(self, mapping: Any, key: str, where: str, required: bool = True) -> str:
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if value is None or str(value).strip() == "":
            if required:
                self.err(f"{where}: thiếu «{key}».", _line(mapping), key)
            return ""
        return str(value).strip()

    def points(self, mapping: Any, key: str, where: str) -> Decimal:
        raw = mapping.get(key) if isinstance(mapping, dict) else None
        value = _decimal(raw)
        if value is None:
            self.err(f"{where}: «{key}» phải là một số điểm, không phải «{raw}».", _line(mapping, key), key)
            return Decimal(0)
        if value < 0:
            self.err(f"{where}: điểm tối đa không được âm ({raw}).", _line(mapping, key), key)
        return value

    def parse(self) -> IndicatorSet | None:
        try:
            raw_text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise os_error(exc, "Không đọc được tệp bộ chỉ số", self.path) from exc
        except UnicodeDecodeError as exc:
            raise VanbanError(f"Tệp {self.path} không phải văn bản UTF-8.") from exc
        try:
            doc = yaml.load(raw_text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = explain_yaml_problem(str(getattr(exc, "problem", None) or exc))
            self.err(f"Tệp YAML sai cú pháp: {problem}", mark.line + 1 if mark else None)
            return None
        if not isinstance(doc, dict):
            self.err("Tệp bộ chỉ số phải là một bảng YAML (id, version, name, max_points, indices).", 1)
            return None
        set_id = self.text(doc, "id", "Bộ chỉ số")
        version = self.text(doc, "version", "Bộ chỉ số")
        name = self.text(doc, "name", "Bộ chỉ số")
        status = str(doc.get("status", "official"))
        if status not in ("official", "example", "partial"):
            self.err(
                f"«status» phải là official, example hoặc partial, không phải «{status}».",
                _line(doc, "status"),
                "status",
            )
        total = self.points(doc, "max_points", "Bộ chỉ số")

        groups: list[Group] = []
        for g in doc.get("groups") or []:
            groups.append(
                Group(
                    self.text(g, "code", "Nhóm"),
                    self.text(g, "name", "Nhóm"),
                    self.points(g, "max_points", "Nhóm"),
                    _line(g),
                )
            )
        group_codes = {g.code for g in groups}

        raw_indices = doc.get("indices")
        if not isinstance(raw_indices, list) or not raw_indices:
            self.err(
                "Bộ chỉ số phải có danh sách «indices» (các chỉ số chính).", _line(doc, "indices"), "indices"
            )
            raw_indices = []
        indices: list[MainIndex] = []
        for raw in raw_indices:
            if not isinstance(raw, dict):
                self.err("Mỗi chỉ số chính phải là một bảng (code, name, max_points, components).", None)
                continue
            code = self.text(raw, "code", "Chỉ số chính")
            where = f"Chỉ số chính {code}"
            idx_name = self.text(raw, "name", where)
            idx_max = self.points(raw, "max_points", where)
            scored = bool(raw.get("scored", True))
            group = raw.get("group")
            if group is not None and str(group) not in group_codes:
                self.err(f"{where}: nhóm «{group}» không có trong «groups».", _line(raw, "group"), "group")
            comps: list[Component] = []
            raw_comps = raw.get("components")
            if not isinstance(raw_comps, list) or not raw_comps:
                self.err(f"{where}: chưa có chỉ số thành phần nào («components»).", _line(raw), "components")
                raw_comps = []
            for rc in raw_comps:
                if not isinstance(rc, dict):
                    self.err(f"{where}: mỗi chỉ số thành phần phải là một bảng.", _line(raw, "components"))
                    continue
                ccode = self.text(rc, "code", f"{where}, chỉ số thành phần")
                cwhere = f"Chỉ số thành phần {ccode}"
                comps.append(
                    Component(
                        code=ccode,
                        name=self.text(rc, "name", cwhere),
                        max_points=self.points(rc, "max_points", cwhere),
                        method=self.text(rc, "method", cwhere, required=False),
                        evidence=self.text(rc, "evidence", cwhere, required=False),
                        source=self.text(rc, "source", cwhere, required=False),
                        placeholder=bool(rc.get("placeholder", False)),
                        index_code=code,
                        line=_line(rc),
                    )
                )
            indices.append(
                MainIndex(
                    code,
                    idx_name,
                    idx_max,
                    tuple(comps),
                    str(group) if group is not None else None,
                    scored,
                    _line(raw),
                )
            )
        return IndicatorSet(
            id=set_id,
            version=version,
            name=name,
            max_points=total,
            indices=tuple(indices),
            groups=tuple(groups),
            status=status,
            legal_basis=str(doc.get("legal_basis", "") or ""),
            note=str(doc.get("note", "") or "").strip(),
            applies_to=str(doc.get("applies_to", "") or ""),
            path=self.path,
        )


def validate(ind: IndicatorSet, file: str | None = None) -> list[Diagnostic]:
    """Arithmetic and uniqueness checks; every diagnostic names the indicator at fault and its line."""
    file = file or (str(ind.path) if ind.path else None)
    diags: list[Diagnostic] = []

    def err(message: str, line: int | None, fld: str | None = None) -> None:
        diags.append(Diagnostic(Severity.ERROR, message, file=file, line=line, field=fld))

    seen: dict[str, int | None] = {}
    for index in ind.indices:
        if index.code in seen:
            err(f"Mã chỉ số «{index.code}» bị trùng (đã dùng ở dòng {seen[index.code]}).", index.line, "code")
        seen[index.code] = index.line
        for comp in index.components:
            if comp.code in seen:
                err(
                    f"Mã chỉ số «{comp.code}» ({comp.name}) bị trùng (đã dùng ở dòng {seen[comp.code]}).",
                    comp.line,
                    "code",
                )
            seen[comp.code] = comp.line
        comp_sum = sum((c.max_points for c in index.components), Decimal(0))
        if index.components and comp_sum != index.max_points:
            diff = comp_sum - index.max_points
            worst = max(index.components, key=lambda c: c.max_points)
            err(
                f"Chỉ số chính {index.code} «{index.name}»: tổng điểm tối đa các chỉ số thành phần là "
                f"{number(comp_sum)}, khác điểm tối đa của chỉ số chính ({number(index.max_points)}), "
                f"{'thừa' if diff > 0 else 'thiếu'} {number(abs(diff))} điểm. Các chỉ số thành phần: "
                + ", ".join(f"{c.code} (dòng {c.line}) = {number(c.max_points)}" for c in index.components)
                + f"; chỉ số lớn nhất là {worst.code}.",
                index.line,
                "max_points",
            )
        if not index.scored and index.max_points != 0:
            err(
                f"Chỉ số chính {index.code} «{index.name}» ghi «scored: false» nhưng có điểm tối đa "
                f"{number(index.max_points)}.",
                index.line,
                "scored",
            )
    idx_sum = sum((i.max_points for i in ind.indices), Decimal(0))
    if ind.indices and idx_sum != ind.max_points:
        diff = idx_sum - ind.max_points
        err(
            f"Tổng điểm tối đa các chỉ số chính là {number(idx_sum)}, khác tổng điểm khai báo «max_points» "
            f"({number(ind.max_points)}), {'thừa' if diff > 0 else 'thiếu'} {number(abs(diff))} điểm. Các chỉ số chính: "
            + ", ".join(f"{i.code} (dòng {i.line}) = {number(i.max_points)}" for i in ind.indices)
            + ".",
            1,
            "max_points",
        )
    for group in ind.groups:
        members = [i for i in ind.indices if i.group == group.code]
        gsum = sum((i.max_points for i in members), Decimal(0))
        if gsum != group.max_points:
            err(
                f"Nhóm {group.code} «{group.name}»: tổng điểm các chỉ số chính thuộc nhóm là {number(gsum)}, "
                f"khác điểm tối đa của nhóm ({number(group.max_points)}).",
                group.line,
                "max_points",
            )
    placeholders = [c for c in ind.components() if c.placeholder]
    if placeholders:
        diags.append(
            Diagnostic(
                Severity.WARNING,
                f"Bộ chỉ số có {len(placeholders)} chỉ số thành phần đang để giữ chỗ (placeholder: true), "
                f"từ {placeholders[0].code} đến {placeholders[-1].code}: tỉnh cần bổ sung tên, cách tính điểm và "
                "tài liệu kiểm chứng theo văn bản ban hành trước khi dùng.",
                file=file,
                line=placeholders[0].line,
                field="placeholder",
            )
        )
    return diags


def check_indicator_set(path: str | Path) -> list[Diagnostic]:
    """All problems in an indicator-set YAML file (errors and warnings), each with its YAML line."""
    parser = _Parser(Path(path))
    ind = parser.parse()
    if ind is None or any(d.severity is Severity.ERROR for d in parser.diags):
        return parser.diags
    return parser.diags + validate(ind)


def load_indicator_set(ref: str | Path, base_dir: Path | None = None) -> IndicatorSet:
    """Load a built-in set by id or a YAML file by path; raises DiagnosticsError if it does not add up."""
    path = resolve_set_path(ref, base_dir)
    parser = _Parser(path)
    ind = parser.parse()
    diags = parser.diags + (validate(ind) if ind is not None and not parser.diags else [])
    if ind is None or any(d.severity is Severity.ERROR for d in diags):
        raise DiagnosticsError(diags, source=f"Bộ chỉ số {path}")
    return ind


def builtin_set_ids() -> list[str]:
    return sorted(BUILTIN_SETS)


# --------------------------------------------------------------------------- rows for forms


@dataclass(frozen=True)
class FormRow:
    """One row of a self-assessment form (Biểu số), in order: main-index rows, then their components.

    kind is "index" or "component"; `stt` is the printed number (I, II… for groups are not rows).
    """

    kind: str
    code: str
    stt: str
    name: str
    max_points: Decimal
    method: str = ""
    evidence: str = ""
    source: str = ""
    scored: bool = True
    placeholder: bool = False
    index_code: str = ""


@dataclass(frozen=True)
class EvidenceRow:
    """One row of the Phụ lục hướng dẫn tài liệu kiểm chứng."""

    stt: str
    code: str
    name: str
    evidence: str
    source: str
    index_code: str
    index_name: str


def form_rows(ind: IndicatorSet) -> list[FormRow]:
    rows: list[FormRow] = []
    for index in ind.indices:
        rows.append(
            FormRow(
                "index",
                index.code,
                index.code,
                index.name,
                index.max_points,
                scored=index.scored,
                index_code=index.code,
            )
        )
        for comp in index.components:
            rows.append(
                FormRow(
                    "component",
                    comp.code,
                    comp.code,
                    comp.name,
                    comp.max_points,
                    comp.method,
                    comp.evidence,
                    comp.source,
                    scored=comp.scored and index.scored,
                    placeholder=comp.placeholder,
                    index_code=index.code,
                )
            )
    return rows


def evidence_rows(ind: IndicatorSet) -> list[EvidenceRow]:
    return [
        EvidenceRow(comp.code, comp.code, comp.name, comp.evidence, comp.source, index.code, index.name)
        for index in ind.indices
        for comp in index.components
        if comp.scored and index.scored
    ]


def build_indicator_set(data: dict[str, Any]) -> IndicatorSet:
    """Build a set from a plain dict shaped like the YAML files (used by tests and the benchmark)."""

    def comp(index_code: str, c: dict[str, Any]) -> Component:
        return Component(
            str(c["code"]),
            str(c["name"]),
            Decimal(str(c["max_points"])),
            str(c.get("method", "")),
            str(c.get("evidence", "")),
            str(c.get("source", "")),
            bool(c.get("placeholder", False)),
            index_code,
        )

    indices = tuple(
        MainIndex(
            str(i["code"]),
            str(i["name"]),
            Decimal(str(i["max_points"])),
            tuple(comp(str(i["code"]), c) for c in i["components"]),
            i.get("group"),
            bool(i.get("scored", True)),
        )
        for i in data["indices"]
    )
    ind = IndicatorSet(
        str(data["id"]),
        str(data["version"]),
        str(data["name"]),
        Decimal(str(data["max_points"])),
        indices,
        status=str(data.get("status", "official")),
    )
    errors = [d for d in validate(ind) if d.severity is Severity.ERROR]
    if errors:
        raise DiagnosticsError(errors, source=f"Bộ chỉ số {ind.id}")
    return ind


__all__ = [
    "BUILTIN_SETS",
    "Component",
    "EvidenceRow",
    "FormRow",
    "Group",
    "IndicatorSet",
    "MainIndex",
    "build_indicator_set",
    "builtin_set_ids",
    "check_indicator_set",
    "evidence_rows",
    "form_rows",
    "load_indicator_set",
    "resolve_set_path",
]
