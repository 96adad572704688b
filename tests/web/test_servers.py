"""The throw-away servers the tests fall back on when the machine runs no PostgreSQL or Redis of its own."""

from __future__ import annotations

import socket

import psycopg
import redis as redis_client

from tests.web.servers import postgres_database, temporary_postgres, temporary_redis


def test_a_temporary_postgres_cluster_serves_a_throw_away_database_and_goes_away() -> None:
    with temporary_postgres() as server:
        with postgres_database(server) as url:
            with psycopg.connect(url) as conn:
                conn.execute("CREATE TABLE t (x text)")
                conn.execute("INSERT INTO t VALUES ('Sở Khoa học và Công nghệ')")
                assert conn.execute("SELECT x FROM t").fetchone() == ("Sở Khoa học và Công nghệ",)
        port = server.port
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # stopped


def test_a_temporary_redis_server_answers_and_stops() -> None:
    with temporary_redis() as url:
        client = redis_client.Redis.from_url(url)
        client.set("vanban", "đang chạy")
        assert client.get("vanban") == "đang chạy".encode()
        client.close()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
