"""The clause library as a page for users (docs/clauses.md): every section of every document, its variants, and
when each is chosen. Generated from the wording files; tests/test_clauses.py checks the page is current.

Regenerate with `make docs` (python -m letters.documents.clauses docs/clauses.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from letters.core.files import atomic_write_text
from letters.documents import wording

DOCUMENTS = (
    ("ke_hoach", "Kế hoạch"),
    ("cong_van", "Công văn hướng dẫn"),
    ("to_trinh", "Tờ trình"),
    ("quyet_dinh", "Quyết định công bố kết quả"),
    ("thong_bao", "Thông báo kết quả"),
)

HEADER = """\
# Các đoạn và mẫu câu của văn bản

<!-- Tạo tự động từ letters/documents/wording/*.md bằng lệnh `make docs`. Đừng sửa tay. -->

Mỗi văn bản gồm các đoạn theo thứ tự dưới đây. Một đoạn có một hoặc nhiều **mẫu câu** (cách viết thường gặp
trong văn bản thật); vanban chọn mẫu câu đầu tiên hợp với các thông tin của hồ sơ, đoạn không có mẫu câu nào
hợp thì không in. Trong tệp hồ sơ, mục `documents.<văn bản>.sections` chọn mẫu câu khác (`use`), bỏ đoạn
(`hide: true`), đặt đoạn ở chỗ khác (`after`, `before`), viết lời riêng (`text`) hoặc thêm đoạn mới; xem
README, mục «Các đoạn của văn bản». Đoạn ghi «thuộc» một đoạn khác đi theo đoạn đó: bỏ hoặc viết lại đoạn
đó là bỏ hoặc thay cả các đoạn thuộc nó.
"""


def clauses_page() -> str:
    out = [HEADER]
    for kind, label in DOCUMENTS:
        out.append(f"\n## {label} (`{kind}`)\n")
        out.append("| đoạn | nội dung | mẫu câu |")
        out.append("|---|---|---|")
        for section in wording.default_sections(kind):
            single = len(section.variants) == 1 and section.variants[0].name == wording.DEFAULT_VARIANT
            what = section.description or (section.variants[0].description if single else "")
            if section.group:
                what = f"{what} Thuộc `{section.group}`.".strip()
            if section.title:
                title = re.sub(r"\{\{\s*campaign\.index_name\s*\}\}", "<tên chỉ số>", section.title)
                what = f"{what} Đề mục khi công văn chia mục: «{title}».".strip()
            variants = (
                f"`{wording.DEFAULT_VARIANT}`"
                if single
                else "; ".join(
                    f"`{v.name}`" + (f": {v.description}" if v.description else "") for v in section.variants
                )
            )
            out.append(f"| `{section.key}` | {_cell(what)} | {_cell(variants)} |")
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path("docs/clauses.md")
    atomic_write_text(target, clauses_page(), force=True)
    print(f"Đã ghi {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
