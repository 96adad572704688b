"""`vanban sign`, `vanban issue` and `vanban specimens`: options and secrets here, the work in the use cases."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from letters.core.errors import VanbanError
from letters.core.progress import progress_bar
from letters.usecases.signing import DEFAULT_REGISTER, KeySpec, Level, Pkcs11Key, Pkcs12Key, Role

PASSWORD_ENV = "VANBAN_P12_PASSWORD"
PIN_ENV = "VANBAN_PIN"


def _key_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--p12",
            "p12",
            type=click.Path(path_type=Path),
            help=f"Tệp khoá PKCS#12 (.p12/.pfx). Mật khẩu lấy từ biến môi trường {PASSWORD_ENV} "
            "hoặc nhập (ẩn) khi được hỏi; không bao giờ ghi trên dòng lệnh.",
        ),
        click.option(
            "--pkcs11-module",
            "pkcs11_module",
            type=click.Path(path_type=Path),
            help="Thư viện PKCS#11 của token (ví dụ /usr/lib/softhsm/libsofthsm2.so).",
        ),
        click.option("--token-label", help="Nhãn token (dùng với --pkcs11-module)."),
        click.option("--key-label", help="Nhãn khoá ký trên token (dùng với --pkcs11-module)."),
        click.option("--cert-label", help="Nhãn chứng thư số trên token, nếu khác nhãn khoá."),
        click.option(
            "--level",
            type=click.Choice([lv.value for lv in Level]),
            default=Level.B_B.value,
            show_default=True,
            help="Mức PAdES: B-B (cơ bản), B-T (có dấu thời gian), B-LT (nhúng thông tin thu hồi).",
        ),
        click.option("--tsa", "tsa_url", help="Địa chỉ máy chủ cấp dấu thời gian (bắt buộc cho B-T, B-LT)."),
        click.option(
            "--trust",
            "trust",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Chứng thư gốc tin cậy (PEM/DER), dùng cho B-LT; có thể lặp lại.",
        ),
        click.option(
            "--seal",
            "seal",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Ảnh con dấu của cơ quan (PNG đỏ, nền trong suốt).",
        ),
        click.option(
            "--seal-size",
            "seal_size",
            type=click.FloatRange(10, 80),
            default=38.0,
            show_default="38",
            help="Đường kính thật của con dấu, tính bằng mm.",
        ),
        click.option("--force", is_flag=True, help="Cho phép ghi đè tệp ra đã có."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        # getpass would warn in English ("Password input may be echoed") and read the line anyway.
        click.echo(f"{prompt}: ", err=True, nl=False)
        line = sys.stdin.readline()
        if not line:
            raise VanbanError(
                f"Chưa có {prompt[:1].lower() + prompt[1:]}.",
                hint=f"Đặt biến môi trường {env}, hoặc chạy lệnh trong cửa sổ dòng lệnh để nhập.",
            )
        click.echo(err=True)
        return line.rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, err=True)


def key_from_options(
    p12: Path | None,
    pkcs11_module: Path | None,
    token_label: str | None,
    key_label: str | None,
    cert_label: str | None,
) -> KeySpec:
    if (p12 is None) == (pkcs11_module is None):
        raise click.UsageError("Chọn đúng một nguồn khoá: --p12 TỆP hoặc --pkcs11-module THƯ_VIỆN.")
    if p12 is not None:
        if not p12.is_file():
            raise VanbanError(f"Không tìm thấy tệp khoá PKCS#12: {p12}.")
        return Pkcs12Key(p12, _secret(PASSWORD_ENV, f"Mật khẩu tệp khoá {p12.name}"))
    if not token_label or not key_label:
        raise click.UsageError("Ký bằng token cần cả --token-label và --key-label.")
    assert pkcs11_module is not None
    pin = _secret(PIN_ENV, f"Mã PIN của token «{token_label}»")
    return Pkcs11Key(str(pkcs11_module), token_label, key_label, pin, cert_label)


def _read_png(path: Path | None) -> bytes | None:
    from letters.usecases.signing import read_image

    return read_image(path) if path is not None else None


def _pairs(paths: tuple[Path, ...], out_dir: Path | None, usage: str) -> tuple[tuple[Path, Path], ...]:
    """The old form (one input, one output) or many inputs (files, folders) into --out."""
    from letters.usecases.signing import pdf_pairs

    if not paths:
        raise click.UsageError(f"Thiếu tệp PDF cần xử lý. {usage}")
    missing = [p for p in paths[: len(paths) if out_dir is not None else 1] if not p.exists()]
    if missing:
        raise click.BadParameter(f"«{missing[0]}» không tồn tại.", param_hint="PDF_VÀO")
    if out_dir is not None:
        return pdf_pairs(paths, out_dir)
    if len(paths) != 2:
        raise click.UsageError(f"Không có --out thì cần đúng hai tham số: tệp vào và tệp ra. {usage}")
    source, target = paths
    if source.is_dir():
        raise click.UsageError(f"«{source}» là một thư mục: xử lý cả thư mục cần --out THƯ_MỤC_RA. {usage}")
    if target.is_dir():
        raise click.BadParameter(
            f"«{target}» là một thư mục; tệp ra phải là một tệp (nhiều tệp thì dùng --out THƯ_MỤC).",
            param_hint="PDF_RA",
        )
    return ((source, target),)


_OUT_HELP = (
    "Thư mục ghi kết quả, giữ nguyên tên tệp (và thư mục con khi đầu vào là thư mục). Khi có --out, mọi "
    "tham số là tệp PDF hoặc thư mục chứa tệp PDF."
)


@click.command("sign")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="PDF_VÀO... [PDF_RA]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=_OUT_HELP)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.SIGNER.value,
    show_default=True,
    help="signer: người có thẩm quyền ký (ảnh chữ ký giữa chức vụ và họ tên); agency: cơ quan "
    "ban hành (ảnh con dấu); attachment: tệp đính kèm (chữ ở góc phải trên trang 1, không ảnh).",
)
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Ảnh chữ ký của người ký (PNG màu xanh, nền trong suốt).",
)
@click.option(
    "--reference", help='Số và ký hiệu văn bản chính, ví dụ "83/KH-STTTT" (bắt buộc với --role attachment).'
)
@click.option("--signer-name", help="Họ tên người ký như in trên văn bản, nếu cần chỉ rõ khối chữ ký.")
@_key_options
def sign_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    role: str,
    image: Path | None,
    reference: str | None,
    signer_name: str | None,
    p12: Path | None,
    pkcs11_module: Path | None,
    token_label: str | None,
    key_label: str | None,
    cert_label: str | None,
    level: str,
    tsa_url: str | None,
    trust: tuple[Path, ...],
    seal: Path | None,
    seal_size: float,
    force: bool,
) -> None:
    """Ký số tệp PDF theo chuẩn PAdES, trình bày chữ ký theo Nghị định 30/2020/NĐ-CP.

    \b
    Một tệp:   vanban sign du-thao.pdf du-thao.ky-duyet.pdf --p12 ...
    Nhiều tệp: vanban sign thong-bao/ --out da-ky/ --p12 ...

    Khoá (mật khẩu, mã PIN) chỉ nạp một lần cho cả lô. Không sửa tệp vào; mọi tệp được ký xong mới ghi,
    mỗi tệp ghi một lần trọn vẹn và không ghi đè nếu thiếu --force.
    """
    from letters.usecases.signing import SignDocumentsRequest, sign_documents  # pyHanko loads only here

    pairs = _pairs(paths, out_dir, "Xem: vanban sign --help")
    role_value = Role(role)
    picture = image if role_value is Role.SIGNER else seal or image
    if role_value is Role.ATTACHMENT and picture is not None:
        raise click.UsageError("Tệp đính kèm được ký không kèm ảnh (Nghị định 30): bỏ --image/--seal.")
    key = key_from_options(p12, pkcs11_module, token_label, key_label, cert_label)
    with progress_bar("Ký số") as progress:
        results = sign_documents(
            SignDocumentsRequest(
                files=pairs,
                key=key,
                role=role_value,
                level=Level(level),
                tsa_url=tsa_url,
                trust_roots=trust,
                image=_read_png(picture),
                seal_diameter_mm=seal_size,
                reference=reference,
                signer_name=signer_name,
                force=force,
                progress=progress if len(pairs) > 1 else None,
            )
        )
    for result in results:
        click.echo(f"Đã ký: {result.output}")
    first = results[0]
    click.echo(f"  Người ký: {first.signer_subject}")
    if len(results) == 1:
        click.echo(
            f"  Trường chữ ký: {first.field_name}; mức PAdES {level}; thời gian ký {first.signing_time_iso}"
        )
    else:
        click.echo(
            f"  {len(results)} văn bản, mức PAdES {level}; thời gian ký từ {first.signing_time_iso} "
            f"đến {results[-1].signing_time_iso}"
        )
    if any(r.issue_fields_added for r in results):
        click.echo("  Đã tạo ô điền số và ngày ban hành để văn thư điền khi ban hành (vanban issue).")


@click.command("issue")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="PDF_ĐÃ_KÝ... [PDF_RA]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help=_OUT_HELP)
@click.option(
    "--type",
    "doc_type",
    required=True,
    metavar="LOẠI",
    help="Viết tắt loại văn bản; mỗi loại có dãy số riêng trong sổ, ví dụ KH, QĐ, TB (công văn: CV).",
)
@click.option(
    "--agency", required=True, metavar="CƠ_QUAN", help="Viết tắt tên cơ quan ban hành, ví dụ STTTT."
)
@click.option(
    "--register",
    "register",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Sổ đăng ký số văn bản (SQLite). Mặc định: {DEFAULT_REGISTER} cạnh tệp ra (trong thư mục --out).",
)
@click.option(
    "--date",
    "date_text",
    metavar="NGÀY",
    help="Ngày ban hành NN/TT/NNNN; mặc định hôm nay (giờ Việt Nam). Không được trước ngày ký của người có "
    "thẩm quyền.",
)
@_key_options
def issue_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    doc_type: str,
    agency: str,
    register: Path | None,
    date_text: str | None,
    p12: Path | None,
    pkcs11_module: Path | None,
    token_label: str | None,
    key_label: str | None,
    cert_label: str | None,
    level: str,
    tsa_url: str | None,
    trust: tuple[Path, ...],
    seal: Path | None,
    seal_size: float,
    force: bool,
) -> None:
    """Ban hành văn bản đã được ký duyệt: cấp số, điền số và ngày, ký số của cơ quan kèm ảnh con dấu.

    \b
    Một văn bản:   vanban issue ke-hoach.ky-duyet.pdf ke-hoach.ban-hanh.pdf --type KH --agency STTTT ...
    Nhiều văn bản: vanban issue da-ky/ --out ban-hanh/ --type TB --agency STTTT ...

    Số lấy từ sổ đăng ký: liên tục theo cơ quan, năm và loại văn bản, không dùng lại, bắt đầu lại
    từ 01 vào ngày 01 tháng 01; nhiều văn bản nhận các số liên tiếp theo thứ tự tên tệp, khoá chỉ nạp một
    lần. Mỗi bản dự thảo đã ký chỉ được ban hành một lần. Chữ ký của người có thẩm quyền vẫn giữ hiệu lực.
    """
    from letters.core.vn import DateFormatError, parse_date
    from letters.usecases.signing import IssueDocumentsRequest, issue_documents

    pairs = _pairs(paths, out_dir, "Xem: vanban issue --help")
    try:
        on = parse_date(date_text) if date_text else None
    except DateFormatError as exc:
        raise VanbanError(f"Ngày ban hành (--date) không đúng dạng: {exc}") from None
    key = key_from_options(p12, pkcs11_module, token_label, key_label, cert_label)
    with progress_bar("Ban hành") as progress:
        results = issue_documents(
            IssueDocumentsRequest(
                files=pairs,
                key=key,
                doc_type=doc_type,
                agency=agency,
                issue_date=on,
                register=register,
                level=Level(level),
                tsa_url=tsa_url,
                trust_roots=trust,
                seal=_read_png(seal),
                seal_diameter_mm=seal_size,
                force=force,
                progress=progress if len(pairs) > 1 else None,
            )
        )
    if len(results) == 1:
        (result,) = results
        click.echo(f"Đã ban hành: {result.output}")
        click.echo(f"  Số, ký hiệu: {result.reference}; {result.date_text}")
        click.echo(f"  Cơ quan ký số lúc {result.agency_signing_time_iso}; sổ đăng ký: {result.register}")
        return
    for result in results:
        click.echo(f"Đã ban hành: {result.output} (số {result.reference})")
    first, last = results[0], results[-1]
    click.echo(
        f"  {len(results)} văn bản, số {first.reference} đến {last.reference}, {first.date_text}; "
        f"sổ đăng ký: {first.register}"
    )


@click.command("specimens")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Cho phép ghi đè tệp đã có.")
def specimens_command(out_dir: Path, force: bool) -> None:
    """Tạo ảnh chữ ký mẫu (xanh) và con dấu mẫu (đỏ) dạng PNG nền trong suốt, ghi rõ chữ «MẪU»."""
    from letters.usecases.signing import write_specimens

    sig, seal = write_specimens(out_dir, force=force)
    click.echo(f"Đã tạo ảnh mẫu (không có giá trị pháp lý): {sig}, {seal}")


def register(group: click.Group) -> None:
    group.add_command(sign_command)
    group.add_command(issue_command)
    group.add_command(specimens_command)
