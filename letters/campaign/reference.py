"""The campaign file reference (docs/campaign-file.md), generated from the pydantic models in model.py.

Sections, fields, nested models, lists, choices, constraints and defaults all come from the models, so the
page cannot drift from what `vanban check` accepts; tests/test_docs.py compares it with the committed file.
Regenerate with `make docs` (python -m letters.campaign.reference docs/campaign-file.md).
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from letters.campaign.model import REQUIRED_SECTIONS, SECTION_MODELS, Campaign, Delegation, DocumentKind
from letters.core.files import atomic_write_text

# What a choice means, where the value alone does not say it. Document labels repeat builders.DOC_TYPES on
# purpose: the campaign package must not import letters.documents.
CHOICE_LABELS: dict[Enum, str] = {
    DocumentKind.KE_HOACH: "Kế hoạch",
    DocumentKind.CONG_VAN: "Công văn hướng dẫn",
    DocumentKind.TO_TRINH: "Tờ trình",
    DocumentKind.QUYET_DINH: "Quyết định công bố kết quả",
    DocumentKind.THONG_BAO: "Thông báo kết quả",
    Delegation.KT: "ký thay",
    Delegation.TL: "thừa lệnh",
    Delegation.TM: "thay mặt",
    Delegation.Q: "quyền",
    Delegation.TUQ: "thừa ủy quyền",
    Delegation.NONE: "không ghi thẩm quyền",
}

# Patterns said in words; any other pattern is shown as it is.
PATTERN_TEXT: dict[str, str] = {
    r"^[a-z0-9_]+$": "chữ thường không dấu, chữ số và dấu gạch dưới, ví dụ `cap_huyen`",
    r"^[A-ZĐ0-9&]+$": "chữ in hoa không dấu (và Đ), chữ số, &, ví dụ `STTTT`, `UBND`",
    r"^[A-ZĐa-zđ0-9&. ]+$": "chữ cái không dấu (và Đ, đ), chữ số, &, dấu chấm, dấu cách",
    r"^\S+/\S+$": "dạng số/ký hiệu, ví dụ `922/QĐ-BTTTT`",
    r"^\d{0,5}$": "chỉ gồm chữ số (tối đa 5 chữ số)",
    r"^[0-9 .+()-]{6,20}$": 'từ 6 đến 20 ký tự gồm chữ số, dấu cách và . + ( ) -, đặt trong ngoặc kép: `"0254.3512226"`',
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "địa chỉ thư điện tử, ví dụ `stttt@bacgiang.gov.vn`",
    r"^\d{1,2}/\d{4}$": "tháng/năm, ví dụ `06/2023`",
    r"^https?://\S+$": "đường dẫn bắt đầu bằng `https://`, ví dụ `https://zalo.me/g/abc123`",
}

HEADER = """\
# Tệp hồ sơ chiến dịch: các mục và trường

<!-- Tạo tự động từ letters/campaign/model.py bằng lệnh `make docs`. Đừng sửa tay: sửa mô hình rồi tạo lại. -->

Tệp hồ sơ chiến dịch là một tệp YAML (xem các tệp mẫu trong `examples/`). Trang này liệt kê mọi mục, mọi
trường vanban nhận, kèm ý nghĩa, kiểu giá trị, ràng buộc và giá trị mặc định. `vanban check TỆP` kiểm tra
một tệp theo đúng các quy định này và báo lỗi kèm số dòng.

- Ngày viết dạng ngày/tháng/năm: `05/11/2024`.
- Giá trị YAML có thể đọc nhầm thành số (số điện thoại, số văn bản) phải đặt trong ngoặc kép, ví dụ
  `"0254.3512226"`, để giữ số 0 ở đầu.
- Trường không bắt buộc có thể bỏ qua; ghi một trường không có trong trang này là lỗi.
- `[]` trong đường dẫn trường là «mỗi mục của danh sách», ví dụ `tiers[].units[]` là mỗi đơn vị của mỗi nhóm.
"""


@dataclass(frozen=True)
class Shape:
    """A field's type as the reference tells it: words for the value, and the model whose fields follow."""

    text: str
    model: type[BaseModel] | None = None
    path_suffix: str = ""  # "[]" for a list of models, ".<văn bản>" for a mapping keyed by a choice


def _unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional; return the bare type and the Annotated metadata met on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp, *extra = typing.get_args(tp)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, metadata
            tp = args[0]
        else:
            return tp, metadata


def _choice(value: Any) -> str:
    label = CHOICE_LABELS.get(value) if isinstance(value, Enum) else None
    raw = value.value if isinstance(value, Enum) else value
    return f"`{raw}` ({label})" if label else f"`{raw}`"


def _choices(values: list[Any]) -> str:
    return "một trong: " + ", ".join(_choice(v) for v in values)


def _shape(tp: Any) -> Shape:
    tp, _ = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return Shape(_choices(list(typing.get_args(tp))))
    if origin is list:
        inner = _shape(typing.get_args(tp)[0])
        if inner.model is not None:
            return Shape("danh sách, mỗi mục gồm các trường dưới đây", inner.model, "[]" + inner.path_suffix)
        return Shape(f"danh sách, mỗi mục là {inner.text}")
    if origin is dict:
        key, value = typing.get_args(tp)
        key, _ = _unwrap(key)
        inner = _shape(value)
        if isinstance(key, type) and issubclass(key, Enum):
            keys = "các mục " + ", ".join(_choice(k) for k in key)
            if inner.model is not None:
                return Shape(f"{keys}; mỗi mục gồm các trường dưới đây", inner.model, ".<văn bản>")
            return Shape(f"{keys}; mỗi mục là {inner.text}")
        if inner.model is not None:
            return Shape(f"các cặp «tên: giá trị», giá trị là {inner.text}", inner.model, ".<tên>")
        return Shape(f"các cặp «tên: giá trị», giá trị là {inner.text}")
    if origin in (typing.Union, types.UnionType):
        # Text or a small model ("footnotes: {"1": "…"}" or "{"1": {text: …, after: …}}").
        parts = [_shape(a) for a in typing.get_args(tp) if a is not type(None)]
        models = [p for p in parts if p.model is not None]
        if len(models) == 1 and len(parts) == 2:
            plain = next(p for p in parts if p.model is None)
            return Shape(f"{plain.text}, hoặc gồm các trường dưới đây", models[0].model)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return Shape("gồm các trường dưới đây", tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return Shape(_choices(list(tp)))
    if tp is bool:
        return Shape("có (`true`) hoặc không (`false`)")
    if tp is int:
        return Shape("số nguyên")
    if tp is float:
        return Shape("số")
    if tp is date:
        return Shape("ngày (ngày/tháng/năm)")
    if tp is str:
        return Shape("chữ")
    raise TypeError(f"reference.py does not know how to describe {tp!r}; add it to _shape")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _constraints(info: FieldInfo, is_text: bool) -> list[str]:
    _, extra = _unwrap(info.annotation)
    out = []
    for meta in [*info.metadata, *extra]:
        if isinstance(meta, annotated_types.Ge):
            out.append(f"không nhỏ hơn {_number(meta.ge)}")
        elif isinstance(meta, annotated_types.Gt):
            out.append(f"lớn hơn {_number(meta.gt)}")
        elif isinstance(meta, annotated_types.Le):
            out.append(f"không lớn hơn {_number(meta.le)}")
        elif isinstance(meta, annotated_types.MinLen):
            unit = "ký tự" if is_text else "mục"
            out.append(f"ít nhất {meta.min_length} {unit}")
        elif getattr(meta, "pattern", None):
            out.append(PATTERN_TEXT.get(meta.pattern, f"theo mẫu `{meta.pattern}`"))
    return out


def _value(value: Any) -> str:
    """A default as the user would write it in YAML."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, BaseModel):
        fields = value.model_dump(exclude_defaults=True)
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in fields.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return ""
    value = info.get_default(call_default_factory=True, validated_data={})
    if value is None or value is PydanticUndefined:
        return ""
    if isinstance(value, (list, dict)) and not value:
        return "trống"
    if isinstance(value, BaseModel):
        return "như các giá trị mặc định dưới đây"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(f"«{v}»" for v in value)
    return f"`{_value(value)}`"


def description(info: FieldInfo) -> str:
    """The field's meaning in Vietnamese: its title, then its description when there is one."""
    parts = [p.strip() for p in (info.title, info.description) if p and p.strip()]
    text = ": ".join(parts)
    return text[:1].upper() + text[1:]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel], path: str) -> tuple[list[str], list[tuple[str, str, type[BaseModel]]]]:
    """The field table of `model` and the nested models (path, title, model) to describe after it."""
    lines = [
        "| trường | ý nghĩa | giá trị | bắt buộc | mặc định |",
        "|---|---|---|---|---|",
    ]
    nested = []
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        shape = _shape(info.annotation)
        bare, _ = _unwrap(info.annotation)
        value = "; ".join([shape.text, *_constraints(info, bare is str)])
        required = "có" if info.is_required() else "không"
        row = [f"`{name}`", description(info), value, required, _default(info)]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        if shape.model is not None:
            nested.append((f"{path}.{name}{shape.path_suffix}", info.title or name, shape.model))
    return lines, nested


def section_models() -> list[tuple[str, FieldInfo]]:
    """The top-level sections in file order, each with its field in the Campaign model."""
    return [(name, Campaign.model_fields[name]) for name in SECTION_MODELS]


def campaign_reference() -> str:
    """The whole reference page, in Markdown."""
    out = [HEADER]
    out.append("## Các mục\n")
    out.append("| mục | nội dung | bắt buộc |")
    out.append("|---|---|---|")
    for name, info in section_models():
        required = "có" if name in REQUIRED_SECTIONS else "không"
        out.append(f"| `{name}` | {_cell(description(info))} | {required} |")
    out.append("")
    seen: dict[type[BaseModel], str] = {}
    for name, info in section_models():
        required = "Bắt buộc." if name in REQUIRED_SECTIONS else "Không bắt buộc."
        shape = _shape(SECTION_MODELS[name])
        out.append(f"## `{name}`: {info.title}\n")
        intro = [required]
        if info.description:
            intro.append(_sentence(info.description))
        out.append(" ".join(intro) + " " + _sentence(shape.text) + "\n")
        if shape.model is not None:
            _describe(out, shape.model, name + shape.path_suffix, seen, level=3)
    return "\n".join(out).rstrip("\n") + "\n"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _describe(
    out: list[str], model: type[BaseModel], path: str, seen: dict[type[BaseModel], str], level: int
) -> None:
    seen[model] = path
    lines, nested = _table(model, path)
    out.extend(lines)
    out.append("")
    for sub_path, title, sub in nested:
        out.append(f"{'#' * min(level, 6)} `{sub_path}`: {title}\n")
        if sub in seen:
            out.append(f"Các trường như ở `{seen[sub]}`.\n")
            continue
        _describe(out, sub, sub_path, seen, level + 1)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = campaign_reference()
    if not args:
        sys.stdout.write(text)
        return 0
    target = Path(args[0])
    atomic_write_text(target, text, force=True)
    print(f"Đã ghi {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
