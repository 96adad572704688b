"""Settings for the test suite: a throw-away data folder, and PostgreSQL when VANBAN_TEST_DATABASE_URL is set
(the web tests run on both SQLite and PostgreSQL)."""

import os
import tempfile

os.environ.setdefault("VANBAN_DATA", tempfile.mkdtemp(prefix="vanban-test-data-"))
if os.environ.get("VANBAN_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["VANBAN_TEST_DATABASE_URL"]

from web.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: hashing is not under test

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not SQLite's in-memory default: the Celery worker processes the job tests start share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-database.sqlite3")}  # noqa: F405
VANBAN_CLOCK_ADJUSTABLE = True  # tests pass deadlines by moving the clock, never by sleeping
