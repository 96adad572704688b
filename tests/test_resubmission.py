"""The công văn asking units to resubmit failed evidence: NĐ 30 format, one recipient per failing unit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from letters.cli.main import cli
from letters.documents.resubmission import LETTER_NAME
from letters.usecases.evidence import write_resubmission_letter
from signing.demo.pki import DemoPKI
from signing.demo.sample import build_sample_evidence, sample_policy_path
from signing.verify.api import verify_evidence
from tests.conftest import EXAMPLES
from tests.docx_read import body_text
from tests.nd30_assert import check_all
from tests.pki_fixtures import demo_pki, pki_server  # noqa: F401


def test_letter_lists_each_failing_unit_and_file(pki_server: DemoPKI, tmp_path: Path) -> None:  # noqa: F811
    evidence = build_sample_evidence(tmp_path / "minh-chung", pki_server)
    run = verify_evidence([evidence], policy=sample_policy_path(evidence), jobs=0)
    failing = sorted({r.unit for r in run.results if not r.accepted})
    assert failing
    letter = write_resubmission_letter(
        EXAMPLES / "bacgiang-2023.yaml", run.results, tmp_path, deadline=date(2023, 11, 10)
    )
    assert letter == tmp_path / LETTER_NAME
    doc = check_all(
        letter,
        parent="UBND TỈNH BẮC GIANG",
        issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        number_prefix="Số: /STTTT-CNTT",
        place_date="Bắc Giang, ngày      tháng      năm 2023",
        signer_lines=["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        signer_name="Nguyễn Gia Phong",
    )
    paras = [p.text for p in doc.paragraphs if p.text.strip()]
    recipients = paras[paras.index("Kính gửi:") + 1 : paras.index("Kính gửi:") + 1 + len(failing)]
    assert sorted(r[2:].rstrip(";.") for r in recipients) == failing
    text = body_text(letter)
    assert "Sở Thông tin và Truyền thông đã kiểm tra" in text
    # The deadline reads as every deadline does ("chậm nhất ngày": --deadline is the last day), said once.
    assert (
        "Đề nghị các cơ quan, đơn vị có tên tại Mục II rà soát, ký số lại và gửi lại các tệp nêu trên chậm nhất "
        "ngày 10/11/2023, bằng chữ ký số còn hiệu lực do tổ chức cung cấp dịch vụ chứng thực chữ ký số được "
        "công nhận cấp." in text.splitlines()
    )
    assert "trước trước" not in text and "trước ngày" not in text
    for r in run.results:
        if not r.accepted:
            assert Path(r.file).name in text


def test_cli_verify_writes_the_letter_with_campaign(pki_server: DemoPKI, tmp_path: Path) -> None:  # noqa: F811
    evidence = build_sample_evidence(tmp_path / "minh-chung", pki_server)
    out = tmp_path / "bao-cao"
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(evidence),
            "--out",
            str(out),
            "--policy",
            str(sample_policy_path(evidence)),
            "--jobs",
            "1",
            "--campaign",
            str(EXAMPLES / "bacgiang-2023.yaml"),
            "--deadline",
            "10/11/2023",
        ],
    )
    assert result.exit_code == 1, result.output  # some files fail, so the exit code says so
    assert (out / LETTER_NAME).is_file() and "Công văn đề nghị nộp lại" in result.output
    bad = CliRunner().invoke(
        cli, ["verify", str(evidence), "--out", str(tmp_path / "x"), "--deadline", "31/02/2023"]
    )
    assert bad.exit_code == 2 and "không tồn tại" in bad.output
