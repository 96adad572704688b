"""`vanban render`: escaping, no silent overwrite, atomic output, --kind, custom and broken templates."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from click.testing import CliRunner
from docx import Document
from lxml import etree

from letters.cli.main import cli
from letters.documents.template_factory import TEMPLATES_DIR


def _render(args: list[str]) -> object:
    return CliRunner().invoke(cli, ["render", *args])


def test_render_writes_both_documents_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _render(["examples/bacgiang-2023.yaml", "--out", str(out)])
    assert first.exit_code == 0, first.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["2023-cong-van-huong-dan-du-thao.docx", "2023-ke-hoach-du-thao.docx", "phu-luc"]
    annexes = sorted(p.name for p in (out / "phu-luc").iterdir())
    assert annexes == [
        "2023-bieu-so-01-so.docx",
        "2023-bieu-so-02-huyen.docx",
        "2023-phu-luc-i-so.docx",
        "2023-phu-luc-ii-huyen.docx",
        "bieu-so-01-so.xlsx",
        "bieu-so-02-huyen.xlsx",
    ]
    before = (out / files[1]).read_bytes()
    again = _render(["examples/bacgiang-2023.yaml", "--out", str(out)])
    assert again.exit_code == 1
    assert "không ghi đè" in again.output and "--force" in again.output
    assert (out / files[1]).read_bytes() == before
    forced = _render(["examples/bacgiang-2023.yaml", "--out", str(out), "--force"])
    assert forced.exit_code == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left behind


def test_kind_picks_documents(tmp_path: Path) -> None:
    result = _render(["examples/gialai-2023.yaml", "--out", str(tmp_path), "--kind", "cong-van"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["2023-cong-van-huong-dan-2138.docx"]


def test_ampersand_and_angle_brackets_do_not_corrupt_the_file(example_copy: Path, tmp_path: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- Sở Nông nghiệp và Phát triển nông thôn", "- Sở Nông nghiệp & PTNT")
    text = text.replace("name: Các sở, cơ quan thuộc UBND tỉnh", "name: Các sở, ban & <ngành>")
    text = text.replace("- Cục Thuế tỉnh\n", "- Cục Thuế tỉnh & Chi cục <Thuế>\n")
    text = text.replace("title: Phó trưởng phòng CNTT", "title: Phó trưởng phòng CNTT & CĐS")
    path.write_text(text, encoding="utf-8")
    result = _render([str(path), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for docx in tmp_path.glob("*.docx"):
        with zipfile.ZipFile(docx) as z:
            for name in z.namelist():
                if name.endswith(".xml"):
                    etree.fromstring(z.read(name))  # well-formed
        doc = Document(str(docx))
        all_text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for r in t.rows for c in r.cells
        )
        assert "&amp;" not in all_text
        if "ke-hoach" in docx.name:
            assert "Các sở, ban & <ngành>" in all_text
            assert "- Cục Thuế tỉnh & Chi cục <Thuế>;" in all_text
            assert "Phó trưởng phòng CNTT & CĐS" in all_text


def test_errors_stop_rendering_with_vietnamese_message(example_copy: Path, tmp_path: Path) -> None:
    path = example_copy / "bacgiang-2023.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("start: 10/10/2023", "start: 31/02/2023"), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = _render([str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "không tồn tại" in result.output and "Traceback" not in result.output
    assert not out.exists()
    verbose = CliRunner().invoke(cli, ["--verbose", "render", str(path), "--out", str(out)])
    assert verbose.exit_code == 1


def test_campaign_may_use_its_own_template(example_copy: Path, tmp_path: Path) -> None:
    own = example_copy / "mau-rieng.docx"
    shutil.copy(TEMPLATES_DIR / "cong_van.docx", own)
    doc = Document(str(own))
    doc.paragraphs[0].insert_paragraph_before("Mẫu riêng của Sở: {{ year }}")
    doc.save(str(own))
    path = example_copy / "gialai-2023.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '    number: "2138"', '    number: "2138"\n    template: mau-rieng.docx'
    )
    path.write_text(text, encoding="utf-8")
    result = _render([str(path), "--out", str(tmp_path), "--kind", "cong-van"])
    assert result.exit_code == 0, result.output
    rendered = Document(str(next(tmp_path.glob("*.docx"))))
    assert any(p.text == "Mẫu riêng của Sở: 2023" for p in rendered.paragraphs)


def test_check_lints_templates_by_name(example_copy: Path) -> None:
    own = example_copy / "mau-hong.docx"
    shutil.copy(TEMPLATES_DIR / "cong_van.docx", own)
    doc = Document(str(own))
    doc.paragraphs[0].insert_paragraph_before("Ngày nộp: {{ han_nop }}")
    doc.paragraphs[0].insert_paragraph_before("Số: {{ reference }")
    doc.paragraphs[0].insert_paragraph_before("Người ký: {{ “signer_name” }}")
    doc.save(str(own))
    path = example_copy / "gialai-2023.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '    number: "2138"', '    number: "2138"\n    template: mau-hong.docx'
    )
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "mau-hong.docx" in result.output
    assert "{{ reference }" in result.output and "chưa đóng" in result.output
    assert "ngoặc kép kiểu chữ" in result.output
    # Once the malformed tags are fixed, the unknown variable is named.
    doc = Document(str(own))
    for p in doc.paragraphs:
        if p.text in ("Số: {{ reference }", "Người ký: {{ “signer_name” }}"):
            p._p.getparent().remove(p._p)
    doc.save(str(own))
    again = CliRunner().invoke(cli, ["check", str(path)])
    assert again.exit_code == 1 and "«han_nop»" in again.output


def test_shipped_templates_lint_clean() -> None:
    from letters.documents.builders import TEMPLATE_VARIABLES
    from letters.documents.lint import lint_template

    for template in TEMPLATES_DIR.glob("*.docx"):
        assert lint_template(template, TEMPLATE_VARIABLES) == [], template


def test_demo_renders_every_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--no-pdf"])
    assert result.exit_code == 0, result.output
    for name in ("bacgiang-2023", "brvt-2024", "gialai-2023", "phutho-2026"):
        assert any((tmp_path / name).glob("*ke-hoach*.docx"))
        assert any((tmp_path / name).glob("*cong-van*.docx"))
        assert any((tmp_path / name / "phu-luc").glob("*.xlsx"))
    results = tmp_path / "ket-qua" / "bacgiang-2023"
    assert (results / "xep_hang.xlsx").is_file() and any(results.glob("*quyet-dinh*.docx"))
    # 29 units, but the Sở Thông tin và Truyền thông is the issuer: it sends itself no notice.
    assert len(list((results / "thong-bao").glob("*.docx"))) == 28
    assert str(tmp_path) in result.output
    again = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--no-pdf"])
    assert again.exit_code == 0, again.output  # the demo may replace its own outputs
