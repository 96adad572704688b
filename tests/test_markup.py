import pytest

from letters.documents import markup


def test_blocks_and_inline_styles() -> None:
    blocks = markup.parse(
        "# I. MỤC ĐÍCH\n## 1. Mục đích:\n### a) Điểm\n- Một **đậm** và *nghiêng* và ***cả hai***[^1].\n+ Phụ\nThường \\*sao\\*\n"
    )
    assert [b.kind for b in blocks] == ["h1", "h2", "h3", "bullet", "sub", "para"]
    spans = blocks[3].spans
    assert [(s.text, s.bold, s.italic) for s in spans if s.text] == [
        ("- Một ", False, False),
        ("đậm", True, False),
        (" và ", False, False),
        ("nghiêng", False, True),
        (" và ", False, False),
        ("cả hai", True, True),
        (".", False, False),
    ]
    assert [s.footnote for s in spans if s.footnote] == ["1"]
    assert blocks[5].text == "Thường *sao*"


def test_tables() -> None:
    blocks = markup.parse("| STT | Đơn vị |\n|---|---|\n| 1 | Sở & Tư pháp |\nSau bảng")
    assert blocks[0].kind == "table" and blocks[0].rows == [["STT", "Đơn vị"], ["1", "Sở & Tư pháp"]]
    assert blocks[1].kind == "para"


def test_unclosed_emphasis_is_an_error() -> None:
    with pytest.raises(markup.MarkupError, match="chưa được đóng"):
        markup.parse("dòng một\nđây **đậm mà quên đóng")


def test_escape_round_trip() -> None:
    text = "Sở A*B [x] \\ y"
    assert markup.parse(markup.escape(text))[0].text == text
