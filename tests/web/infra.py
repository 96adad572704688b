"""Fixtures for tests that run real service processes beside the test: Redis, `vanban worker` (Celery), and the
URL of the test database those processes share. Import them by name in a test module."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.web import servers

VANBAN = Path(sys.executable).with_name("vanban")


def database_url() -> str:
    """The test database as a URL another process can open (the suite's PostgreSQL database, or the SQLite file
    that web/test_settings.py puts in the test data folder)."""
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(params["NAME"])
        assert name != ":memory:" and "mode=memory" not in name, (
            "a worker process cannot share an in-memory DB"
        )
        return f"sqlite:///{name}"
    assert connection.vendor == "postgresql"
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[servers.PostgresServer]:
    """The PostgreSQL the suite runs on (the second web run of `make test`), or the local one, or a temporary one."""
    url = os.environ.get("VANBAN_TEST_DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        yield servers.PostgresServer(
            parts.hostname or "127.0.0.1", parts.port or 5432, parts.username or "postgres"
        )
        return
    with servers.postgres() as server:
        yield server


def service_env(database_url: str | None = None) -> dict[str, str]:
    """An operator's shell environment for `vanban` commands: nothing of the test run's settings."""
    drop = {
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "VANBAN_TEST_DATABASE_URL",
        "VANBAN_DATA",
        "VANBAN_BROKER",
    }
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with servers.redis() as url:
        yield url


def worker_env(broker: str) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "tests.web.worker_settings",
        "DATABASE_URL": database_url(),
        "VANBAN_DATA": str(settings.DATA_DIR),
        "VANBAN_BROKER": broker,
    }


def start_worker(broker: str, log: Path, concurrency: int = 2) -> subprocess.Popen[bytes]:
    """`vanban worker` as an operator starts it, on the test's database and data folder."""
    from django.conf import settings

    with log.open("wb") as out:
        return subprocess.Popen(
            [str(VANBAN), "worker", "--data", str(settings.DATA_DIR), "--concurrency", str(concurrency)],
            cwd=REPO,
            env=worker_env(broker),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # it and any process it starts form one group, stopped together
        )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # Celery's warm shutdown: running tasks finish first
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # A pool process that outlived its parent would hold the test database open.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture()
def celery_broker(redis_url: str, settings: Any) -> Iterator[str]:
    """This process sends jobs to Redis, as the web service does with VANBAN_BROKER set."""
    from web.jobs.celery import app

    settings.VANBAN_BROKER = redis_url
    previous = app.conf.broker_url
    app.conf.broker_url = redis_url
    _forget_connections(app)
    yield redis_url
    app.conf.broker_url = previous
    _forget_connections(app)


def _forget_connections(app: Any) -> None:
    # Celery keeps the connection pool of the broker it first talked to; forget it so the next send looks up the
    # new broker's (kombu's registry keeps both pools open).
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None


@pytest.fixture()
def celery_worker(celery_broker: str, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = tmp_path / "worker.log"
    proc = start_worker(celery_broker, log)
    yield proc
    stop_worker(proc)


def wait_until(check: Callable[[], bool], seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            detail = log.read_text(errors="replace")[-4000:] if log is not None and log.exists() else ""
            pytest.fail(f"{what} did not happen within {seconds:.0f} s\n{detail}")
        time.sleep(0.1)


PASSWORD_ENV = "VANBAN_TEST_P12_PASSWORD"  # the demo keys' password, as the quản trị names it for a key


def configure_signing(admin: Any, pki: Any, leader: Any, folder: Path, label: str = "") -> dict[str, Any]:
    """The quản trị's part through the configuration page: the agency's key, the director's key (for `leader`),
    the seal and the demo root as the trusted root. The caller sets PASSWORD_ENV to the demo password."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from letters.usecases.signing import write_specimens
    from web.issuance.models import SigningKey

    signature, seal = write_specimens(folder)
    p12 = {"kind": "pkcs12", "password_env": PASSWORD_ENV}
    keys = "/ban-hanh/cau-hinh/khoa/"
    agency_key = {
        "name": f"Cơ quan {label}",
        "purpose": "agency",
        "p12_file": SimpleUploadedFile("co-quan.p12", pki.agency_p12.read_bytes()),
    }
    director_key = {
        "name": f"Giám đốc {label}",
        "purpose": "signer",
        "owner": leader.pk,
        "p12_file": SimpleUploadedFile("giam-doc.p12", pki.director_p12.read_bytes()),
        "image": SimpleUploadedFile("chu-ky.png", signature.read_bytes()),
    }
    for form in (agency_key, director_key):
        response = admin.post(keys, {**p12, **form})
        assert response.status_code == 302, response.content.decode()[-3000:]
    agency = SigningKey.objects.filter(purpose="agency").order_by("-pk").first()
    settings_form = {
        "agency_key": agency.pk,
        "seal": SimpleUploadedFile("con-dau.png", seal.read_bytes()),
        "trust": SimpleUploadedFile("goc.pem", pki.root_path.read_bytes()),
        "level": "B-B",
        "tsa_url": "",
    }
    response = admin.post("/ban-hanh/cau-hinh/luu/", settings_form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return {"agency": agency, "director": SigningKey.objects.filter(purpose="signer").order_by("-pk").first()}
