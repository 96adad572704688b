"""Issuance: the văn thư numbers, dates and seals a draft the director signed; the register of numbers."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel

from letters.cli.main import cli
from letters.core.errors import VanbanError
from letters.core.vn import VN_TZ, in_words, pad_month
from signing.demo.pki import DemoPKI
from signing.demo.token import TokenInfo
from signing.sign.appearance import specimen_seal_png, specimen_signature_png
from signing.sign.issue import IssueRequest, inspect_draft, issue_file, sign_and_issue
from signing.sign.register import NumberRegister, format_number
from signing.sign.signer import (
    Level,
    Pkcs11Key,
    Pkcs12Key,
    Role,
    SigningTools,
    SignRequest,
    open_signer,
    sign_pdf_bytes,
)
from signing.sign.stamp_fields import DAY_FIELD, MONTH_FIELD, NUMBER_FIELD, YEAR_FIELD, read_issue_fields
from signing.sign.stamp_layout import find_header_blanks
from tests.pki_fixtures import demo_pki, nss_db, pki_server, softhsm_token  # noqa: F401
from tests.test_sign_support import assert_all_valid, pyhanko_verdicts, sign_docs  # noqa: F401

# The drafts print "năm 2023": the director signs them in 2023, before the dates they are issued on.
SIGNED_ON = datetime(2023, 12, 5, 9, 30, tzinfo=VN_TZ)


def _director_signed(pki: DemoPKI, draft: Path, out: Path, at: datetime = SIGNED_ON) -> Path:
    with open_signer(Pkcs12Key(pki.director_p12, pki.password)) as signer:
        req = SignRequest(role=Role.SIGNER, image=specimen_signature_png(), signing_time=at)
        result = sign_pdf_bytes(draft.read_bytes(), SigningTools.for_request(signer, req), req)
    assert set(result.issue_fields_added) == {NUMBER_FIELD, DAY_FIELD, MONTH_FIELD}
    out.write_bytes(result.pdf)
    return out


@pytest.mark.soffice
@pytest.mark.hsm
def test_issue_keeps_director_signature_valid_and_fills_the_blanks(
    pki_server: DemoPKI,
    nss_db: Path,
    softhsm_token: TokenInfo,
    sign_docs: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOFTHSM2_CONF", softhsm_token.env["SOFTHSM2_CONF"])
    draft = sign_docs["draft"]
    blanks = find_header_blanks(draft.read_bytes())
    # The director signs on the token (B-T); the văn thư issues with the agency's PKCS#12 key (B-LT).
    director = Pkcs11Key(
        softhsm_token.module_path, softhsm_token.token_label, softhsm_token.key_label, softhsm_token.pin
    )
    with open_signer(director) as signer:
        req = SignRequest(
            role=Role.SIGNER,
            level=Level.B_T,
            tsa_url=pki_server.tsa_url,
            image=specimen_signature_png(),
            signing_time=SIGNED_ON,
        )
        signed = sign_pdf_bytes(draft.read_bytes(), SigningTools.for_request(signer, req), req)
    signed_path = tmp_path / "ky-duyet.pdf"
    signed_path.write_bytes(signed.pdf)
    seal = tmp_path / "seal.png"
    seal.write_bytes(specimen_seal_png())
    register = tmp_path / "so.sqlite"
    out = tmp_path / "ban-hanh.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "issue",
            str(signed_path),
            str(out),
            "--type",
            "KH",
            "--agency",
            "STTTT",
            "--register",
            str(register),
            "--date",
            "06/12/2023",
            "--p12",
            str(pki_server.agency_p12),
            "--seal",
            str(seal),
            "--level",
            "B-LT",
            "--tsa",
            pki_server.tsa_url,
            "--trust",
            str(pki_server.root_path),
        ],
        env={"VANBAN_P12_PASSWORD": pki_server.password},
    )
    assert result.exit_code == 0, result.output
    assert "01/KH-STTTT" in result.output and "ngày 06 tháng 12 năm 2023" in result.output

    verdicts = assert_all_valid(out, pki_server, nss_db, expected=2)
    director_verdict, agency_verdict = verdicts
    assert director_verdict.field == "ChuKyNguoiKy" and agency_verdict.field == "ChuKyCoQuan"
    assert director_verdict.modification_level is not None
    assert director_verdict.modification_level <= ModificationLevel.FORM_FILLING
    assert "01/KH-STTTT" in (agency_verdict.reason or "")

    # The filled values sit exactly where the blanks were on the page.
    reader = PdfFileReader(io.BytesIO(out.read_bytes()))
    fields = read_issue_fields(reader)
    assert {k: f.value for k, f in fields.items()} == {NUMBER_FIELD: "01", DAY_FIELD: "06", MONTH_FIELD: "12"}
    for name, blank in ((NUMBER_FIELD, blanks.number), (DAY_FIELD, blanks.day), (MONTH_FIELD, blanks.month)):
        assert blank is not None
        box = fields[name].box
        assert abs(box.x0 - blank.box.x0) < 0.01 and abs(box.x1 - blank.box.x1) < 0.01
        assert box.y0 < blank.baseline < box.y1
        assert fields[name].italic == (name != NUMBER_FIELD)  # the date line is italic, "Số:" is not
    # Issuing the same document again is refused and leaves no file; the number is not consumed.
    again = tmp_path / "lan-hai.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "issue",
            str(out),
            str(again),
            "--type",
            "KH",
            "--agency",
            "STTTT",
            "--register",
            str(register),
            "--p12",
            str(pki_server.agency_p12),
        ],
        env={"VANBAN_P12_PASSWORD": pki_server.password},
    )
    assert result.exit_code == 1 and "đã được cấp số «01»" in result.output
    assert not again.exists()
    assert [e.number for e in NumberRegister(register).entries()] == [1]
    # The signed draft itself, issued a second time: refused, naming the number and date it already has.
    result = CliRunner().invoke(
        cli,
        [
            "issue",
            str(signed_path),
            str(again),
            "--type",
            "KH",
            "--agency",
            "STTTT",
            "--register",
            str(register),
            "--date",
            "07/12/2023",
            "--p12",
            str(pki_server.agency_p12),
        ],
        env={"VANBAN_P12_PASSWORD": pki_server.password},
    )
    assert result.exit_code == 1, result.output
    assert "đã được ban hành: số 01/KH-STTTT, ngày 06/12/2023" in result.output
    assert str(out) in result.output and not again.exists()
    assert [e.number for e in NumberRegister(register).entries()] == [1]


@pytest.mark.soffice
def test_failed_issuance_leaves_no_file_and_no_gap(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    signed = _director_signed(demo_pki, sign_docs["draft"], tmp_path / "signed.pdf")
    register = NumberRegister(tmp_path / "so.sqlite")
    req = IssueRequest(doc_type="KH", agency="STTTT", issue_date=date(2023, 12, 6), seal=specimen_seal_png())
    # An expired agency certificate: a Vietnamese message, nothing written, number 01 still free.
    with pytest.raises(VanbanError, match="đã hết hạn"):
        issue_file(
            signed, tmp_path / "a.pdf", Pkcs12Key(demo_pki.expired_p12, demo_pki.password), register, req
        )
    assert not (tmp_path / "a.pdf").exists()
    # A date outside the year printed on the draft is refused too.
    with pytest.raises(VanbanError, match="không thuộc năm 2023"):
        issue_file(
            signed,
            tmp_path / "a.pdf",
            Pkcs12Key(demo_pki.agency_p12, demo_pki.password),
            register,
            IssueRequest(doc_type="KH", agency="STTTT", issue_date=date(2024, 1, 5)),
        )
    assert not (tmp_path / "a.pdf").exists()
    result = issue_file(
        signed, tmp_path / "a.pdf", Pkcs12Key(demo_pki.agency_p12, demo_pki.password), register, req
    )
    assert result.reference == "01/KH-STTTT"
    # Page content changed after the director signed: issuance stops instead of breaking the signature.
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    # (A draft signed anew: the one above is issued, and the register would refuse it for that first.)
    fresh = _director_signed(
        demo_pki, sign_docs["draft"], tmp_path / "signed-2.pdf", SIGNED_ON.replace(hour=10)
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(fresh.read_bytes()))
    writer.add_stream_to_page(
        0, writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 100 50 50 re f"))
    )
    tampered = tmp_path / "tampered.pdf"
    with tampered.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(VanbanError, match="bị coi là đã bị sửa đổi"):
        issue_file(
            tampered, tmp_path / "b.pdf", Pkcs12Key(demo_pki.agency_p12, demo_pki.password), register, req
        )
    assert not (tmp_path / "b.pdf").exists()
    assert [e.number for e in register.entries()] == [1]
    # An unsigned draft cannot be issued.
    with pytest.raises(VanbanError, match="chưa có chữ ký số"):
        inspect_draft(sign_docs["draft"].read_bytes(), "draft.pdf", "KH", "STTTT")
    # A document printed with its number already has no blank to fill.
    assert find_header_blanks(sign_docs["numbered"].read_bytes()).number is None


def test_register_numbers_are_consecutive_per_series_and_restart_each_year(tmp_path: Path) -> None:
    reg = NumberRegister(tmp_path / "so.sqlite")
    got = [reg.allocate("STTTT", "KH", date(2023, 12, d), f"kh-{d}").reference for d in (1, 2, 3)]
    assert got == ["01/KH-STTTT", "02/KH-STTTT", "03/KH-STTTT"]
    assert reg.allocate("STTTT", "QĐ", date(2023, 12, 4), "qd").reference == "01/QĐ-STTTT"  # own series
    assert reg.allocate("UBND", "KH", date(2023, 12, 4), "ubnd").number == 1  # other agency
    assert reg.allocate("STTTT", "KH", date(2024, 1, 1), "kh-2024").reference == "01/KH-STTTT"  # 1 January
    assert reg.allocate("STTTT", "KH", date(2023, 12, 31), "late").number == 4
    # A failed issuance inside the reservation does not consume the number.
    with pytest.raises(RuntimeError), reg.reserve("STTTT", "KH", 2023) as slot:
        assert slot.number == 5
        raise RuntimeError("ký thất bại")
    assert reg.allocate("STTTT", "KH", date(2023, 12, 31), "next").number == 5
    # Numbers are never reused: the primary key refuses a duplicate even if someone tries.
    conn = sqlite3.connect(tmp_path / "so.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO issued (agency, year, doc_type, number, reference, issued_on, document, recorded_at) "
            "VALUES ('STTTT', 2023, 'KH', 2, 'x', '2023-12-31', 'x', 'x')"
        )
    conn.close()
    assert [e.number for e in reg.entries("STTTT", 2023, "KH")] == [1, 2, 3, 4, 5]
    with pytest.raises(VanbanError, match="không hợp lệ"):
        reg.allocate("S T", "KH", date(2023, 1, 1), "x")


def test_nd30_number_and_date_forms() -> None:
    assert [format_number(n) for n in (1, 9, 10, 83, 2138)] == ["01", "09", "10", "83", "2138"]
    assert [pad_month(m) for m in (1, 2, 3, 12)] == ["01", "02", "3", "12"]
    assert in_words(date(2023, 12, 6)) == "ngày 06 tháng 12 năm 2023"
    assert in_words(date(2024, 1, 5)) == "ngày 05 tháng 01 năm 2024"
    assert in_words(date(2019, 6, 29)) == "ngày 29 tháng 6 năm 2019"


_WORKER = """
import sys
from datetime import date
from pathlib import Path
from signing.sign.register import NumberRegister
reg = NumberRegister(Path(sys.argv[1]))
print(" ".join(str(reg.allocate("STTTT", "KH", date(2023, 12, 6), "song-song").number) for _ in range(15)))
"""


def test_concurrent_issuers_never_get_the_same_number(tmp_path: Path) -> None:
    path = str(tmp_path / "so.sqlite")
    root = Path(__file__).resolve().parents[1]
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, path], cwd=root, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    numbers = sorted(int(n) for out in outputs for n in out.split())
    assert numbers == list(range(1, 61))


@pytest.mark.soffice
def test_demo_entry_point_signs_issues_and_signs_attachments(
    pki_server: DemoPKI,
    nss_db: Path,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    key = Pkcs12Key
    issued = sign_and_issue(
        sign_docs["draft"],
        tmp_path / "out",
        director=key(pki_server.director_p12, pki_server.password),
        agency=key(pki_server.agency_p12, pki_server.password),
        register_path=tmp_path / "out" / "so.sqlite",
        doc_type="KH",
        agency_code="STTTT",
        issue_date=date(2023, 12, 6),
        attachments=[sign_docs["phu-luc"]],
        level=Level.B_T,
        tsa_url=pki_server.tsa_url,
        director_signing_time=SIGNED_ON,
    )
    assert issued.reference == "01/KH-STTTT" and issued.date_text == "ngày 06 tháng 12 năm 2023"
    assert issued.signing_time_iso.endswith("+07:00")
    assert_all_valid(issued.signed_draft, pki_server, nss_db, expected=1)
    verdicts = assert_all_valid(issued.issued, pki_server, nss_db, expected=2)
    assert verdicts[0].modification_level <= ModificationLevel.FORM_FILLING
    (attachment,) = issued.attachments
    (att,) = assert_all_valid(attachment, pki_server, nss_db, expected=1)
    assert "01/KH-STTTT" in (att.reason or "")
    # Re-running into the same folder refuses to overwrite anything.
    with pytest.raises(VanbanError, match="đã tồn tại"):
        sign_and_issue(
            sign_docs["draft"],
            tmp_path / "out",
            director=key(pki_server.director_p12, "x"),
            agency=key(pki_server.agency_p12, "x"),
            register_path=tmp_path / "out" / "so.sqlite",
            doc_type="KH",
            agency_code="STTTT",
        )
    assert len(pyhanko_verdicts(issued.issued, pki_server)) == 2


@pytest.mark.soffice
def test_cli_issue_uses_register_next_to_output_and_specimens_command(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["specimens", str(tmp_path / "anh")])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "anh").iterdir()} == {"chu-ky-mau.png", "con-dau-mau.png"}
    signed = _director_signed(demo_pki, sign_docs["draft"], tmp_path / "signed.pdf")
    # The same draft signed again (another signature, another signed draft) is another document.
    other = _director_signed(
        demo_pki, sign_docs["draft"], tmp_path / "signed-2.pdf", SIGNED_ON.replace(minute=45)
    )
    env = {"VANBAN_P12_PASSWORD": demo_pki.password}
    out_dir = tmp_path / "ban-hanh"
    for draft, name, expected in ((signed, "a.pdf", "01/KH-STTTT"), (other, "b.pdf", "02/KH-STTTT")):
        result = runner.invoke(
            cli,
            [
                "issue",
                str(draft),
                str(out_dir / name),
                "--type",
                "KH",
                "--agency",
                "STTTT",
                "--date",
                "06/12/2023",
                "--p12",
                str(demo_pki.agency_p12),
                "--seal",
                str(tmp_path / "anh" / "con-dau-mau.png"),
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
        assert expected in result.output
    assert (out_dir / "so-dang-ky-van-ban.sqlite").is_file()
    result = runner.invoke(
        cli,
        [
            "issue",
            str(signed),
            str(out_dir / "c.pdf"),
            "--type",
            "KH",
            "--agency",
            "STTTT",
            "--date",
            "31/02/2023",
            "--p12",
            str(demo_pki.agency_p12),
        ],
        env=env,
    )
    assert result.exit_code == 1 and "không đúng dạng" in result.output
    # A draft signed without vanban (no number field) gets a clear explanation.
    result = runner.invoke(
        cli,
        [
            "issue",
            str(sign_docs["draft"]),
            str(out_dir / "d.pdf"),
            "--type",
            "KH",
            "--agency",
            "STTTT",
            "--p12",
            str(demo_pki.agency_p12),
        ],
        env=env,
    )
    assert result.exit_code == 1 and "chưa có chữ ký số" in result.output
    written = sorted(p.name for p in out_dir.iterdir() if not p.name.endswith(("-wal", "-shm")))  # SQLite WAL
    assert written == ["a.pdf", "b.pdf", "so-dang-ky-van-ban.sqlite"]


@pytest.mark.soffice
def test_january_issue_fills_a_blank_year_with_leading_zeros(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    draft = sign_docs["no-year"]
    blanks = find_header_blanks(draft.read_bytes())
    assert blanks.year is not None and blanks.printed_year is None
    with open_signer(Pkcs12Key(demo_pki.director_p12, demo_pki.password)) as signer:
        req = SignRequest(role=Role.SIGNER, image=specimen_signature_png(), signing_time=SIGNED_ON)
        signed = sign_pdf_bytes(draft.read_bytes(), SigningTools.for_request(signer, req), req)
    assert YEAR_FIELD in signed.issue_fields_added
    (tmp_path / "signed.pdf").write_bytes(signed.pdf)
    result = issue_file(
        tmp_path / "signed.pdf",
        tmp_path / "out.pdf",
        Pkcs12Key(demo_pki.agency_p12, demo_pki.password),
        NumberRegister(tmp_path / "so.sqlite"),
        IssueRequest(doc_type="KH", agency="STTTT", issue_date=date(2024, 1, 5), seal=specimen_seal_png()),
    )
    assert result.date_text == "ngày 05 tháng 01 năm 2024"
    assert {k: f.value for k, f in result.filled.items()} == {
        NUMBER_FIELD: "01",
        DAY_FIELD: "05",
        MONTH_FIELD: "01",
        YEAR_FIELD: "2024",
    }
    verdicts = pyhanko_verdicts(tmp_path / "out.pdf", demo_pki)
    assert verdicts[0].bottom_line and verdicts[0].modification_level <= ModificationLevel.FORM_FILLING


def _issue_args(demo_pki: DemoPKI, *paths: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        "issue",
        *map(str, paths),
        "--type",
        "KH",
        "--agency",
        "STTTT",
        "--p12",
        str(demo_pki.agency_p12),
        *extra,
    ]


@pytest.mark.soffice
def test_a_signed_draft_is_issued_once_and_never_before_it_was_signed(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    runner = CliRunner()
    env = {"VANBAN_P12_PASSWORD": demo_pki.password}
    signed = _director_signed(demo_pki, sign_docs["draft"], tmp_path / "ky-duyet.pdf")
    register = tmp_path / "so.sqlite"
    reg = ("--register", str(register))
    # Before the director signed (05/12/2023): refused with both dates, nothing written, no number taken.
    early = runner.invoke(
        cli, _issue_args(demo_pki, signed, tmp_path / "a.pdf", extra=(*reg, "--date", "04/12/2023")), env=env
    )
    assert early.exit_code == 1, early.output
    assert "Ngày ban hành 04/12/2023 sớm hơn ngày người có thẩm quyền ký" in early.output
    assert "09:30 ngày 05/12/2023" in early.output and "--date" in early.output
    assert not (tmp_path / "a.pdf").exists()
    # On the day of the signature: issued.
    first = runner.invoke(
        cli, _issue_args(demo_pki, signed, tmp_path / "a.pdf", extra=(*reg, "--date", "05/12/2023")), env=env
    )
    assert first.exit_code == 0, first.output
    assert "01/KH-STTTT" in first.output
    # The same signed draft again, even copied under another name: refused, naming the number, date and file.
    copy = tmp_path / "ban-sao" / "ke-hoach.pdf"
    copy.parent.mkdir()
    copy.write_bytes(signed.read_bytes())
    for source in (signed, copy):
        again = runner.invoke(
            cli,
            _issue_args(demo_pki, source, tmp_path / "b.pdf", extra=(*reg, "--date", "06/12/2023")),
            env=env,
        )
        assert again.exit_code == 1, again.output
        assert f"đã được ban hành: số 01/KH-STTTT, ngày 05/12/2023 (tệp {tmp_path / 'a.pdf'})" in again.output
        assert "Lỗi không mong đợi" not in again.output
    assert not (tmp_path / "b.pdf").exists()
    entries = NumberRegister(register).entries()
    assert [e.number for e in entries] == [1] and entries[0].draft


@pytest.mark.soffice
def test_many_drafts_take_consecutive_numbers_all_or_none(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    runner = CliRunner()
    env = {"VANBAN_P12_PASSWORD": demo_pki.password}
    drafts = tmp_path / "da-ky"
    drafts.mkdir()
    for n in range(3):
        _director_signed(demo_pki, sign_docs["draft"], drafts / f"tb-{n}.pdf", SIGNED_ON.replace(minute=n))
    out = tmp_path / "ban-hanh"
    result = runner.invoke(
        cli, _issue_args(demo_pki, drafts, extra=("--out", str(out), "--date", "06/12/2023")), env=env
    )
    assert result.exit_code == 0, result.output
    for n, name in enumerate(("tb-0.pdf", "tb-1.pdf", "tb-2.pdf"), 1):
        assert f"{out / name} (số {n:02d}/KH-STTTT)" in result.output
    register = NumberRegister(out / "so-dang-ky-van-ban.sqlite")
    assert [e.number for e in register.entries()] == [1, 2, 3]
    verdicts = pyhanko_verdicts(out / "tb-2.pdf", demo_pki)
    assert [v.field for v in verdicts] == ["ChuKyNguoiKy", "ChuKyCoQuan"] and all(
        v.bottom_line for v in verdicts
    )
    # A batch holding one draft already issued: refused as a whole, no file, no number.
    fresh = _director_signed(demo_pki, sign_docs["draft"], tmp_path / "moi.pdf", SIGNED_ON.replace(minute=30))
    again = tmp_path / "lan-hai"
    result = runner.invoke(
        cli,
        _issue_args(
            demo_pki,
            fresh,
            drafts / "tb-1.pdf",
            extra=("--out", str(again), "--register", str(register.path), "--date", "06/12/2023"),
        ),
        env=env,
    )
    assert result.exit_code == 1 and "đã được ban hành: số 02/KH-STTTT" in result.output, result.output
    assert not again.exists() or not any(again.iterdir())
    assert [e.number for e in register.entries()] == [1, 2, 3]
    # The old form still works and takes the next number.
    result = runner.invoke(
        cli,
        _issue_args(
            demo_pki,
            fresh,
            tmp_path / "moi.ban-hanh.pdf",
            extra=("--register", str(register.path), "--date", "06/12/2023"),
        ),
        env=env,
    )
    assert result.exit_code == 0 and "04/KH-STTTT" in result.output, result.output


def test_a_register_made_before_drafts_were_recorded_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "so-cu.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE issued (agency TEXT NOT NULL, year INTEGER NOT NULL, doc_type TEXT NOT NULL, "
        "number INTEGER NOT NULL, reference TEXT NOT NULL, issued_on TEXT NOT NULL, document TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, PRIMARY KEY (agency, year, doc_type, number))"
    )
    conn.execute(
        "INSERT INTO issued VALUES ('STTTT', 2023, 'KH', 1, '01/KH-STTTT', '2023-12-01', 'a.pdf', 'x')"
    )
    conn.commit()
    conn.close()
    reg = NumberRegister(path)
    assert reg.issued_from("khong-co") is None
    (old,) = reg.entries()
    assert old.number == 1 and old.draft is None
    with reg.reserve("STTTT", "KH", 2023) as slot:
        assert slot.number == 2
        slot.record("02/KH-STTTT", date(2023, 12, 2), "b.pdf", "dau-van-tay")
    assert reg.issued_from("dau-van-tay") == reg.entries()[1]
    assert [e.number for e in reg.entries()] == [1, 2]
