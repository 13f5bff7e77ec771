"""One settings module for every environment, driven by environment variables.

Defaults are safe for production (DEBUG off, secure cookies switchable); `make run` turns DEBUG on.
Every variable is listed in README.md and docs/deployment.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (or DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # django.contrib.admin with our site (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "reversion",
    "axes",
    "diagnosis",
    "guides",
    "outcomes",
    "tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML is compressed (static files come pre-compressed from whitenoise above). Django's gzip pads each
    # response with random bytes and CSRF tokens are masked afresh per response: its BREACH mitigations.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Whole pages for anonymous GETs, each visitor's CSRF token and nonce filled in (config/pagecache.py).
    "config.pagecache.PageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out login attempt never reaches the view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------
# SQLite by default; any DATABASE_URL (postgres://…) replaces it.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web use: WAL lets readers run beside one writer; IMMEDIATE takes the write lock
    # at BEGIN, so a waiting writer queues on busy_timeout instead of failing with "database is locked".
    # Connections persist (DB_CONN_MAX_AGE) as on PostgreSQL: reopening the file and re-running the pragmas
    # on every request cost 30-40% of page throughput in `make bench` (docs/performance.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")


REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "") or 0.5)  # seconds to connect or answer


def redis_caches(url):
    """CACHES for a shared Redis at `url` (also used by the tests to point at a Redis that is down).

    config.cache.FailOpenRedisCache: when Redis is unreachable, reads miss and writes are skipped with a logged
    warning, so a dead Redis slows nothing down and fails no page (docs/deployment.md, "When something fails").
    """
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "edu",
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "edu-default",
        }
    }

# Sessions are only for staff in the admin (the checkup keeps its token in a signed cookie), so the database alone
# holds them: a logout on one worker ends the session on every worker, and a cache outage cannot log anyone out
# or bring a logged-out session back. One indexed query per admin request; expired rows go with the daily purge.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Whole-page cache in each worker's memory (config/pagecache.py, docs/performance.md).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_MB", 32) * 1024 * 1024
PAGE_CACHE_HEADER = env_bool("PAGE_CACHE_HEADER", DEBUG)  # X-Page-Cache: hit|stored|miss

# --- People and languages ---------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 365 * 24 * 3600 if not DEBUG else 0

# --- Forms ------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# --- Security ---------------------------------------------------------------
# Production is served over HTTPS, so its protections are on unless HTTPS=0 (local plain-HTTP runs:
# `make serve`, the benchmark and the tests). Behind a TLS-terminating proxy also set BEHIND_TLS_PROXY=1
# so Django trusts the proxy's X-Forwarded-Proto header. Each piece can be switched on its own.
HTTPS = env_bool("HTTPS", not DEBUG)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Preloading HSTS is a promise to browser vendors that the operator makes deliberately (SECURE_HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# django-axes: lock an account at one address after 5 failed admin logins, and an address after
# LOGIN_FAILURES_PER_ADDRESS failures across all usernames, for 15 minutes (config/lockout.py). The address is the
# one the rate limits see (config/proxy.py): behind the proxy, the client's, not the proxy's.
AXES_FAILURE_LIMIT = 5
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "config.lockout.AccountAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "config.proxy.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# How many reverse proxies append to X-Forwarded-For in front of gunicorn; read only when BEHIND_TLS_PROXY is on.
PROXY_COUNT = env_int("PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)

# --- The checkup ------------------------------------------------------------
RESULT_RETENTION_DAYS = env_int("RESULT_RETENTION_DAYS", 30)
# The daily purge (`purge_results`) also erases the words of guide comments and admin login records after these.
COMMENT_RETENTION_DAYS = env_int("COMMENT_RETENTION_DAYS", 90)
LOGIN_RECORD_RETENTION_DAYS = env_int("LOGIN_RECORD_RETENTION_DAYS", 30)
FOLLOW_UP_AFTER_DAYS = env_int("FOLLOW_UP_AFTER_DAYS", 14)  # "你的额度恢复了吗？" appears on the result after this
# Posts a minute per checkup (answers), per result (votes, follow-up, delete) and per browser (guide votes);
# and a ceiling per client address across all of them, high as many people share one address (config/ratelimits.py).
CHECKUP_RATE_LIMIT = env_int("CHECKUP_RATE_LIMIT", 30)
ADDRESS_RATE_LIMIT = env_int("ADDRESS_RATE_LIMIT", 1000)
# Counted in the default cache (per process, or shared through REDIS_URL); a cache that cannot count lets posts
# through, so a dead Redis refuses no one. The address is config.proxy.client_ip, as for AXES_CLIENT_IP_CALLABLE.
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# --- Logging: to stdout, with the request path; answers are never logged, result tokens are redacted -----
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.redact.RedactResultTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
