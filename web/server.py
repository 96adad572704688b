"""`vanban serve` and `vanban worker`: start the service on one machine, or a Celery worker beside it."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# What runs beside the service for as long as the process does (the demo PKI's OCSP, CRL and time-stamp
# services). Closed at exit while their threads still run: left to the garbage collector, the close would wait
# forever on a thread the interpreter has already frozen.
_resources = contextlib.ExitStack()
atexit.register(_resources.close)


def configure(data_dir: Path, *, demo: bool = False) -> None:
    """Point Django at the data folder before anything imports the settings."""
    os.environ["VANBAN_DATA"] = str(Path(data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    if demo:
        os.environ["VANBAN_DEMO"] = "1"
    import django

    django.setup()


def prepare(echo: Callable[[str], None], *, demo: bool = False) -> None:
    """Migrations, static files, the first quản trị and (with demo) the sample accounts and campaigns."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from web.accounts.bootstrap import ensure_first_admin

    first = ensure_first_admin()
    if first is not None:
        echo("Đã tạo tài khoản quản trị (chỉ hiện một lần, đổi mật khẩu ở lần đăng nhập đầu):")
        echo(f"  Tên đăng nhập: {first.username}")
        echo(f"  Mật khẩu: {first.password}")
    if demo:
        from web.accounts.demo import DEMO_ACCOUNTS, load_demo_accounts

        agency = load_demo_accounts()
        echo("Chế độ chạy thử: các tài khoản mẫu (cũng hiện ở trang đăng nhập):")
        for account in DEMO_ACCOUNTS:
            echo(f"  {account.role_label}: {account.username} / {account.password}")
        from web.campaigns.demo import load_demo_campaigns

        campaigns = load_demo_campaigns(agency)
        echo(f"Đã nạp {len(campaigns)} hồ sơ chiến dịch mẫu của {agency.name}.")
        from web.issuance.demo import load_demo_signing

        load_demo_signing(agency, echo, _resources)
        from web.assessment.demo import load_demo_year

        load_demo_year(agency, echo)
    from web.jobs.runner import requeue_interrupted

    requeue_interrupted()


def settle_memory() -> None:
    """Put what the service loaded at start (Django, the library, the URLs, the demo) out of the cyclic
    collector's sight. A full collection then walks only what requests made since, instead of the few hundred
    thousand objects that live as long as the process: a pause of about 100 ms every few requests otherwise."""
    import gc

    gc.collect()
    gc.freeze()


def serve(host: str, port: int, echo: Callable[[str], None], *, threads: int = 8) -> None:
    from django.conf import settings
    from waitress import serve as waitress_serve

    from web.jobs.runner import start_worker_thread
    from web.wsgi import application

    if not settings.VANBAN_BROKER:
        start_worker_thread()
    echo(f"vanban đang chạy tại http://{host}:{port}/ (thư mục dữ liệu {settings.DATA_DIR}); Ctrl+C để dừng.")
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    # Static files from the collected folder: one machine needs no separate web server for them.
    app = StaticFilesHandler(application) if not settings.DEBUG else application
    settle_memory()
    # Browsers keep connections open: waitress's default limit of 100 left everyone past the hundredth unit
    # waiting in the backlog in the last hour before a deadline (bench/bench_online_load.py); poll() instead of
    # select() so more than 1,024 open connections do not stop the server.
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="vanban",
        connection_limit=2000,
        asyncore_use_poll=True,
    )


def worker(concurrency: int) -> None:
    from web.jobs.celery import app

    # Threads, not Celery's prefork pool: a job hands its heavy work to process pools of its own (verification,
    # PDF conversion), and a prefork child, being a daemon process, may not start any.
    app.worker_main(["worker", "--loglevel=WARNING", f"--concurrency={concurrency}", "--pool=threads"])
