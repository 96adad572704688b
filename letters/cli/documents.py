"""Commands that read a campaign file and produce documents: check, render, demo."""

from __future__ import annotations

from pathlib import Path

import click

from letters.campaign.model import DocumentKind
from letters.core.errors import Diagnostic, DiagnosticsError, Severity

KIND_NAMES = {"ke-hoach": DocumentKind.KE_HOACH, "cong-van": DocumentKind.CONG_VAN}
ANNEX_NAMES = ("bieu-mau", "phu-luc")
ALL_NAMES = sorted([*KIND_NAMES, *ANNEX_NAMES])


def _kinds(values: tuple[str, ...]) -> list[DocumentKind] | None:
    return [KIND_NAMES[v.replace("_", "-")] for v in values if v.replace("_", "-") in KIND_NAMES] or None


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        click.secho(
            d.format(),
            fg="red" if d.severity is Severity.ERROR else "yellow",
            err=d.severity is Severity.ERROR,
        )
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        click.secho("Không phát hiện lỗi hay cảnh báo nào.", fg="green")
    else:
        click.echo(f"Tổng cộng: {errors} lỗi, {warnings} cảnh báo.")


def _existing() -> click.Path:
    return click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("check")
@click.argument("campaign_file", type=_existing())
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(sorted(KIND_NAMES)),
    help="Chỉ kiểm tra văn bản này (có thể ghi nhiều lần).",
)
def check_cmd(campaign_file: Path, kinds: tuple[str, ...]) -> None:
    """Kiểm tra tệp chiến dịch TỆP_CHIẾN_DỊCH và các mẫu văn bản nó dùng.

    In mọi lỗi (kèm số dòng và tên trường) và mọi cảnh báo (hạn rơi vào ngày nghỉ, giai
    đoạn chồng nhau…). Trả mã 0 nếu chỉ có cảnh báo, 1 nếu có lỗi.
    """
    from letters.checking import check_campaign

    diagnostics = check_campaign(campaign_file, _kinds(kinds))
    print_diagnostics(diagnostics)
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise click.exceptions.Exit(1)


@click.command("render")
@click.argument("campaign_file", type=_existing())
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Thư mục ghi văn bản.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(ALL_NAMES),
    help="Chỉ tạo văn bản này (có thể ghi nhiều lần): ke-hoach, cong-van, bieu-mau (Word và Excel), "
    "phu-luc; mặc định tạo tất cả.",
)
@click.option("--pdf", is_flag=True, help="Tạo thêm bản PDF (cần LibreOffice).")
@click.option("--pdfa", is_flag=True, help="Bản PDF theo chuẩn lưu trữ PDF/A-2b.")
@click.option("--force", is_flag=True, help="Cho phép ghi đè tệp đã có.")
def render_cmd(
    campaign_file: Path, out_dir: Path, kinds: tuple[str, ...], pdf: bool, pdfa: bool, force: bool
) -> None:
    """Tạo văn bản (DOCX, và PDF nếu có --pdf) từ tệp chiến dịch TỆP_CHIẾN_DỊCH."""
    from letters.checking import check_campaign
    from letters.documents.render import render_documents

    diagnostics = check_campaign(campaign_file, _kinds(kinds))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise DiagnosticsError(diagnostics, str(campaign_file))
    for d in diagnostics:
        click.secho(d.format(), fg="yellow")
    from letters.campaign.load import load_campaign
    from letters.forms.annexes import render_annexes

    campaign = load_campaign(campaign_file)
    letters_wanted = _kinds(kinds) if kinds else None
    paths: list[Path] = []
    if not kinds or letters_wanted:
        for r in render_documents(campaign, out_dir, letters_wanted, force=force):
            click.echo(f"Đã tạo {r.label}: {r.path}")
            paths.append(r.path)
    if not kinds or set(kinds) & set(ANNEX_NAMES):
        annexes = render_annexes(
            campaign,
            out_dir / "phu-luc",
            forms=not kinds or "bieu-mau" in kinds,
            guides=not kinds or "phu-luc" in kinds,
            force=force,
        )
        for a in annexes:
            click.echo(f"Đã tạo {a.label}: {a.path}")
            paths.append(a.path)
    if pdf or pdfa:
        from letters.pdf.convert import convert_files

        pairs = [(p, p.with_suffix(".pdf")) for p in paths if p.suffix == ".docx"]
        for path in convert_files(pairs, pdfa=pdfa, force=force):
            click.echo(f"Đã tạo bản PDF{'/A-2b' if pdfa else ''}: {path}")


def register(group: click.Group) -> None:
    group.add_command(check_cmd)
    group.add_command(render_cmd)
    from letters.demo.run import demo_cmd

    group.add_command(demo_cmd)
