"""Reading rendered DOCX back for tests: effective formatting and the body text."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from docx import Document
from docx.text.paragraph import Paragraph

from letters.documents import layout as L
from tests.conftest import SHARED, shared_path

SEEDS = SHARED / "seeds"
BODY_STYLES = {L.ST_BODY, L.ST_H1, L.ST_H2, L.ST_H3, L.ST_BASIS, L.ST_ANNEX_NOTE}


def effective(paragraph: Paragraph, attr: str, run_index: int = 0) -> object:
    """A run property as Word resolves it: run, then paragraph style chain."""
    runs = [r for r in paragraph.runs if r.text.strip()]
    if runs and run_index < len(runs):
        value = getattr(runs[run_index].font, attr)
        if value is not None:
            return value
    style = paragraph.style
    while style is not None:
        value = getattr(style.font, attr)
        if value is not None:
            return value
        style = style.base_style
    return None


def para_format(paragraph: Paragraph, attr: str) -> object:
    value = getattr(paragraph.paragraph_format, attr)
    style = paragraph.style
    while value is None and style is not None:
        value = getattr(style.paragraph_format, attr)
        style = style.base_style
    return value


def body_text(path: Path) -> str:
    doc = Document(str(path))
    return "\n".join(p.text for p in doc.paragraphs if p.style.name in BODY_STYLES and p.text.strip())


def seed_body(name: str) -> str:
    text = shared_path("seeds", name).read_text(encoding="utf-8")
    start = re.search(r"^Thực hiện (Quyết định|Nghị quyết|Kế hoạch|Chỉ thị|Công văn)", text, re.M).start()
    end = text.index("Nơi nhận")
    body = text[start:end]
    body = re.sub(r"^¹.*$", "", body, flags=re.M)  # the footnote's own text sits at the page foot
    return body


def normalise(text: str) -> str:
    text = re.sub(r"[*#<>\\_]|¹", "", text)
    text = text.replace("–", "-").replace("“", '"').replace("”", '"')
    text = re.sub(r"\(\s+", "(", text)
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise(a), normalise(b), autojunk=False).ratio()
