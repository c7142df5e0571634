"""Settings for the portal: one module, driven by environment variables.

The embedded default (no environment variable at all) is a development setup on SQLite
with tasks run in-process. Production sets DEBUG=0 and the variables documented in
README.md; every helper below fails loudly on a malformed value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab as _crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to 50+ random characters when DEBUG=0")

# Citizen ID and phone numbers are encrypted at rest (portal/core/crypto.py): AES-GCM
# keys, the first encrypts and all decrypt (rotation: `manage.py rotate_field_keys`),
# and the key of the keyed hash that finds an ID number. With DEBUG on and none set,
# development keys are derived from SECRET_KEY; with DEBUG=0 both are required (a
# system check names the one missing).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "").strip()
# Read once here: the test runner turns settings.DEBUG off, not this.
FIELD_KEYS_DERIVED_IN_DEVELOPMENT = DEBUG

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Proxies whose X-Forwarded-For is believed (the variable gunicorn reads too, in
# portal/gunicorn.conf.py): login throttling and the public suggestion box's rate limits
# key on the client address (portal/core/net.py). Addresses or CIDR networks;
# docker-compose.yml passes its own network (else every client is the gateway).
TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "treebeard",
    "django_htmx",
    "template_partials",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    # Two-factor authentication (portal/accounts/two_factor.py): TOTP devices and the
    # one-time backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Cross-cutting apps (portal/): they see domain records through small interfaces.
    "portal.core",
    "portal.accounts",
    "portal.reviews",
    "portal.notifications",
    "portal.progress",
    "portal.attachments",
    # Domain apps; dependencies point rectification -> activities -> organizations.
    "organizations",
    "activities",
    "rectification",
    # The instructors' visit log (issue #7): depends on the domain apps above.
    "guidance",
    # PDF reports (issue #5): a registry of report kinds rendered by Celery workers.
    "reports",
    # Classifying and lifting organizations, leadership terms (issue #16).
    "upgrading",
    # Reports sent upward and the bulletins compiled from them (issue #17).
    "bulletins",
    # Data for development and measurement, never imported by the apps above: the demo
    # county of `seed_demo` and the benchmarks' `seed_scale`.
    "demo",
    "scale",
]

MIDDLEWARE = [
    # TRACE, TRACK, CONNECT and OPTIONS answered 405; the Permissions-Policy header.
    "portal.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A write into a closed campaign that a page does not handle itself: the 409 page.
    "portal.core.closed.ClosedCampaignMiddleware",
    # Idle timeout, and the forced password change after a manager set the password.
    "portal.accounts.middleware.SessionSecurityMiddleware",
    # Two-factor: a user who must use it reaches only enrolment until verified.
    "portal.accounts.two_factor.TwoFactorMiddleware",
    # The audit log of writes and downloads (who, when, from which address).
    "portal.accounts.audit.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it inspects the response of failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.navigation",
            ],
            # `{% url %}` remembering what it reversed (portal/core/reversing.py, #20).
            "builtins": ["portal.core.templatetags.cached_url"],
        },
    },
]
# Django's form renderer with the plainest widgets written out without templates: the
# same markup for less CPU (portal/core/form_renderer.py, issue #20).
FORM_RENDERER = "portal.core.form_renderer.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an in-process task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Credential spraying: one username failing from many addresses (accounts/throttle.py).
    "portal.accounts.throttle.UsernameThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

# Checked whenever a password is set or changed through a form (existing passwords,
# the demo's and the tests', are not re-checked: nobody is locked out by the policy).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not built from the username, the name or the phone number (accounts/validators.py).
    {"NAME": "portal.accounts.validators.PersonalDataValidator"},
    # Not one of the last PASSWORD_HISTORY passwords.
    {"NAME": "portal.accounts.validators.PasswordHistoryValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock the username *and* the address pair after
# repeated failures, so one user cannot lock another out from elsewhere.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The client address as the public box sees it: X-Forwarded-For only from TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "portal.core.net.client_address"
# Credential spraying (one password tried on many usernames, or one username from many
# addresses, each below the pair limit above): failures per username counted across
# addresses over a long window; past the limit that username is refused for a SHORT
# while after each failure, so a stranger cannot keep its owner out for long.
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20)
LOGIN_USERNAME_WINDOW_HOURS = env_int("LOGIN_USERNAME_WINDOW_HOURS", 24)
LOGIN_USERNAME_LOCK_MINUTES = env_int("LOGIN_USERNAME_LOCK_MINUTES", 5)

# Two-factor authentication (TOTP, django-otp): required for site administrators and
# account managers unless TWO_FACTOR_REQUIRED=0; the embedded default (DEBUG=1, the
# demo) leaves it optional, production requires it (check --deploy warns when it is off).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
# Wrong codes after the password before the login attempt is refused for a while.
TWO_FACTOR_FAILURE_LIMIT = env_int("TWO_FACTOR_FAILURE_LIMIT", 5)
TWO_FACTOR_LOCK_MINUTES = env_int("TWO_FACTOR_LOCK_MINUTES", 15)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Campaign portal")
# Our own per-account limit above replaces django-otp's per-device back-off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# The audit log is kept at least this many days (180 is the floor, enforced here and by
# the database triggers); `manage.py purge_audit` removes older rows.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", AUDIT_RETENTION_MIN_DAYS)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS={AUDIT_RETENTION_DAYS} is below the minimum of "
        f"{AUDIT_RETENTION_MIN_DAYS} days"
    )

# django-guardian: anonymous users never get object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Development and tests find static files per request (no scan of STATIC_ROOT, which
# may be absent or rewritten by a collectstatic elsewhere); production serves the
# collected, hashed files.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploaded files are never served by URL: a permission-checked view streams them.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": env_str("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Spreadsheet imports (organizations/imports/reading.py): limits on an .xlsx archive,
# checked before any XML is parsed; past IMPORT_REQUEST_MAX_XML_MB a workbook is
# parsed only by the worker. See docs/operations.md.
IMPORT_XLSX_MAX_PART_MB = env_int("IMPORT_XLSX_MAX_PART_MB", 64)
IMPORT_XLSX_MAX_TOTAL_MB = env_int("IMPORT_XLSX_MAX_TOTAL_MB", 128)
IMPORT_XLSX_MAX_RATIO = env_int("IMPORT_XLSX_MAX_RATIO", 100)
IMPORT_REQUEST_MAX_XML_MB = env_int("IMPORT_REQUEST_MAX_XML_MB", 16)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# Redis: when unset, Celery tasks run in-process (embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
# A worker child past this resident size (KiB) is replaced after its task: one large
# import or report cannot keep the memory. docker-compose.yml also caps the container.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Above the task time limit, so a long render is not redelivered while it runs.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "max_retries": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Workers (and beat) keep reconnecting to a Redis that went away, for ever, at start-up
# too; web requests never wait on it: they send through portal.core.queue (one attempt,
# short timeouts, no publish retry) and record what was not sent for a beat task.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = TIME_ZONE
# Beat schedules only while it holds a lock in Redis (portal/core/beat.py): a second
# beat started by mistake stands by instead of sending every periodic task twice.
CELERY_BEAT_SCHEDULER = "portal.core.beat:LockedScheduler"
# Periodic tasks, run by `celery -A portal beat` (docker-compose service `beat`,
# scripts/run-production.sh). Empty until an app has a periodic task; each entry is
# {"name": {"task": "app.tasks.fn", "schedule": crontab(...)}}.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}
# The daily reminders (rectification/reminders.py): deadlines in 7/3/1 days, overdue
# items, materials not submitted as a phase ends. 07:30 in CELERY_TIMEZONE (= TIME_ZONE,
# Asia/Shanghai by default), before the working day starts.
CELERY_BEAT_SCHEDULE["daily-reminders"] = {
    "task": "rectification.tasks.daily_reminders",
    "schedule": _crontab(hour=7, minute=30),
}
# Report requests that never reached the broker (Redis was down) or were lost with it
# are sent again, renders whose worker died (no heartbeat for 45 s) are requeued, every
# 15 s (reports/tasks.py): a dead worker delays a report by a minute, not ten.
CELERY_BEAT_SCHEDULE["resend-reports"] = {
    "task": "reports.tasks.resend_reports",
    "schedule": 15.0,
}
# Import steps whose message was lost or whose worker died are sent again every
# minute; previews never confirmed and abandoned jobs lose their files hourly
# (organizations/tasks.py).
CELERY_BEAT_SCHEDULE["resend-imports"] = {
    "task": "organizations.tasks.resend_imports",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["expire-imports"] = {
    "task": "organizations.tasks.expire_imports",
    "schedule": _crontab(minute=20),
}
# Notification e-mail copies that never reached the broker (Redis was down) or were
# lost with it are queued again every minute (portal/notifications/tasks.py).
CELERY_BEAT_SCHEDULE["resend-notification-emails"] = {
    "task": "portal.notifications.tasks.resend_notification_emails",
    "schedule": 60.0,
}
# The requirement roll-up (portal/progress/rollup.py): rows whose date has come (an
# item passing its deadline) or left marked by a lost task, every five minutes; and a
# full recomputation at night as a safety net.
# A page reading the roll-up recomputes up to this many stale rows itself (about a
# second per thousand); more are left to the worker and the page says so.
PROGRESS_RECOMPUTE_IN_REQUEST = env_int("PROGRESS_RECOMPUTE_IN_REQUEST", 2000)
CELERY_BEAT_SCHEDULE["refresh-standings"] = {
    "task": "portal.progress.tasks.refresh_standings",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["rebuild-standings"] = {
    "task": "portal.progress.tasks.rebuild_standings",
    "schedule": _crontab(hour=2, minute=40),
}
# Stored PDF files of done report requests are deleted after this many days (the
# request stays, "expired", and its page offers to make it again); daily at 03:15.
REPORTS_RETENTION_DAYS = env_int("REPORTS_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["expire-reports"] = {
    "task": "reports.tasks.expire_reports",
    "schedule": _crontab(hour=3, minute=15),
}
# Files chosen in a form the server rejected are kept this long for the user to send
# the form again (portal/attachments/pending.py), then removed; hourly.
PENDING_UPLOAD_HOURS = env_int("PENDING_UPLOAD_HOURS", 24)
CELERY_BEAT_SCHEDULE["remove-expired-pending-uploads"] = {
    "task": "portal.attachments.tasks.remove_expired_pending_uploads",
    "schedule": _crontab(minute=20),
}
# Test hook: seconds each report render sleeps before WeasyPrint runs, so the
# worker-kill test can kill a worker mid-render. 0 (off) unless set.
REPORTS_TEST_RENDER_DELAY = env_int("REPORTS_TEST_RENDER_DELAY", 0)

# The cache holds rate limits (the suggestion box, the per-username login limit): it
# must be shared by every web process. Redis when there is one; without Redis in
# production the database (table portal_cache, created by the core app's migration);
# local memory only for development and tests (one process).
# Short timeouts: a page that finds Redis unreachable computes without the cache
# (portal/core/cache.py) after at most a fraction of a second, never a 500.
CACHE_SOCKET_TIMEOUT = 0.5
CACHE_TABLE = "portal_cache"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
            },
        }
    }
elif not DEBUG:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Django's default of 300 entries is soon reached in a county (a dashboard's
            # figures per subtree version, a checklist per organization): past it, every
            # write deletes a third of the table in key order, the checklists first
            # (issue #20). Entries expire within the hour anyway.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# E-mail copies of in-app notifications (portal/notifications), off by default.
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", False)

# Content Security Policy (django-csp 4): no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Django's database sessions, read with a written-out SELECT (portal/accounts/sessions.py).
SESSION_ENGINE = "portal.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
# Absolute lifetime of a login, and the idle timeout (accounts/middleware.py): a
# session unused for SESSION_IDLE_MINUTES ends.
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
# The last-activity time in the session is rewritten at most this often (one write a
# minute, not one per request).
SESSION_IDLE_TOUCH_SECONDS = env_int("SESSION_IDLE_TOUCH_SECONDS", 60)
# JavaScript never reads the CSRF cookie: htmx sends the token from hx-headers on <body>.
CSRF_COOKIE_HTTPONLY = True
# A form sent from an expired page: a page in the user's language leading back to it.
CSRF_FAILURE_VIEW = "portal.core.views.csrf_failure"
# Browser features the portal never uses, refused for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: sent only over https, to this host, for the whole site; no
    # subdomain can set or shadow them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs every request it inspects at INFO; only its warnings (lockouts) matter.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO (reports/rendering.py).
        "weasyprint.progress": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in-process (embedded mode): Celery's "task succeeded" line after every
    # write (the requirement roll-up's refresh) and kombu's note that the in-memory
    # broker has no host name are noise on the console; failures still show.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# Product labels used by templates.
PORTAL_NAME = _("Campaign portal")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "")
