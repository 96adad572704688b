"""The README's two commands, exactly as written there, from a copy of the checkout.

`make demo` runs for real in the copy, with this checkout's .venv linked in (its install stamp is honoured, so
nothing is reinstalled). `make test` cannot run inside the suite it starts; it is checked structurally
instead: CI runs exactly the README's command, and the Makefile's test target runs every gate, in order.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_checkout

README = REPO / "README.md"
VENV = REPO / ".venv"
GATES = ["ruff check .", "ruff format --check .", "mypy", "lint-imports"]


def readme_command(word: str) -> str:
    """The command of the README's first bash block that has `word` among its words, comment stripped."""
    block = re.search(r"^```bash\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)
    assert block, "README.md has no bash block"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    found = [c for c in commands if word in shlex.split(c)]
    assert len(found) == 1, f"expected one «{word}» command in README's first bash block, got {found}"
    return found[0]


def make_recipe(target: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines (without the leading @ and $(VENV)/bin/)."""
    lines = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    prerequisites = lines[start].split(":", 1)[1].split()
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().removeprefix("@").removeprefix("$(VENV)/bin/"))
    return prerequisites, recipe


def _user_env() -> dict[str, str]:
    """The environment of a user at a shell: nothing from the make or pytest run this test is part of."""
    drop = {"SOFTHSM2_CONF", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTEST_CURRENT_TEST", "COV_CORE_SOURCE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _tree(root: Path) -> set[str]:
    skip = {".venv", "outputs", "__pycache__"}
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(root).parts)
    }


@pytest.mark.slow
@pytest.mark.soffice
@pytest.mark.hsm
def test_readme_demo_command_in_a_fresh_checkout(tmp_path: Path) -> None:
    command = readme_command("demo")
    checkout = copy_checkout(tmp_path / "vanban")
    stamp = VENV / ".installed"
    if not stamp.is_file():
        pytest.fail(f"{VENV} was not installed by the Makefile: run `make test` once first.", pytrace=False)
    (checkout / ".venv").symlink_to(VENV, target_is_directory=True)
    env = _user_env()

    def installed() -> bool:
        question = subprocess.run(["make", "-q", ".venv/.installed"], cwd=checkout, env=env)
        assert question.returncode in (0, 1), question
        return question.returncode == 0

    # The Makefile's install stamp works through the link: a pyproject.toml newer than it asks for a
    # reinstall, one no newer does not. The suite already runs on this .venv, so it is taken as installed;
    # a reinstall from here would also point the shared editable install at this temporary copy.
    # Nanoseconds: a float time can round up past the stamp's and make the copy look out of date.
    installed_at = stamp.stat().st_mtime_ns
    later = installed_at + 60 * 10**9
    os.utime(checkout / "pyproject.toml", ns=(later, later))
    assert not installed()
    os.utime(checkout / "pyproject.toml", ns=(installed_at, installed_at))
    assert installed()
    # The linked .venv's editable install points at this checkout; run the copy's own code instead.
    env["PYTHONPATH"] = str(checkout)
    before = _tree(checkout)

    proc = subprocess.run(
        command, shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=900
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    out = checkout / "outputs"
    assert f"Mở thư mục {out.resolve()} để xem văn bản." in proc.stdout
    examples = [p.stem for p in (checkout / "examples").glob("*.yaml")]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [*examples, "ket-qua", "kiem-tra", "ky-so", "pki-mau"]
    )
    assert (out / "ky-so" / "bacgiang-2023" / "2023-ke-hoach.ban-hanh.pdf").is_file()
    assert (out / "kiem-tra" / "bao-cao" / "report.html").is_file()
    assert "5 đạt, 5 cần nộp lại" in proc.stdout
    # Everything the demo writes goes under outputs/; the rest of the checkout is left as cloned.
    assert _tree(checkout) == before


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = readme_command("test")
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == [command]


def test_make_test_installs_then_runs_every_gate_in_order() -> None:
    assert readme_command("test") == "make test"
    prerequisites, recipe = make_recipe("test")
    assert prerequisites == ["system", "$(STAMP)"]
    assert recipe[: len(GATES)] == GATES
    assert len(recipe) == len(GATES) + 2
    pytest_line = recipe[len(GATES)].split()
    assert pytest_line[0] == "pytest"
    assert {"--cov=letters", "--cov=signing"} <= set(pytest_line)
    assert any(arg.startswith("--cov-report=term") for arg in pytest_line)
    # Then the web tests again, on PostgreSQL: the launcher starts a server when none answers.
    postgres_line = recipe[-1].split()
    assert postgres_line[:2] == ["$(PY)", "scripts/with_postgres.py"]
    assert postgres_line[2].endswith("/pytest") and "tests/web" in postgres_line[3:]
    assert (REPO / "scripts" / "with_postgres.py").is_file()


def test_the_gates_check_what_the_readme_promises() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]
    assert {"letters", "signing"} <= set(tool["mypy"]["files"])
    assert tool["importlinter"]["root_packages"] and tool["importlinter"]["contracts"]
    # `make test` installs the gates it runs.
    dev = {re.split(r"[<>=\[;]", d)[0].strip() for d in config["project"]["optional-dependencies"]["dev"]}
    assert {"ruff", "mypy", "import-linter", "pytest", "pytest-cov"} <= dev
