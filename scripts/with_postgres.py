"""Run a command with VANBAN_TEST_DATABASE_URL pointing at a real PostgreSQL: the local server when it answers on
127.0.0.1:5432 with trust authentication, otherwise a temporary cluster started from Debian's binaries and removed
afterwards. `make test` runs the web tests a second time through it:

    python scripts/with_postgres.py .venv/bin/pytest -q tests/web

The command's exit status is this script's.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.web.servers import postgres  # noqa: E402


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    with postgres() as server:
        # The test runner creates (and drops) its own database beside this one, named after it; a random name
        # keeps two runs on a shared server apart.
        name = f"vanban_{secrets.token_hex(4)}"
        url = server.url(name)
        print(f"PostgreSQL: {server.host}:{server.port} (cơ sở dữ liệu kiểm thử test_{name})", flush=True)
        return subprocess.call(argv, env={**os.environ, "VANBAN_TEST_DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
