"""`vanban verify`, `vanban trust` and `vanban policy-template`: options here, the work in the use cases."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from letters.core.progress import echo_above, progress_bar

if TYPE_CHECKING:  # the verifier (pydantic policy, pyHanko) loads only when `verify` runs
    from letters.usecases.evidence import FileResult


def register(group: click.Group) -> None:
    group.add_command(verify_cmd)
    group.add_command(trust_group)
    group.add_command(policy_template_cmd)


@click.command("policy-template")
@click.argument("out_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Ghi đè tệp đã có.")
def policy_template_cmd(out_file: Path, force: bool) -> None:
    """Tạo tệp chính sách kiểm tra chữ ký số mẫu (YAML, có chú thích) để chỉnh sửa."""
    from letters.usecases.evidence import write_policy_template

    write_policy_template(out_file, force=force)
    click.echo(
        f"Đã tạo {out_file}. Sửa tệp rồi dùng: vanban verify THƯ_MỤC --policy {out_file} --out KẾT_QUẢ"
    )


@contextlib.contextmanager
def _loading_without_gc() -> Iterator[None]:
    """Import the verifier (pyHanko, aiohttp, pydantic: some 80,000 objects) with the cyclic collector off, then
    freeze what was loaded, as the gc module's documentation advises for a process that forks workers.

    Collections during the imports find next to nothing to free and cost a one-file run some 20 ms; once frozen, the
    loaded modules are never scanned again, neither here nor in the forked workers, where the scans would
    also copy every page they touch.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@click.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Thư mục ghi báo cáo (report.json, report.csv, report.html, resubmission.json).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Tệp YAML chính sách kiểm tra của đợt đánh giá (mặc định: chính sách chặt chẽ).",
)
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Tệp chứng thư gốc được tin cậy thêm (có thể ghi nhiều lần).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Số tiến trình kiểm tra song song (mặc định: số lõi CPU).",
)
@click.option(
    "--trust-store",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục kho chứng thư tin cậy (mặc định: ~/.config/vanban/trust).",
)
@click.option("--force", is_flag=True, help="Ghi đè báo cáo đã có trong thư mục --out.")
@click.option("--quiet", "-q", is_flag=True, help="Không in kết quả từng tệp.")
@click.option(
    "--campaign",
    "campaign_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Tệp hồ sơ chiến dịch: nếu có, tạo thêm công văn (NĐ 30) đề nghị các đơn vị nộp lại tài liệu.",
)
@click.option("--deadline", default=None, help="Hạn nộp lại ghi trong công văn (ngày/tháng/năm).")
def verify_cmd(
    paths: tuple[Path, ...],
    out_dir: Path,
    policy_file: Path | None,
    trust: tuple[Path, ...],
    jobs: int | None,
    trust_store: Path | None,
    force: bool,
    quiet: bool,
    campaign_file: Path | None,
    deadline: str | None,
) -> None:
    """Kiểm tra chữ ký số của các tệp minh chứng (tệp PDF, thư mục, tệp ZIP).

    Mỗi thư mục con cấp một của thư mục được chỉ ra là một đơn vị. Mã thoát: 0 khi mọi tệp đạt yêu cầu,
    1 khi có tệp chưa đạt, 2 khi dùng lệnh sai.
    """
    from letters.core.vn import DateFormatError, number, parse_date

    if not paths:
        raise click.UsageError("Cần chỉ ra ít nhất một tệp, thư mục hoặc tệp ZIP minh chứng.")
    try:
        due = parse_date(deadline) if deadline else None
    except DateFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--deadline") from None
    with _loading_without_gc():
        from letters.usecases.evidence import VerifyRequest, load_verifier, verdict_text, verify_evidence

        load_verifier()

    # The ETSI codes (TOTAL_FAILED, HASH_FAILURE…) are for reports and --verbose; the console says it in words.
    codes = bool(click.get_current_context().find_root().params.get("verbose"))

    with progress_bar("Kiểm tra chữ ký số") as progress:

        def show(res: FileResult) -> None:
            if quiet:
                return
            mark = ("!" if res.flagged else "✓") if res.accepted else "✗"
            colour = (
                ("yellow" if res.flagged else "green")
                if res.accepted
                else ("red" if res.indication == "TOTAL_FAILED" else "yellow")
            )
            text = f"{mark} [{res.unit}] {res.file}: {verdict_text(res, codes=codes)}"
            echo_above(progress, text, fg=colour)

        outcome = verify_evidence(
            VerifyRequest(
                paths=paths,
                out_dir=out_dir,
                policy=policy_file,
                trust=trust,
                jobs=jobs,
                trust_store=trust_store,
                campaign_file=campaign_file,
                deadline=due,
                force=force,
                on_result=show,
                progress=progress,
            )
        )
    run = outcome.run
    for warning in run.warnings:
        click.secho(f"Lưu ý: {warning}", fg="yellow", err=True)
    bad = sum(not r.accepted and not r.recheck for r in run.results)
    recheck = sum(r.recheck for r in run.results)
    flagged = sum(r.accepted and r.flagged for r in run.results)
    click.echo(
        f"Đã kiểm tra {len(run.results)} tệp trong {number(run.seconds, 1)} giây: "
        f"{len(run.results) - bad - recheck} tệp đạt yêu cầu"
        + (f" ({flagged} tệp có lưu ý)" if flagged else "")
        + f", {bad} tệp cần nộp lại"
        + (f", {recheck} tệp cần kiểm tra lại khi có mạng hoặc tệp CRL" if recheck else "")
        + "."
    )
    click.echo(f"Báo cáo: {out_dir / 'report.html'}")
    if outcome.letter:
        click.echo(f"Công văn đề nghị nộp lại: {outcome.letter}")
    raise SystemExit(outcome.exit_code)


@click.group("trust")
def trust_group() -> None:
    """Quản lý kho chứng thư gốc được tin cậy khi kiểm tra chữ ký số."""


@trust_group.command("list")
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục kho chứng thư (mặc định: ~/.config/vanban/trust).",
)
def trust_list_cmd(store: Path | None) -> None:
    """Liệt kê các chứng thư trong kho tin cậy."""
    from letters.usecases.evidence import list_trusted_certificates

    folder, certs = list_trusted_certificates(store)
    if not certs:
        click.echo(f"Kho chứng thư {folder} đang trống.")
        return
    for cert in certs:
        pinned = " (đã ghim)" if cert.pinned else ""
        click.echo(f"{cert.subject}{pinned}: SHA-256 {cert.sha256}")


@trust_group.command("import")
@click.argument("cert_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--sha256",
    "expected",
    default=None,
    help="Dấu vân tay SHA-256 đã đối chiếu qua kênh chính thức (cho chứng thư không được ghim sẵn).",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục kho chứng thư (mặc định: ~/.config/vanban/trust).",
)
def trust_import_cmd(cert_file: Path, expected: str | None, store: Path | None) -> None:
    """Nhập chứng thư gốc vào kho tin cậy sau khi đối chiếu dấu vân tay SHA-256.

    Chỉ chấp nhận chứng thư gốc của Việt Nam đã được ghim sẵn (Vietnam National Root CA, RootCA chuyên dùng
    Chính phủ G2 và các CA trung gian đã biết), hoặc chứng thư khớp với --sha256.
    """
    from letters.usecases.evidence import import_trusted_certificate

    for item in import_trusted_certificate(cert_file, store=store, expected_sha256=expected):
        known = f" ({item.pinned_as})" if item.pinned_as else ""
        click.echo(f"Đã nhập «{item.subject}»{known}, SHA-256 {item.sha256}, vào {item.path.parent}.")
