"""Real PostgreSQL and Redis servers for the tests and benches: the ones already listening on their usual ports
when they answer, otherwise throw-away servers started from Debian's binaries in a temporary folder.

Used by the test fixtures (tests/web/conftest.py), by `scripts/with_postgres.py` (the second web test run of
`make test`) and by the web benches. Nothing here imports Django.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_for(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not _answers(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer on 127.0.0.1:{port} within {seconds:.0f} s")
        time.sleep(0.05)


# --- PostgreSQL -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}"

    def _connect(self, database: str = "postgres"):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def create_database(self, prefix: str = "vanban_test") -> str:
        name = f"{prefix}_{secrets.token_hex(4)}"
        with self._connect() as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        return name

    def drop_database(self, name: str) -> None:
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_bin(name: str) -> Path | None:
    """A PostgreSQL server program from Debian's versioned folders, newest version first."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]) if found else None


def _existing_postgres() -> PostgresServer | None:
    """The server on 127.0.0.1:5432 when it lets the postgres user in without a password (trust)."""
    if not _answers(5432):
        return None
    server = PostgresServer("127.0.0.1", 5432, os.environ.get("PGUSER", "postgres"))
    try:
        with server._connect():
            return server
    except Exception:  # noqa: BLE001 - any refusal means: start our own
        return None


def _as_unprivileged() -> tuple[list[str], int | None, int | None]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    if os.geteuid() != 0:
        return [], None, None
    entry = pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"], entry.pw_uid, entry.pw_gid


@contextlib.contextmanager
def temporary_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster in a temporary folder on a free port, trust authentication, removed at the end."""
    initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql): run `make system`")
    prefix, uid, gid = _as_unprivileged()
    root = Path(tempfile.mkdtemp(prefix="vanban-pg-"))
    data, log = root / "data", root / "server.log"
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *prefix,
                str(initdb),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        # Durability is not under test: no fsync makes the suite's many small transactions cheap.
        options = (
            f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*prefix, str(pg_ctl), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            env=env,
        )
        _wait_for(port, 30, "PostgreSQL")
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                env=env,
            )
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def postgres() -> Iterator[PostgresServer]:
    """The local PostgreSQL when one answers with trust authentication, otherwise a temporary cluster."""
    existing = _existing_postgres()
    if existing is not None:
        yield existing
        return
    with temporary_postgres() as server:
        yield server


@contextlib.contextmanager
def postgres_database(server: PostgresServer, prefix: str = "vanban_test") -> Iterator[str]:
    """A throw-away database's URL on the server, dropped at the end."""
    name = server.create_database(prefix)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


# --- Redis ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A Redis URL: a database of its own on the local server on 6379 when one answers, otherwise a
    redis-server started on a free port with nothing written to disk."""
    if _answers(6379):
        # Database 13 is unlikely to hold anything else; it is flushed before and after.
        url = "redis://127.0.0.1:6379/13"
        _flush(url)
        try:
            yield url
        finally:
            _flush(url)
        return
    with temporary_redis() as url:
        yield url


@contextlib.contextmanager
def temporary_redis() -> Iterator[str]:
    """A redis-server of our own on a free port, nothing written to disk, stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian package redis-server): run `make system`")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="vanban-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            folder,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, 20, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _flush(url: str) -> None:
    import redis as redis_client

    client = redis_client.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
