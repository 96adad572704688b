"""Settings for the worker processes the job tests start: the service's own, plus the test job kinds."""

from web.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.web.jobapp"]  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # The test database file, as the web settings open SQLite: wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
