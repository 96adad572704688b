"""`vanban serve` (the web service) and `vanban worker` (a Celery worker for a scaled-out service)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Địa chỉ nghe (0.0.0.0 để máy khác truy cập)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Cổng.")
@click.option(
    "--data",
    "data_dir",
    default=Path("vanban-data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu: cơ sở dữ liệu, tệp tải lên và văn bản tạo ra.",
)
@click.option(
    "--demo", is_flag=True, help="Nạp hồ sơ mẫu, hạ tầng khoá mẫu và tài khoản mẫu của mọi vai trò."
)
def serve_cmd(host: str, port: int, data_dir: Path, demo: bool) -> None:
    """Chạy dịch vụ web của vanban trên máy này (mặc định http://127.0.0.1:8000)."""
    from web import server

    server.configure(data_dir, demo=demo)
    server.prepare(click.echo, demo=demo)
    server.serve(host, port, click.echo)


@click.command("worker")
@click.option(
    "--data",
    "data_dir",
    default=Path("vanban-data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu dùng chung với dịch vụ web.",
)
@click.option(
    "--concurrency", default=2, show_default=True, type=click.IntRange(1, 64), help="Số tiến trình."
)
def worker_cmd(data_dir: Path, concurrency: int) -> None:
    """Chạy tiến trình xử lý tác vụ nền (Celery) khi đặt biến VANBAN_BROKER=redis://…"""
    import os

    from letters.core.errors import VanbanError

    if not os.environ.get("VANBAN_BROKER"):
        raise VanbanError(
            "Chưa đặt biến môi trường VANBAN_BROKER (ví dụ redis://127.0.0.1:6379/0).",
            hint="Khi không đặt biến này, vanban serve tự xử lý tác vụ nền, không cần vanban worker.",
        )
    from web import server

    server.configure(data_dir)
    server.worker(concurrency)


def register(group: click.Group) -> None:
    group.add_command(serve_cmd)
    group.add_command(worker_cmd)
