"""`vanban sign`: PAdES levels, PKCS#12 and PKCS#11 keys, NĐ 30 placement, and clean failures."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from letters.cli.main import cli
from signing.demo.pki import DemoPKI
from signing.demo.token import TokenInfo
from signing.sign.appearance import PT_PER_MM, specimen_seal_png, specimen_signature_png
from signing.sign.signer import (
    Level,
    Pkcs12Key,
    Role,
    SigningTools,
    SignRequest,
    open_signer,
    sign_file,
    sign_pdf_bytes,
)
from signing.sign.stamp_layout import Box, find_signature_block, page_lines
from tests.pki_fixtures import demo_pki, nss_db, pki_server, softhsm_token  # noqa: F401
from tests.test_sign_support import DIRECTOR_NAME, assert_all_valid, sign_docs  # noqa: F401

ISO_VN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("images")
    (root / "sig.png").write_bytes(specimen_signature_png())
    (root / "seal.png").write_bytes(specimen_seal_png())
    return {"sig": root / "sig.png", "seal": root / "seal.png"}


def _env(pki: DemoPKI) -> dict[str, str]:
    return {"VANBAN_P12_PASSWORD": pki.password}


def _widget_rects(pdf: Path) -> dict[str, Box]:
    reader = PdfFileReader(io.BytesIO(pdf.read_bytes()))
    out = {}
    for page_ix in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(page_ix)[0].get_object()
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if "/T" in annot:
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                out[str(annot["/T"])] = Box(x0, y0, x1, y1)
    return out


@pytest.mark.soffice
@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT"])
def test_cli_signs_each_pades_level_with_pkcs12(
    level: str,
    pki_server: DemoPKI,
    nss_db: Path,
    sign_docs: dict[str, Path],
    images: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "signed.pdf"
    args = [
        "sign",
        str(sign_docs["draft"]),
        str(out),
        "--p12",
        str(pki_server.director_p12),
        "--image",
        str(images["sig"]),
        "--level",
        level,
    ]
    if level != "B-B":
        args += ["--tsa", pki_server.tsa_url]
    if level == "B-LT":
        args += ["--trust", str(pki_server.root_path)]
    original = sign_docs["draft"].read_bytes()
    result = CliRunner().invoke(cli, args, env=_env(pki_server))
    assert result.exit_code == 0, result.output
    assert "Đã ký" in result.output and ISO_VN.search(result.output)
    assert sign_docs["draft"].read_bytes() == original  # input untouched
    (verdict,) = assert_all_valid(out, pki_server, nss_db, expected=1)
    # The signing time is Vietnam time, both as /M and as ISO 8601 text in the signature dictionary.
    assert verdict.signing_time and verdict.signing_time.endswith("+07'00'")
    assert verdict.reason and ISO_VN.search(verdict.reason)
    assert (verdict.timestamp_ok is True) == (level != "B-B")
    reader = PdfFileReader(io.BytesIO(out.read_bytes()))
    root = reader.root
    if level == "B-LT":
        dss = root["/DSS"]
        assert len(dss.get("/OCSPs", [])) + len(dss.get("/CRLs", [])) >= 1
    else:
        assert "/DSS" not in root


@pytest.mark.soffice
@pytest.mark.hsm
def test_sign_with_pkcs11_token_and_add_second_signature(
    pki_server: DemoPKI,
    nss_db: Path,
    softhsm_token: TokenInfo,
    sign_docs: dict[str, Path],  # noqa: F811
    images: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOFTHSM2_CONF", softhsm_token.env["SOFTHSM2_CONF"])
    first = tmp_path / "director.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "sign",
            str(sign_docs["draft"]),
            str(first),
            "--pkcs11-module",
            softhsm_token.module_path,
            "--token-label",
            softhsm_token.token_label,
            "--key-label",
            softhsm_token.key_label,
            "--image",
            str(images["sig"]),
            "--level",
            "B-T",
            "--tsa",
            pki_server.tsa_url,
        ],
        env={"VANBAN_PIN": softhsm_token.pin},
    )
    assert result.exit_code == 0, result.output
    assert DIRECTOR_NAME in result.output
    assert_all_valid(first, pki_server, nss_db, expected=1)

    second = tmp_path / "agency.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "sign",
            str(first),
            str(second),
            "--role",
            "agency",
            "--p12",
            str(pki_server.agency_p12),
            "--seal",
            str(images["seal"]),
            "--level",
            "B-LT",
            "--tsa",
            pki_server.tsa_url,
            "--trust",
            str(pki_server.root_path),
        ],
        env=_env(pki_server),
    )
    assert result.exit_code == 0, result.output
    verdicts = assert_all_valid(second, pki_server, nss_db, expected=2)
    assert verdicts[0].field == "ChuKyNguoiKy" and verdicts[1].field == "ChuKyCoQuan"
    # Adding a signature with its appearance is no worse than form filling for the first one.
    assert verdicts[0].modification_level is not None
    assert verdicts[0].modification_level.value <= 2  # FORM_FILLING


@pytest.mark.soffice
def test_signature_and_seal_sit_where_nd30_puts_them(
    pki_server: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    data = sign_docs["draft"].read_bytes()
    block = find_signature_block(data)
    assert block.title.text == "PHÓ GIÁM ĐỐC" and block.name.text == DIRECTOR_NAME
    with open_signer(Pkcs12Key(pki_server.director_p12, pki_server.password)) as signer:
        req = SignRequest(role=Role.SIGNER, image=specimen_signature_png())
        signed = sign_pdf_bytes(data, SigningTools.for_request(signer, req), req)
    with open_signer(Pkcs12Key(pki_server.agency_p12, pki_server.password)) as signer:
        req = SignRequest(role=Role.AGENCY, image=specimen_seal_png())
        sealed = sign_pdf_bytes(signed.pdf, SigningTools.for_request(signer, req), req)
    out = tmp_path / "sealed.pdf"
    out.write_bytes(sealed.pdf)
    rects = _widget_rects(out)
    sig, seal = rects["ChuKyNguoiKy"], rects["ChuKyCoQuan"]
    title, name = block.title.box, block.name.box
    # Between the chức vụ line and the name line, centred on them.
    assert name.y1 <= sig.y0 < sig.y1 <= title.y0
    assert abs(sig.cx - (title.cx + name.cx) / 2) < 1.0
    # The seal is real size (38 mm) and covers about the left third of the signature image.
    assert abs(seal.width - 38 * PT_PER_MM) < 0.5 and abs(seal.height - 38 * PT_PER_MM) < 0.5
    assert seal.x0 < sig.x0 < seal.x1
    assert abs((seal.x1 - sig.x0) - sig.width / 3) < 1.0
    assert abs(seal.cy - sig.cy) < 1.0
    # Rendered, the page shows blue ink in the signature's right part and red ink in the seal.
    png = subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(out)], capture_output=True, check=True
    ).stdout
    page = Image.open(io.BytesIO(png)).convert("RGB")
    height = page.height

    def pixels(box: Box) -> list[tuple[int, int, int]]:
        crop = page.crop((int(box.x0), int(height - box.y1), int(box.x1), int(height - box.y0)))
        raw = crop.tobytes()
        return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]

    right_of_sig = Box(seal.x1 + 2, sig.y0, sig.x1, sig.y1)
    assert sum(1 for r, g, b in pixels(right_of_sig) if b > 120 and r < 90) > 20
    assert sum(1 for r, g, b in pixels(seal) if r > 150 and g < 90 and b < 90) > 200


@pytest.mark.soffice
def test_attachment_gets_text_top_right_without_image(
    pki_server: DemoPKI,
    nss_db: Path,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    out = tmp_path / "phu-luc.signed.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "sign",
            str(sign_docs["phu-luc"]),
            str(out),
            "--role",
            "attachment",
            "--reference",
            "83/KH-STTTT",
            "--p12",
            str(pki_server.agency_p12),
            "--level",
            "B-T",
            "--tsa",
            pki_server.tsa_url,
        ],
        env=_env(pki_server),
    )
    assert result.exit_code == 0, result.output
    (verdict,) = assert_all_valid(out, pki_server, nss_db, expected=1)
    reader = PdfFileReader(io.BytesIO(out.read_bytes()))
    page = reader.find_page_for_modification(0)[0].get_object()
    (annot,) = [a.get_object() for a in page["/Annots"]]
    x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
    width, height = (float(v) for v in list(page["/MediaBox"])[2:])
    assert x0 > width / 2 and y1 > height - 25 * PT_PER_MM  # top right of page 1
    ap = annot["/AP"]["/N"]
    stream = _flatten_stream(ap)
    assert b"/Im" not in stream and b"Do" not in stream.replace(b"/Tx", b"")  # no image
    text = _actual_text(ap)
    assert text.startswith("83/KH-STTTT\n")
    stamped_time = ISO_VN.search(text)
    assert stamped_time and stamped_time.group(0) in (verdict.reason or "")
    assert b" 10 Tf" in stream  # TNR 10 (Liberation Serif), pyHanko's default black: no colour operator
    assert not re.search(rb"[0-9.]+ [0-9.]+ [0-9.]+ rg", stream.replace(b"0 0 0 rg", b""))


def _flatten_stream(xobj: object) -> bytes:
    data = xobj.data  # type: ignore[attr-defined]
    for sub in xobj.get("/Resources", {}).get("/XObject", {}).values():  # type: ignore[attr-defined]
        data += _flatten_stream(sub.get_object())
    return data


def _actual_text(xobj: object) -> str:
    texts = re.findall(rb"/ActualText \((.*?)\)", _flatten_stream(xobj), flags=re.S)
    # PDF literal strings escape some characters as octal (\057 is "/").
    unescape = lambda t: re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), t)  # noqa: E731
    return "\n".join(unescape(t).decode("latin-1") for t in texts)


@pytest.mark.soffice
def test_vietnamese_stamp_text_keeps_its_diacritics(sign_docs: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.stamp import TextStampStyle

    from signing.sign.appearance import text_box_style

    text = "Sở Thông tin và Truyền thông tỉnh Bắc Giang, ngày 06 tháng 12 năm 2023"
    writer = IncrementalPdfFileWriter(io.BytesIO(sign_docs["phu-luc"].read_bytes()))
    stamp = TextStampStyle(stamp_text=text, text_box_style=text_box_style(10), border_width=0).create_stamp(
        writer, BoxConstraints(width=400, height=30), {}
    )
    stamp.apply(0, 60, 400)
    out = tmp_path / "stamp.pdf"
    with out.open("wb") as fh:
        writer.write(fh)
    extracted = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text in " ".join(extracted.split())
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "LiberationSerif" in fonts and re.search(r"CID TrueType\s+Identity-H\s+yes\s+yes", fonts)


@pytest.mark.soffice
@pytest.mark.hsm
def test_wrong_pin_and_missing_key_fail_in_vietnamese_without_output(
    softhsm_token: TokenInfo,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOFTHSM2_CONF", softhsm_token.env["SOFTHSM2_CONF"])
    base = [
        "sign",
        str(sign_docs["draft"]),
        str(tmp_path / "out.pdf"),
        "--pkcs11-module",
        softhsm_token.module_path,
        "--token-label",
        softhsm_token.token_label,
    ]
    cases = [
        (base + ["--key-label", softhsm_token.key_label], {"VANBAN_PIN": "000000"}, "Sai mã PIN"),
        (base + ["--key-label", "khong-co"], {"VANBAN_PIN": softhsm_token.pin}, "Không tìm thấy khoá"),
        (
            [
                "sign",
                str(sign_docs["draft"]),
                str(tmp_path / "out.pdf"),
                "--pkcs11-module",
                softhsm_token.module_path,
                "--token-label",
                "khong-co-token",
                "--key-label",
                "x",
            ],
            {"VANBAN_PIN": softhsm_token.pin},
            "Không tìm thấy token",
        ),
    ]
    for args, env, message in cases:
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output
        assert list(tmp_path.iterdir()) == []


@pytest.mark.soffice
def test_bad_inputs_fail_in_vietnamese_without_output(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    from pypdf import PdfReader, PdfWriter

    corrupt = tmp_path / "in" / "hong.pdf"
    corrupt.parent.mkdir()
    good = sign_docs["draft"].read_bytes()
    corrupt.write_bytes(good[: len(good) // 3])
    encrypted = tmp_path / "in" / "ma-hoa.pdf"
    writer = PdfWriter(clone_from=PdfReader(sign_docs["draft"]))
    writer.encrypt(user_password="", owner_password="chu-so-huu")
    with encrypted.open("wb") as fh:
        writer.write(fh)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = _env(demo_pki)
    draft = str(sign_docs["draft"])
    cases = [
        (
            ["sign", draft, str(out_dir / "a.pdf"), "--p12", str(demo_pki.director_p12)],
            {"VANBAN_P12_PASSWORD": "sai-mat-khau"},
            "Sai mật khẩu",
        ),
        (["sign", draft, str(out_dir / "a.pdf"), "--p12", str(demo_pki.expired_p12)], env, "đã hết hạn"),
        (["sign", str(corrupt), str(out_dir / "a.pdf"), "--p12", str(demo_pki.director_p12)], env, "bị hỏng"),
        (
            ["sign", str(encrypted), str(out_dir / "a.pdf"), "--p12", str(demo_pki.director_p12)],
            env,
            "mã hoá",
        ),
        (
            ["sign", draft, str(out_dir / "a.pdf"), "--p12", str(demo_pki.director_p12), "--level", "B-T"],
            env,
            "dấu thời gian",
        ),
        (
            [
                "sign",
                draft,
                str(out_dir / "a.pdf"),
                "--p12",
                str(demo_pki.director_p12),
                "--level",
                "B-T",
                "--tsa",
                "http://127.0.0.1:9/tsa",
            ],
            env,
            "dấu thời gian",
        ),
    ]
    cases.append(
        (
            [
                "sign",
                str(sign_docs["phu-luc"]),
                str(out_dir / "a.pdf"),
                "--p12",
                str(demo_pki.director_p12),
                "--image",
                str(_specimen(tmp_path)),
            ],
            env,
            "Không tìm thấy khối chữ ký",
        )
    )
    for args, case_env, message in cases:
        result = CliRunner().invoke(cli, args, env=case_env)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, result.output
        assert list(out_dir.iterdir()) == [], args
    # Neither key source, or both: a usage error (exit 2).
    result = CliRunner().invoke(cli, ["sign", draft, str(out_dir / "a.pdf")], env=env)
    assert result.exit_code == 2 and "--p12" in result.output


def _specimen(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "sig.png"
    path.write_bytes(specimen_signature_png())
    return path


@pytest.mark.soffice
def test_revoked_certificate_is_refused_at_b_lt(
    pki_server: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "sign",
            str(sign_docs["draft"]),
            str(out),
            "--p12",
            str(pki_server.revoked_p12),
            "--level",
            "B-LT",
            "--tsa",
            pki_server.tsa_url,
            "--trust",
            str(pki_server.root_path),
        ],
        env=_env(pki_server),
    )
    assert result.exit_code == 1 and "đã bị thu hồi" in result.output, result.output
    assert not out.exists()


@pytest.mark.soffice
def test_output_is_never_overwritten_without_force(
    demo_pki: DemoPKI,
    sign_docs: dict[str, Path],
    tmp_path: Path,  # noqa: F811
) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"tep cua nguoi dung")
    key = Pkcs12Key(demo_pki.director_p12, demo_pki.password)
    args = ["sign", str(sign_docs["draft"]), str(out), "--p12", str(demo_pki.director_p12)]
    result = CliRunner().invoke(cli, args, env=_env(demo_pki))
    assert result.exit_code == 1 and "đã tồn tại" in result.output
    assert out.read_bytes() == b"tep cua nguoi dung"
    # Without the environment variable the password is asked for, hidden (never a command-line argument).
    result = CliRunner().invoke(
        cli, [*args, "--force"], input=demo_pki.password + "\n", env={"VANBAN_P12_PASSWORD": None}
    )
    assert result.exit_code == 0, result.output
    assert "Mật khẩu tệp khoá" in result.output and demo_pki.password not in result.output
    assert out.read_bytes().startswith(b"%PDF")
    # Signing a file onto itself would modify the input in place: refused even with force.
    from letters.core.errors import VanbanError

    with pytest.raises(VanbanError, match="không sửa tệp gốc"):
        sign_file(out, out, key, SignRequest(level=Level.B_B), force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf"]  # no temporary leftovers


@pytest.mark.soffice
def test_signature_block_is_found_on_the_last_page(sign_docs: dict[str, Path]) -> None:  # noqa: F811
    data = sign_docs["long"].read_bytes()
    block = find_signature_block(data)
    assert block.page >= 1
    lines = page_lines(data, block.page)
    assert any(line.text == DIRECTOR_NAME for line in lines)
