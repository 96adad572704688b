"""`vanban remind`: the deadline reminders, for a cron job or a systemd timer when Celery workers run the jobs
(the server's own worker sends them by itself every ten minutes)."""

from __future__ import annotations

from pathlib import Path

import click

from letters.core.errors import VanbanError


@click.command("remind")
@click.option(
    "--data",
    "data_dir",
    default=Path("vanban-data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu của dịch vụ web.",
)
def remind_cmd(data_dir: Path) -> None:
    """Gửi thư nhắc hạn đến các đơn vị chưa gửi kết quả tự đánh giá (hoặc chưa gửi giải trình).

    Chạy bao nhiêu lần cũng được: mỗi thư nhắc chỉ gửi một lần. Dùng cùng các biến môi trường với dịch vụ
    (DATABASE_URL, VANBAN_SMTP_HOST, VANBAN_SMTP_PORT, …). Ví dụ chạy mỗi giờ bằng cron:
    «0 * * * * vanban remind --data /srv/vanban-data».
    """
    from web import server

    if not data_dir.is_dir():
        raise VanbanError(f"Không có thư mục dữ liệu {data_dir}.", hint="Chỉ đúng thư mục bằng --data.")
    server.configure(data_dir)
    from web.deadlines.reminders import send_due_reminders

    report = send_due_reminders()
    click.echo(report.summary())
    if report.failed:
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(remind_cmd)
