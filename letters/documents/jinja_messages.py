"""Jinja's error messages (English) retold in Vietnamese, for wording sections and DOCX templates.

Users write Jinja in campaign files and templates; the parser's own words ("expected token 'end of print
statement', got 'x'") mean nothing to them. The common messages are recognised and retold with the
marks the user actually typed; anything else becomes a general sentence, never the English text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import jinja2

# The names Jinja gives its tokens, as the marks a user types.
_TOKENS: dict[str, str] = {
    "end of print statement": "}}",
    "begin of print statement": "{{",
    "end of statement block": "%}",
    "begin of statement block": "{%",
    "end of template": "cuối lời văn",
    "name": "tên biến",
    "integer": "số",
    "string": "chuỗi",
}


def _token(text: str) -> str:
    return _TOKENS.get(text, text)


def _mark(text: str) -> str:
    token = _token(text)
    return token if token in ("cuối lời văn", "tên biến", "số", "chuỗi") else f"«{token}»"


_KNOWN_TAGS = "if, elif, else, endif, for, endfor, set"


def _closing(m: re.Match[str]) -> str:
    tags = re.findall(r"'(\w+)'", m.group(1))
    wanted = next((t for t in tags if t.startswith("end")), tags[0] if tags else "end")
    return f"thiếu «{{% {wanted} %}}» để đóng «{{% {m.group(2)} %}}»"


def _unknown_tag(m: re.Match[str]) -> str:
    tag = m.group(1)
    if tag.startswith("end") or tag in ("elif", "else"):
        return f"thẻ «{{% {tag} %}}» không có thẻ mở tương ứng"
    return f"thẻ «{{% {tag} %}}» không có (dùng được: {_KNOWN_TAGS})"


_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(
            r"looking for (?:the following tags: )?(.*?)\. The innermost block that needs to be closed is '(\w+)'",
            re.S,
        ),
        _closing,
    ),
    (re.compile(r"^Encountered unknown tag '(\w+)'"), _unknown_tag),
    (re.compile(r"^No filter named '([^']+)'"), lambda m: f"bộ lọc «{m.group(1)}» không có"),
    (re.compile(r"^No test named '([^']+)'"), lambda m: f"phép thử «{m.group(1)}» không có"),
    (
        re.compile(r"^unexpected end of template, expected '([^']+)'"),
        lambda m: f"lời văn kết thúc khi thẻ chưa đóng: thiếu {_mark(m.group(1))}",
    ),
    (re.compile(r"^unexpected end of template"), lambda m: "lời văn kết thúc khi thẻ chưa đóng"),
    (
        re.compile(r"^expected token '([^']+)', got '([^']+)'"),
        lambda m: f"cần {_mark(m.group(1))} nhưng gặp {_mark(m.group(2))}",
    ),
    (
        re.compile(r"^Expected an expression, got '([^']+)'"),
        lambda m: f"thiếu biểu thức trước {_mark(m.group(1))}",
    ),
    (
        re.compile(r"^unexpected char (['\"])(.+)\1 at \d+"),
        lambda m: (
            f"ký tự «{m.group(2)}» không dùng được ở đây (chuỗi chưa đóng?)"
            if m.group(2) in "'\""
            else f"ký tự «{m.group(2)}» không dùng được ở đây"
        ),
    ),
    (
        re.compile(r"^unexpected '([^']+)', expected '([^']+)'"),
        lambda m: f"{_mark(m.group(1))} không đúng chỗ, cần {_mark(m.group(2))}",
    ),
    (re.compile(r"^unexpected '([^']+)'"), lambda m: f"{_mark(m.group(1))} không đúng chỗ"),
    (re.compile(r"^tag name expected"), lambda m: "thiếu tên thẻ sau «{%»"),
    (re.compile(r"^Missing end of comment tag"), lambda m: "chú thích «{#» chưa được đóng bằng «#}»"),
    (re.compile(r"^unexpected end of (?:comment|string)"), lambda m: "chú thích hoặc chuỗi chưa được đóng"),
]


def syntax_text(exc: jinja2.TemplateSyntaxError) -> str:
    """What is wrong with the Jinja text, in Vietnamese (without the line: callers place it)."""
    message = str(exc.message or "")
    for pattern, retell in _PATTERNS:
        m = pattern.search(message)
        if m:
            return retell(m)
    return "thẻ hoặc biểu thức viết sai"


def undefined_text(exc: jinja2.UndefinedError) -> str:
    """The name that does not exist, in Vietnamese."""
    message = str(exc.message or "")
    m = re.search(r"'([^']+)' is undefined", message)
    if m:
        return f"dùng biến không có: «{m.group(1)}»"
    m = re.search(r"has no attribute '([^']+)'", message)
    if m:
        return f"dùng biến không có: «{m.group(1)}» (thuộc tính hoặc mã chưa khai báo)"
    return "dùng biến không có"
