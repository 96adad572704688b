"""`vanban serve` (the web service) and `vanban worker` (a Celery worker for a scaled-out service)."""

from __future__ import annotations

from pathlib import Path

import click

from letters.core.errors import VanbanError


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

    if not os.environ.get("VANBAN_BROKER"):
        raise VanbanError(
            "Chưa đặt biến môi trường VANBAN_BROKER (ví dụ redis://127.0.0.1:6379/0).",
            hint="Khi không đặt biến này, vanban serve tự xử lý tác vụ nền, không cần vanban worker.",
        )
    from web import server

    server.configure(data_dir)
    server.worker(concurrency)


_DATA_OPTION = click.option(
    "--data",
    "data_dir",
    default=Path("vanban-data"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu của dịch vụ web.",
)


@click.command("backup")
@click.argument("archive", metavar="TỆP", type=click.Path(dir_okay=False, path_type=Path))
@_DATA_OPTION
def backup_cmd(archive: Path, data_dir: Path) -> None:
    """Sao lưu dịch vụ web (cơ sở dữ liệu và mọi tệp trong thư mục dữ liệu) vào một tệp ZIP.

    Dùng cùng biến DATABASE_URL với dịch vụ khi dịch vụ chạy trên PostgreSQL.
    """
    from web import backup, server

    if not data_dir.is_dir():
        raise VanbanError(f"Không có thư mục dữ liệu {data_dir}.", hint="Chỉ đúng thư mục bằng --data.")
    server.configure(data_dir)
    manifest = backup.create(archive, click.echo)
    click.echo(f"Đã sao lưu vào {archive} (lúc {manifest.created_text}).")


@click.command("restore")
@click.argument(
    "archive", metavar="TỆP", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@_DATA_OPTION
@click.option("--force", is_flag=True, help="Thay dữ liệu đã có trong thư mục dữ liệu và cơ sở dữ liệu.")
def restore_cmd(archive: Path, data_dir: Path, force: bool) -> None:
    """Khôi phục dịch vụ web từ tệp sao lưu vào một thư mục dữ liệu trống.

    Khi đặt DATABASE_URL, các bản ghi được nạp vào cơ sở dữ liệu PostgreSQL đó (phải trống, hoặc thêm --force).
    Tệp sao lưu từ SQLite khôi phục được lên PostgreSQL và ngược lại.
    """
    from web import backup, server

    manifest = backup.check(archive)  # a damaged archive is refused before anything is touched
    with backup.set_aside(data_dir, force=force):
        server.configure(data_dir)
        backup.restore(archive, force=force, echo=click.echo, manifest=manifest)
    click.echo(f"Đã khôi phục bản sao lưu lúc {manifest.created_text} vào {data_dir}.")


def register(group: click.Group) -> None:
    group.add_command(serve_cmd)
    group.add_command(worker_cmd)
    group.add_command(backup_cmd)
    group.add_command(restore_cmd)
