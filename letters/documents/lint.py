"""Template lint: find a malformed tag or an unknown variable before anything is rendered.

Users edit the templates in Word, which splits text into runs at will and autocorrects quotes;
a broken tag would otherwise surface as a cryptic failure or, worse, a silent blank.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import jinja2
from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate

from letters.core.errors import Diagnostic, Severity
from letters.documents import jinja_messages

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# docxtpl's paragraph/row/cell/run tags put the letter right after the brace: {%p …%}, {{r …}}.
_DOCXTPL_PREFIX = re.compile(r"^(\{[{%])(?:tr|tc|p|r)(?=\s)")
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _paragraph_texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) for every paragraph: body, table cells, headers and footers."""
    doc = Document(str(path))
    out: list[tuple[str, str]] = []
    for i, p in enumerate(doc.paragraphs, 1):
        out.append((f"đoạn {i}", p.text))
    for ti, table in enumerate(doc.tables, 1):
        for ri, row in enumerate(table.rows, 1):
            for ci, cell in enumerate(row.cells, 1):
                for p in cell.paragraphs:
                    out.append((f"bảng {ti}, dòng {ri}, ô {ci}", p.text))
    for si, section in enumerate(doc.sections, 1):
        for name, part in (
            ("đầu trang", section.header),
            ("đầu trang trang 1", section.first_page_header),
            ("chân trang", section.footer),
        ):
            for p in part.paragraphs:
                out.append((f"{name} (mục {si})", p.text))
    return out


def _check_tag(tag: str, env: jinja2.Environment) -> str | None:
    if "“" in tag or "”" in tag or "‘" in tag or "’" in tag:
        return 'có dấu ngoặc kép kiểu chữ (“ ”) do Word tự sửa; hãy dùng dấu " thẳng'
    body = _DOCXTPL_PREFIX.sub(lambda m: m.group(1), tag)
    if body.startswith("{%"):
        inner = body[2:-2].strip()
        if not inner:
            return "thẻ {% %} rỗng"
        keyword = inner.split()[0]
        probe = {
            "for": "{% X %}{% endfor %}",
            "if": "{% X %}{% endif %}",
            "elif": "{% if 1 %}{% X %}{% endif %}",
            "else": "{% if 1 %}{% X %}{% endif %}",
            "endfor": "{% for x in y %}{% X %}",
            "endif": "{% if 1 %}{% X %}",
            "set": "{% X %}",
        }.get(keyword)
        if probe is None:
            return f"lệnh «{keyword}» không được hỗ trợ trong mẫu"
        src = probe.replace("{% X %}", "{% " + inner + " %}")
    else:
        src = body
    try:
        env.parse(src)
    except jinja2.TemplateSyntaxError as exc:
        return f"sai cú pháp ({jinja_messages.syntax_text(exc)})"
    return None


def lint_template(path: Path, allowed: frozenset[str]) -> list[Diagnostic]:
    """Every malformed tag (with where it is) and every variable the renderer does not provide."""
    path = Path(path)
    file = str(path)
    if not path.is_file():
        return [Diagnostic(Severity.ERROR, "không tìm thấy tệp mẫu", file=file)]
    try:
        paragraphs = _paragraph_texts(path)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        return [Diagnostic(Severity.ERROR, "tệp mẫu không phải là tệp Word (.docx) hợp lệ", file=file)]
    env = jinja2.Environment()
    found: list[Diagnostic] = []
    for where, text in paragraphs:
        for tag in _TAG.findall(text):
            problem = _check_tag(tag, env)
            if problem:
                found.append(Diagnostic(Severity.ERROR, f"thẻ «{tag}» {problem}", file=file, field=where))
        stripped = _TAG.sub("", text)
        for opener, closer in (("{{", "}}"), ("{%", "%}")):
            if opener in stripped or closer in stripped:
                found.append(
                    Diagnostic(
                        Severity.ERROR,
                        f"thẻ chưa đóng hoặc thừa dấu trong «{text.strip()[:80]}»",
                        file=file,
                        field=where,
                    )
                )
                break
    if found:
        return found
    tpl = DocxTemplate(str(path))
    try:
        names = tpl.get_undeclared_template_variables(jinja2.Environment())
    except jinja2.TemplateSyntaxError as exc:
        return [Diagnostic(Severity.ERROR, f"cấu trúc thẻ sai: {jinja_messages.syntax_text(exc)}", file=file)]
    for name in sorted(names - allowed):
        found.append(
            Diagnostic(
                Severity.ERROR,
                f"mẫu dùng biến «{name}» không có; các biến hợp lệ: {', '.join(sorted(allowed))}",
                file=file,
            )
        )
    return found
