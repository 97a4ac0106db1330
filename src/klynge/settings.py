"""Django settings for Klyngeøkonomi.

Everything that differs between a laptop and production comes from the environment:
``DATABASE_URL`` (default: SQLite in the data folder), ``KLYNGE_DATA_DIR``, ``DJANGO_SECRET_KEY``,
``DJANGO_DEBUG``, ``DJANGO_ALLOWED_HOSTS``, ``EMAIL_URL``-style settings via ``DJANGO_EMAIL_BACKEND``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.utils.translation import gettext_lazy as _

SRC_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SRC_DIR.parent.parent
DATA_DIR = Path(os.environ.get("KLYNGE_DATA_DIR", PROJECT_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# Production unless DJANGO_DEBUG=1 (bin/demo, bin/test and pytest set it; #10).
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # One clear line and exit status 1, not a traceback (klynge serve, klynge ..., gunicorn).
        sys.exit(
            "klynge: DJANGO_SECRET_KEY mangler (is not set): sæt den til en lang tilfældig værdi, "
            "f.eks. python3 -c 'import secrets; print(secrets.token_urlsafe(50))', "
            "eller DJANGO_DEBUG=1 på en udviklingsmaskine."
        )
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    # klynge.web first, so its registration/ templates win over the admin's.
    "klynge.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Login and sessions (#10): lock-out after repeated failures, two-factor login, recovery codes.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "klynge.common",
    "klynge.accounts",
    "klynge.audit",
    "klynge.registry",
    "klynge.ledger",
    "klynge.payouts",
    "klynge.health",
    "klynge.api",
    "klynge.notices",
]

MIDDLEWARE = [
    # First: every log line and the 500 page carry the request's id (#10).
    "klynge.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (compressed, hashed names) straight after the HTTPS redirect and HSTS (#10).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle expiry moves on at most once a minute, not a session write per request (#12).
    "klynge.accounts.sessions.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # An API body over the limit answers 413 before anything reads it, in the request's language (#10).
    "klynge.api.limits.BodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "klynge.accounts.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the Danish lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "klynge.urls"
WSGI_APPLICATION = "klynge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "klynge.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'klynge.sqlite3'}",
        # Production keeps each server process's connection (#12: a new connection and its set-up on
        # every request cost more than many pages' own queries); checked before reuse. Development and
        # the tests open one per request, as Django's test servers expect.
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0" if DEBUG else "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE makes writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login and sessions (#10; klynge.accounts.lockout, .twofactor, .sessions) ---
# django-axes checks every password login first: after KLYNGE_LOGIN_FAILURE_LIMIT failures for one
# username, or from one address, logins are refused for KLYNGE_LOGIN_COOLOFF_MINUTES after the latest
# attempt (or until an administrator lifts the lock on /konto/spaerringer/).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("KLYNGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("KLYNGE_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_LOCKOUT_CALLABLE = "klynge.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a valid login must not wipe an attacker's count against other users
AXES_VERBOSE = False
# The address counted is REMOTE_ADDR; behind KLYNGE_TRUSTED_PROXY_COUNT reverse proxies, the address
# the outermost of them put in X-Forwarded-For (klynge.accounts.lockout.client_ip).
KLYNGE_TRUSTED_PROXY_COUNT = int(os.environ.get("KLYNGE_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "klynge.accounts.lockout.client_ip"
# Two-factor login (TOTP app, recovery codes) is required for these roles and optional for the others.
# KLYNGE_RELAX_TWO_FACTOR=1 lets them log in without it: bin/demo and the test suite only, never
# production (`klynge check` warns when it is on with DEBUG off).
KLYNGE_TWO_FACTOR_ROLES = ["region_approver", "region_officer", "admin"]
KLYNGE_RELAX_TWO_FACTOR = os.environ.get("KLYNGE_RELAX_TWO_FACTOR", "0") == "1"
OTP_TOTP_ISSUER = "Klyngeøkonomi"
# A session ends after KLYNGE_SESSION_IDLE_MINUTES without a request, when the browser closes, and
# on logout (which ends every session of the user, everywhere).
KLYNGE_SESSION_IDLE_MINUTES = int(os.environ.get("KLYNGE_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = KLYNGE_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False  # klynge.accounts.sessions.SlidingSessionMiddleware moves it on
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Danish first; English through Django's i18n. Danish is the source language of our own strings.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("Engelsk"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
# Our own date formats per language (#13): "1. juni 2019" / "1 June 2019", never "09/12/2018".
FORMAT_MODULE_PATH = ["klynge.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("dkfds", PROJECT_DIR / "node_modules" / "dkfds" / "dist"),
    ("htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist"),
    ("chartjs", PROJECT_DIR / "node_modules" / "chart.js" / "dist"),
]
# Production serves static files through WhiteNoise from STATIC_ROOT (collected by `klynge serve` /
# `klynge collectstatic`): hashed names (cached for a year) and gzip. With DEBUG on they are read
# from the apps and STATICFILES_DIRS as they are, so nothing needs collecting (#10).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The cache of what pages keep until the next recorded change (klynge.web.kept, #12). Production:
# one cache on disk shared by every server process, so a figure or a part of a page is made once per
# change, not once in each worker. Development and the tests: each process's memory (cleared per test).
# KLYNGE_CACHE=memory or =files chooses either.
_CACHE = os.environ.get("KLYNGE_CACHE", "memory" if DEBUG else "files")
if _CACHE not in ("memory", "files"):
    sys.exit(f"klynge: KLYNGE_CACHE skal være 'memory' eller 'files' (must be; got {_CACHE!r}).")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 20_000, "CULL_FREQUENCY": 4},
    }
    if _CACHE == "files"
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 3600}
}

# Uploaded documents live outside the web root and are only ever served by a view that checks access.
DOCUMENT_ROOT = DATA_DIR / "documents"
DOCUMENT_MAX_BYTES = int(os.environ.get("KLYNGE_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "klyngeokonomi@example.invalid")
SITE_URL = os.environ.get("KLYNGE_SITE_URL", "http://127.0.0.1:8000")
# Reminders of an unpaid claim (#13, klynge notify): every this many days after its deadline; per
# region code in CLAIM_REMINDER_DAYS_BY_REGION, e.g. {"1081": 7}.
CLAIM_REMINDER_DAYS = int(os.environ.get("KLYNGE_CLAIM_REMINDER_DAYS", "14"))
CLAIM_REMINDER_DAYS_BY_REGION: dict[str, int] = {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every date the product accepts lies between KLYNGE_DATE_MIN and 31 December of the year
# KLYNGE_DATE_MAX_YEARS_AHEAD years after today (klynge.common.dates; #9). The database's CHECK
# constraints use a fixed, wider window (2000-01-01 to 2100-12-31), as it cannot read "today".
KLYNGE_DATE_MIN = dt.date.fromisoformat(os.environ.get("KLYNGE_DATE_MIN", "2000-01-01"))
KLYNGE_DATE_MAX_YEARS_AHEAD = int(os.environ.get("KLYNGE_DATE_MAX_YEARS_AHEAD", "5"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (README, "Production");
    # `klynge check --deploy` is clean with these (#10).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("KLYNGE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("KLYNGE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy on every response (django-csp 4): scripts, styles and fonts from our own
# origin only; no inline script or style anywhere (tests/web/test_csp_pages.py scans every template and
# the pages' HTML). data: images for generated pictures such as a QR code (#10).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# Logs go to standard output, each line with the request's id (klynge.common.middleware; #10).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "klynge.common.middleware.RequestIdLogFilter"},
        "no_traceback": {"()": "klynge.common.middleware.NoTracebackFilter"},
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "line",
        },
        "console_one_line": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id", "no_traceback"],
            "formatter": "line",
        },
    },
    "loggers": {  # a wrong Host header (scanners): one line, not a traceback
        "django.security.DisallowedHost": {"handlers": ["console_one_line"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KLYNGE_LOG_LEVEL", "WARNING")},
}
