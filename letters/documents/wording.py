"""Document wording: default paragraphs per document, replaced section by section by the user's own.

A wording file is a sequence of sections, each opened by a line `@@ key`. A section is Jinja
text over the campaign views (letters.views) that renders to markup (letters.markup). A
campaign replaces a section by naming its key under `documents.<kind>.wording`; its text may use
the same variables, so a user's own sentence still states computed dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from letters.campaign.views import join_vi, lower_first, upper_first
from letters.core import vn as cal
from letters.core.errors import VanbanError
from letters.core.yamlsrc import field_path, load_yaml
from letters.documents import jinja_messages, markup

WORDING_DIR = Path(__file__).resolve().parent / "wording"
_SECTION = re.compile(r"^@@\s*([a-z0-9_]+)\s*$", re.MULTILINE)


class WordingError(VanbanError, ValueError):
    def __init__(self, key: str, message: str, *, override: bool) -> None:
        where = "lời văn riêng" if override else "lời văn mặc định"
        super().__init__(f"đoạn «{key}» ({where}): {message}")
        self.key = key
        self.override = override


@dataclass(frozen=True)
class Section:
    key: str
    text: str


def _finalize(value: Any) -> Any:
    if isinstance(value, str):
        return markup.escape(value)
    if value is None:
        return ""
    return value


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    # Sandboxed: wording comes from campaign files that staff pass around by e-mail.
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        keep_trailing_newline=True,
    )
    env.filters["lower_first"] = lower_first
    env.filters["join_vi"] = join_vi
    env.filters["upper_first"] = upper_first
    env.filters["date"] = cal.short
    env.filters["in_words"] = cal.in_words
    return env


def load_sections(text: str) -> list[Section]:
    parts = _SECTION.split(text)
    if parts[0].strip():
        raise ValueError("tệp lời văn phải bắt đầu bằng một dòng «@@ tên_đoạn»")
    return [Section(parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2)]


@lru_cache(maxsize=16)
def default_sections(doc_kind: str) -> tuple[Section, ...]:
    return tuple(load_sections((WORDING_DIR / f"{doc_kind}.md").read_text(encoding="utf-8")))


def section_keys(doc_kind: str) -> list[str]:
    return [s.key for s in default_sections(doc_kind)]


@lru_cache(maxsize=256)
def _compiled(text: str) -> jinja2.Template:
    # Compiling is most of the cost of a section; a mail merge renders the same sections hundreds of times.
    return environment().from_string(text)


def _render(key: str, text: str, context: dict[str, Any], override: bool) -> list[markup.Block]:
    try:
        rendered = _compiled(text).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise WordingError(
            key, f"cú pháp sai ở dòng {exc.lineno}: {jinja_messages.syntax_text(exc)}", override=override
        ) from None
    except jinja2.UndefinedError as exc:
        raise WordingError(key, f"dùng biến không có: {_undefined_name(exc)}", override=override) from None
    except jinja2.exceptions.SecurityError:
        raise WordingError(key, "biểu thức truy cập thứ không được phép dùng", override=override) from None
    except ZeroDivisionError:
        raise WordingError(key, "không tính được biểu thức: chia cho 0", override=override) from None
    except (TypeError, ValueError, AttributeError, ArithmeticError, jinja2.TemplateError):
        # Python's own text ("unsupported operand type(s)…") is English and names Python types.
        raise WordingError(
            key,
            "không tính được biểu thức (giá trị sai kiểu, ví dụ cộng chữ với số, hoặc gọi thứ không phải hàm)",
            override=override,
        ) from None
    try:
        return markup.parse(rendered)
    except markup.MarkupError as exc:
        raise WordingError(key, str(exc), override=override) from None


def _undefined_name(exc: jinja2.UndefinedError) -> str:
    msg = str(exc.message or exc)
    m = re.search(r"'([^']+)' is undefined", msg)
    if m:
        return f"«{m.group(1)}»"
    m = re.search(r"has no attribute '([^']+)'", msg)
    if m:
        return f"«{m.group(1)}» (thuộc tính hoặc mã chưa khai báo)"
    return msg


def located(exc: WordingError, source: Path | None, doc_kind: str) -> WordingError:
    """Point a wording error at the campaign file: the override's own line, else the document's section.

    For errors only rendering reveals (a notice rendered in a worker process, long after `check`).
    """
    loc: tuple[str, ...] = (
        ("documents", doc_kind, "wording", exc.key) if exc.override else ("documents", doc_kind)
    )
    line = None
    if source is not None:
        try:
            line = load_yaml(source).line_of(loc)
        except (VanbanError, OSError):
            pass  # the file changed or went away since it was loaded: name the field without a line
    exc.located(file=source, line=line, field=field_path(loc))
    return exc


def compose(doc_kind: str, overrides: dict[str, str | None], context: dict[str, Any]) -> list[markup.Block]:
    """The document body: default sections in order, each replaced by the user's text if given."""
    keys = section_keys(doc_kind)
    unknown = [k for k in overrides if k not in keys]
    if unknown:
        raise WordingError(
            unknown[0],
            f"không có đoạn này trong văn bản; các đoạn có thể thay: {', '.join(keys)}",
            override=True,
        )
    blocks: list[markup.Block] = []
    for section in default_sections(doc_kind):
        if section.key in overrides:
            text = overrides[section.key]
            if text:
                blocks.extend(_render(section.key, text, context, override=True))
        else:
            blocks.extend(_render(section.key, section.text, context, override=False))
    return blocks
