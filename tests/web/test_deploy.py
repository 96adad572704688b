"""The deployment files in docs/deploy stay runnable: every command they start is a vanban command with options it
has, the compose file has the four services sharing one database and data folder, the systemd units pass
`systemd-analyze verify`, and every variable they set is documented."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from letters.cli.main import cli
from tests.conftest import REPO

DEPLOY = REPO / "docs" / "deploy"
UNITS = ("vanban-web.service", "vanban-worker.service")


def _parses(argv: list[str]) -> None:
    """The arguments after `vanban` are accepted by the command line (parsed, not run)."""
    assert argv[0].endswith("vanban"), argv
    name, *args = argv[1:]
    command = cli.commands[name]
    with command.make_context(name, list(args)) as ctx:
        assert ctx.params


def test_compose_runs_web_worker_redis_and_postgres_on_shared_data() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"web", "worker", "redis", "postgres"}
    assert services["web"]["build"]["dockerfile"] == "docs/deploy/Dockerfile"
    assert (DEPLOY / services["web"]["build"]["context"] / "pyproject.toml").is_file()
    for name in ("web", "worker"):
        _parses(services[name]["command"])
        assert "vanban-data:/data" in services[name]["volumes"]
        assert services[name]["env_file"] == "vanban.env"
    assert services["web"]["command"][1] == "serve" and services["worker"]["command"][1] == "worker"
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "vanban.env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["VANBAN_BROKER"].startswith("redis://redis:6379/")
    assert env["POSTGRES_PASSWORD"] in env["DATABASE_URL"]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    _parses(yaml.safe_load(cmd.group(1)))


def test_systemd_units_start_vanban_commands() -> None:
    for unit in UNITS:
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        exec_start = re.search(r"^ExecStart=(.*)$", text, re.M)
        assert exec_start is not None, unit
        _parses(shlex.split(exec_start.group(1)))
        assert "ReadWritePaths=/var/lib/vanban" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_pass_systemd_analyze(tmp_path: Path) -> None:
    vanban = shutil.which("vanban") or str(Path(__import__("sys").executable).with_name("vanban"))
    for unit in UNITS:
        # The installed program's path, as on a machine where vanban is installed in /opt/vanban.
        text = (DEPLOY / unit).read_text(encoding="utf-8").replace("/opt/vanban/bin/vanban", vanban)
        (tmp_path / unit).write_text(text, encoding="utf-8")
    proc = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / u) for u in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_every_variable_of_the_deployment_is_documented() -> None:
    page = (REPO / "docs" / "environment.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for path in DEPLOY.iterdir():
        names |= set(re.findall(r"\b((?:VANBAN_|DATABASE_URL)[A-Z0-9_]*)", path.read_text(encoding="utf-8")))
    assert {"DATABASE_URL", "VANBAN_BROKER", "VANBAN_ALLOWED_HOSTS"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in page)
    assert not missing, f"document these in docs/environment.md: {missing}"


def test_the_image_copies_what_the_package_is_built_from() -> None:
    import tomllib

    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    copied = {
        part.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for part in line.split()[1:-1]
    }
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= copied, packages - copied
    assert {"pyproject.toml", config["project"]["readme"], *config["project"]["license-files"]} <= copied
