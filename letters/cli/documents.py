"""Commands that read a campaign file and produce documents: check, render, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from letters.core.errors import Diagnostic, Severity
from letters.core.progress import progress_bar

if TYPE_CHECKING:
    from letters.usecases.documents import Timeline

# Mirrors letters.usecases.documents.ALL_KINDS; spelled out so `--help` does not import the use case.
ALL_NAMES = ("bieu-mau", "cong-van", "ke-hoach", "phu-luc")
LETTER_NAMES = ("cong-van", "ke-hoach")


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
    type=click.Choice(LETTER_NAMES),
    help="Chỉ kiểm tra văn bản này (có thể ghi nhiều lần).",
)
def check_cmd(campaign_file: Path, kinds: tuple[str, ...]) -> None:
    """Kiểm tra tệp chiến dịch TỆP_CHIẾN_DỊCH và các mẫu văn bản nó dùng.

    In mọi lỗi (kèm số dòng và tên trường) và mọi cảnh báo (hạn rơi vào ngày nghỉ, giai
    đoạn chồng nhau…), rồi lịch của đợt đánh giá: mọi giai đoạn và hạn nộp của từng nhóm đơn vị,
    kèm số ngày. Trả mã 0 nếu chỉ có cảnh báo, 1 nếu có lỗi.
    """
    from letters.usecases.documents import CheckRequest, check_campaign

    result = check_campaign(CheckRequest(campaign_file, kinds))
    print_diagnostics(result.diagnostics)
    if result.timeline is not None:
        print_timeline(result.timeline)
    if not result.ok:
        raise click.exceptions.Exit(1)


def print_timeline(timeline: Timeline) -> None:
    click.echo()
    click.secho(f"Lịch đợt đánh giá ({timeline.campaign_name}):", bold=True)
    click.echo("  (số ngày tính cả ngày đầu và ngày cuối; hạn nộp là ngày cuối cùng được nộp)")
    for tier in timeline.tiers:
        click.echo(f"  {tier.tier_name}:")
        if not tier.steps:
            click.echo("    (chưa có giai đoạn hay hạn nộp nào)")
        width = max((len(step.dates) for step in tier.steps), default=0)
        for step in tier.steps:
            counts = f" ({step.counts})" if step.counts else ""
            note = f"; {step.note}" if step.note else ""
            click.echo(f"    {step.dates:<{width}}  {step.title}{counts}{note}")


@click.command("calendar")
@click.argument("campaign_file", type=_existing())
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp lịch .ics để mở bằng Outlook, Thunderbird hoặc Google Calendar.",
)
@click.option("--force", is_flag=True, help="Cho phép ghi đè tệp đã có.")
def calendar_cmd(campaign_file: Path, out_file: Path, force: bool) -> None:
    """Xuất lịch đợt đánh giá (mọi giai đoạn và hạn nộp) ra tệp iCalendar (.ics).

    Mỗi giai đoạn, mỗi hạn nộp là một sự kiện cả ngày (giờ Việt Nam), có nhắc trước hạn nộp 3 ngày
    và 1 ngày.
    """
    from letters.usecases.documents import CalendarRequest, export_calendar

    path, timeline = export_calendar(CalendarRequest(campaign_file, out_file, force))
    click.echo(
        f"Đã ghi lịch: {path} ({len(timeline.phases)} giai đoạn, {len(timeline.deadlines)} hạn nộp). "
        "Mở tệp bằng Outlook, Thunderbird hoặc nhập vào Google Calendar."
    )


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
    from letters.usecases.documents import RenderRequest, render_campaign

    with progress_bar("Chuyển sang PDF") as progress:
        result = render_campaign(
            RenderRequest(
                campaign_file,
                out_dir,
                tuple(k.replace("_", "-") for k in kinds),
                pdf,
                pdfa,
                force,
                progress=progress,
            )
        )
    for d in result.warnings:
        click.secho(d.format(), fg="yellow")
    for f in result.documents:
        click.echo(f"Đã tạo {f.label}: {f.path}")
    for f in result.pdfs:
        click.echo(f"Đã tạo {f.label}: {f.path}")


def register(group: click.Group) -> None:
    group.add_command(check_cmd)
    group.add_command(render_cmd)
    group.add_command(calendar_cmd)
    from letters.demo.run import demo_cmd

    group.add_command(demo_cmd)
