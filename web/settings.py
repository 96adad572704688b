"""Django settings, read from the environment so one machine or a scaled-out deployment run the same code.

VANBAN_DATA   the data folder (database, uploaded and generated files, secret key); default ./vanban-data
DATABASE_URL  PostgreSQL (postgres://…) instead of SQLite in the data folder
VANBAN_BROKER redis://… to run jobs on Celery workers (`vanban worker`) instead of the server's own worker
VANBAN_DEMO   1 to show the demo accounts on the login page
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

DATA_DIR = Path(os.environ.get("VANBAN_DATA", "vanban-data")).resolve()
FILES_DIR = DATA_DIR / "files"
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    """Generated once per data folder and kept there, so sessions survive a restart."""
    if key := os.environ.get("VANBAN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret-key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("VANBAN_DEBUG") == "1"
DEMO = os.environ.get("VANBAN_DEMO") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("VANBAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("VANBAN_CSRF_ORIGINS", "").split(",") if o]
# Behind a reverse proxy (nginx, the Sở's gateway): the audit log takes the user's address from X-Forwarded-For
# and HTTPS from X-Forwarded-Proto. Never set without a proxy in front: a client could forge both headers.
VANBAN_TRUST_PROXY = os.environ.get("VANBAN_TRUST_PROXY") == "1"
if VANBAN_TRUST_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "web.accounts",
    "web.audit",
    "web.jobs",
    "web.campaigns",
    "web.documents",
    "web.issuance",
    "web.evidence",
    "web.results",
    "web.assessment",
    "web.onboarding",
    "web.selfassess",
    "web.deadlines",
    "web.appraisal",
    "web.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "web.audit.middleware.AuditContextMiddleware",
    "web.accounts.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.accounts.context.roles",
            ],
        },
    }
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets pages read while a job writes; IMMEDIATE takes the write lock at the start of a transaction, so two
    # writers wait for each other instead of failing half-way with "database is locked".
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "vanban.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Login throttle: failed attempts per user name and per address within the window.
LOGIN_MAX_FAILURES = int(os.environ.get("VANBAN_LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW = 15 * 60

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"

# Uploads: limits checked by the views too; Django's own limit guards memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A province's filled forms come in one upload (one per unit, 250 and more); beyond this, one ZIP.
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
# A tier's units are one form of five inputs per unit: a province's 250 communes and more in one save.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_PERMISSIONS = None  # the umask decides, as for every file vanban writes
VANBAN_MAX_UPLOAD_MB = int(os.environ.get("VANBAN_MAX_UPLOAD_MB", "200"))
# Processes that check the files of one evidence verification job (unset: one per core, as `vanban verify`).
VANBAN_VERIFY_JOBS = int(os.environ["VANBAN_VERIFY_JOBS"]) if os.environ.get("VANBAN_VERIFY_JOBS") else None

# Jobs: the server's own worker by default; Celery on Redis when VANBAN_BROKER is set.
VANBAN_BROKER = os.environ.get("VANBAN_BROKER", "")
CELERY_BROKER_URL = VANBAN_BROKER or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# The online campaign's clock (web.assessment.clock): adjustable in demo mode and in tests only, so a demo can
# stand inside the self-assessment window and a test can pass a deadline without sleeping.
VANBAN_CLOCK_ADJUSTABLE = DEMO or os.environ.get("VANBAN_CLOCK_ADJUSTABLE") == "1"
# The address units use, for links in e-mails (reminders, notices): https://dti.example.gov.vn
VANBAN_SITE_URL = os.environ.get("VANBAN_SITE_URL", "").rstrip("/")
# Reminders go to units that have not submitted this many days before each close.
VANBAN_REMINDER_DAYS = tuple(
    int(d) for d in os.environ.get("VANBAN_REMINDER_DAYS", "3,1").split(",") if d.strip().isdigit()
)
# Verify an uploaded evidence file inside the request instead of as a job (benchmarks, small installations).
VANBAN_VERIFY_INLINE = os.environ.get("VANBAN_VERIFY_INLINE") == "1"

# E-mail (reminders, notices): SMTP from the environment; without VANBAN_SMTP_HOST the messages are written to
# the data folder's mail/ instead of being lost.
EMAIL_HOST = os.environ.get("VANBAN_SMTP_HOST", "")
EMAIL_PORT = int(os.environ.get("VANBAN_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("VANBAN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VANBAN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("VANBAN_SMTP_TLS") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("VANBAN_MAIL_FROM", "vanban@localhost")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VANBAN_LOG_LEVEL", "WARNING")},
}
