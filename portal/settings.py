"""Settings of the grant portal, read from the environment.

Every value has a default that makes `make run` work with nothing but Python:
SQLite in the project folder, Celery tasks run eagerly, e-mails printed on the
console, files on the local disk. Production sets the variables listed in README.md.
"""

import ipaddress
import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# The test run uses this same module; it only relaxes what needs a real secret or HTTPS.
TESTING = env_bool("TESTING") or "pytest" in sys.modules

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 (refused below unless DEBUG or tests)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé (voir README.md).")
    SECRET_KEY = DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address in e-mails and calendar files. `make run HOST=…` sets it; production must, or every
# link would send users to 127.0.0.1.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if not SITE_URL:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "SITE_URL doit être défini quand DEBUG est désactivé : c'est l'adresse publique du portail, "
            "utilisée dans les liens des e-mails (par exemple https://portail.exemple.gouv.fr)."
        )
    SITE_URL = "http://127.0.0.1:8000"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.usersessions",
    "allauth.socialaccount.providers.openid_connect",
    "dsfr",
    "django_htmx",
    "widget_tweaks",
    "django_celery_beat",
    "import_export",
    "axes",
    "portal",
    "calls",
    "applications",
    "juries",
    "funding",
    "dashboard",
    "archives",
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.RoleSecurityMiddleware",
    # A read that meets a dropped database connection runs again; a write is asked to retry, input kept.
    "portal.database_faults.DatabaseFaultMiddleware",
    # Last, so that it sees the lockout raised by the authentication backend.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Autosave and submissions write concurrently; wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
SITE_ID = 1

AUTHENTICATION_BACKENDS = [
    # First: refuses any attempt while the account is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Off: with it, every integer a template prints is grouped, so a primary key from 1 000 up
# becomes "1 391" in element ids, hidden inputs and query strings, and forms post it back
# unreadable. Money is grouped by the euros filters (portal_format), which do not depend on it.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded dossiers are private: they live outside the web root and are served
# only by permission-checked views, never under MEDIA_URL by the web server.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
# Files (uploads, receipts, conventions, exports) go through Django's storage API only, so that any web
# node or worker reads what another wrote: on an S3-compatible object store (OVHcloud, Scaleway, Outscale,
# MinIO, Garage…) when STORAGE_BACKEND=s3 or AWS_STORAGE_BUCKET_NAME is set, else under MEDIA_ROOT (one
# machine, the demo). The bucket stays private: downloads are streamed by permission-checked views
# (docs/deployment.md), never by a URL of the bucket.


def object_storage(environ) -> dict:
    """The STORAGES entry of an S3-compatible bucket described by `environ` (AWS_* names, docs/deployment.md)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
            # "path" for MinIO, Garage and most sovereign clouds' endpoints, "virtual" where the provider asks.
            "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": environ.get("AWS_S3_SIGNATURE_VERSION", "s3v4"),
            "location": environ.get("AWS_LOCATION", ""),
            # A name already taken gets a suffix, as on the file system: an upload never replaces another.
            # Generated documents delete their one name first (portal.services.files.file_replace).
            "file_overwrite": False,
            # Private objects: no ACL granted, every download streamed by a permission-checked view.
            "default_acl": None,
            # A download is read into a temporary file: beyond this size on disk, not in the process's memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


STORAGE_BACKEND = (
    os.environ.get("STORAGE_BACKEND", "s3" if os.environ.get("AWS_STORAGE_BUCKET_NAME") else "local").strip().lower()
)
if STORAGE_BACKEND == "s3":
    DEFAULT_STORAGE = object_storage(os.environ)
elif STORAGE_BACKEND == "local":
    DEFAULT_STORAGE = {"BACKEND": os.environ.get("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND doit valoir « local » ou « s3 », pas {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest form is the budget table: at most BUDGET_MAX_LINES lines of BUDGET_FIELDS_PER_LINE
# fields (applications.forms.BudgetFormSet; a test checks both numbers against the form). Django's
# default of 1 000 fields refused a 143-line budget with a bare 400. The limit counts the table's
# lines plus BUDGET_EXTRA_LINES more, so that a table a few lines too long still reaches the form,
# which refuses it in French with every line kept, and 100 fields for the rest of the page
# (management form, CSRF token, version, buttons).
BUDGET_MAX_LINES = 200
BUDGET_EXTRA_LINES = 20
BUDGET_FIELDS_PER_LINE = 8
DATA_UPLOAD_MAX_NUMBER_FIELDS = (BUDGET_MAX_LINES + BUDGET_EXTRA_LINES) * BUDGET_FIELDS_PER_LINE + 100

# E-mail: console by default, SMTP when EMAIL_HOST is set.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portail des appels à projets <no-reply@portail.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Celery: Redis when REDIS_URL is set, otherwise every task runs in the request.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead broker must not hang a request: a publish is one attempt (portal.services.task_outbox), bounded by
# BROKER_TIMEOUT seconds to connect and to get an answer (above kombu's 1 s wait for new work, so that the
# worker's polling is not cut short); the task outbox keeps the work. The task of a worker killed mid-run
# (acks_late: its message is not acknowledged) goes to another worker after visibility_timeout seconds; it
# must exceed the longest task (a task may run twice: tasks are idempotent).
BROKER_TIMEOUT = float(os.environ.get("BROKER_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": BROKER_TIMEOUT,
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}
# After failing to reach Redis, a process leaves it alone for this long: tasks wait in the task outbox, the
# cache answers as an empty one (portal.cache).
REDIS_PAUSE_SECONDS = float(os.environ.get("REDIS_PAUSE_SECONDS", "30"))
# How often beat has the task outbox published: after a broker outage, a receipt waits at most this long
# (plus its rendering) once the broker is back. See docs/operations.md.
TASK_OUTBOX_SWEEP_SECONDS = float(os.environ.get("TASK_OUTBOX_SWEEP_SECONDS", "30"))
# The worker's sign of life for the health page (/sante/detail/), asked by beat this often.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "60"))
# Stored files that nothing references (a failed attempt, an expired export) are removed once this old.
ORPHAN_FILES_GRACE_HOURS = float(os.environ.get("ORPHAN_FILES_GRACE_HOURS", "24"))
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
from celery.schedules import crontab  # noqa: E402  (beat schedules need it; Celery is already a dependency)
from kombu import Exchange, Queue  # noqa: E402  (the task queues below; kombu comes with Celery)

CELERY_BEAT_SCHEDULE = {
    "task-outbox-publish": {"task": "portal.tasks.task_outbox_publish", "schedule": TASK_OUTBOX_SWEEP_SECONDS},
    "heartbeat": {"task": "portal.tasks.heartbeat", "schedule": HEARTBEAT_SECONDS},
    "outbox-send-pending": {"task": "portal.tasks.outbox_send_pending", "schedule": 60.0},
    "receipts-sweep": {"task": "applications.tasks.receipts_sweep", "schedule": 120.0},
    "deliberation-documents-sweep": {"task": "juries.tasks.deliberation_documents_sweep", "schedule": 300.0},
    "opinion-reminders": {"task": "applications.tasks.opinion_reminders_send", "schedule": crontab(hour=8, minute=5)},
    "funding-reminders": {"task": "funding.tasks.reminders_send", "schedule": crontab(hour=8, minute=0)},
    "funding-conventions-in-force": {
        "task": "funding.tasks.conventions_enter_into_force",
        "schedule": crontab(hour=0, minute=15),
    },
    "funding-conventions-render-pending": {"task": "funding.tasks.conventions_render_pending", "schedule": 300.0},
    "orphan-files-purge": {"task": "portal.tasks.orphan_files_purge", "schedule": 3600.0},
    "webhooks-send-pending": {"task": "api.tasks.webhook_deliveries_send", "schedule": 60.0},
}
# Receipts have their own queue, consumed by a worker of their own in production (docker-compose.yml,
# `worker-receipts`): at a deadline, hundreds of PDFs neither wait behind e-mails and exports nor hold them
# up, and their worker process renders them beside the web nodes. A worker started without -Q consumes every
# queue below (one worker is enough for a small installation); `-Q celery` leaves the receipts to theirs.
RECEIPTS_QUEUE = "receipts"
CELERY_TASK_DEFAULT_QUEUE = CELERY_TASK_DEFAULT_EXCHANGE = CELERY_TASK_DEFAULT_ROUTING_KEY = "celery"
# Each queue its own exchange and routing key: a message reaches one queue only.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name), routing_key=name) for name in (CELERY_TASK_DEFAULT_QUEUE, RECEIPTS_QUEUE)
)
CELERY_TASK_ROUTES = {
    "applications.tasks.receipt_generate": {"queue": RECEIPTS_QUEUE},
    "applications.tasks.receipts_sweep": {"queue": RECEIPTS_QUEUE},
}
# Task modules that are not named tasks.py, which the worker would not discover by itself.
CELERY_IMPORTS = ["applications.tasks_exports"]

# Tests run in parallel processes that each clear the cache: a shared Redis would let one
# test wipe another's rate limits and previews, so each test process keeps its own memory cache.
# Without REDIS_URL (the demo, one process) the cache is in memory too; `check --deploy` refuses that
# in production (portal.E003), where every web node must share Redis. Sessions are in the database.
CACHES = {
    "default": (
        {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT},
        }
        if REDIS_URL and not TESTING
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Automation API (api/, docs/api.md): calls per minute and per token, counted in the cache (Redis in
# production, shared by every web node). Webhooks: attempts before a delivery is given up; private
# networks the portal may post to (an administration's own network, e.g. "10.0.0.0/8"), every other
# non-public address being refused; plain HTTP to 127.0.0.1 only in tests (the local receiver).
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "600"))
API_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("API_WEBHOOK_MAX_ATTEMPTS", "8"))
API_WEBHOOK_ALLOWED_NETWORKS = env_list("API_WEBHOOK_ALLOWED_NETWORKS")
API_WEBHOOK_ALLOW_LOOPBACK = TESTING

# Accounts (django-allauth): e-mail only, verified before first login.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Failed logins are counted by django-axes (one lockout for the portal and the admin, listed
# in the admin); allauth keeps only its per-IP burst limit.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Portail AAP] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portail des appels à projets"

# ProConnect (State agents' identity federation) is offered only when configured.
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
PROCONNECT_SECRET = os.environ.get("PROCONNECT_SECRET", "")
PROCONNECT_SERVER_URL = os.environ.get("PROCONNECT_SERVER_URL", "")
PROCONNECT_ENABLED = bool(PROCONNECT_CLIENT_ID and PROCONNECT_SECRET and PROCONNECT_SERVER_URL)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": (
            [
                {
                    "provider_id": "proconnect",
                    "name": "ProConnect",
                    "client_id": PROCONNECT_CLIENT_ID,
                    "secret": PROCONNECT_SECRET,
                    "settings": {
                        "server_url": PROCONNECT_SERVER_URL,
                        "token_auth_method": "client_secret_post",
                        "scope": ["openid", "email", "given_name", "usual_name", "siret"],
                    },
                }
            ]
            if PROCONNECT_ENABLED
            else []
        ),
    }
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True

# Security headers; the strict transport settings only when served over HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The reverse proxies (CIDRs, comma-separated) whose X-Forwarded-For is believed (portal/http.py); empty:
# the portal is reached directly and the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
try:
    [ipaddress.ip_network(cidr, strict=False) for cidr in TRUSTED_PROXIES]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES : {error}") from error
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Optional antivirus scan of every upload (portal.uploads), after the format checks: a command
# reading the file on stdin (exit 0 clean, 1 infected) or a clamd unix socket. Neither set: no scan.
# A scanner that fails or times out refuses the file (fail closed).
ANTIVIRUS_COMMAND = os.environ.get("ANTIVIRUS_COMMAND", "")
ANTIVIRUS_CLAMD_SOCKET = os.environ.get("ANTIVIRUS_CLAMD_SOCKET", "")
ANTIVIRUS_TIMEOUT = float(os.environ.get("ANTIVIRUS_TIMEOUT", "30"))

# Lockout after repeated failures (django-axes), per e-mail address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Administrations reach us through shared proxies: an IP lockout would block a whole ministry.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "portal.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "portal/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2"]
# Axes, audit events and rate limits read the client's address with portal.http.client_ip.
AXES_CLIENT_IP_CALLABLE = "portal.http.client_ip"
# Axes logs every reset at INFO: thousands of lines per test run, nothing a test reads.
AXES_VERBOSE = not TESTING

# Staff, jurors, fund operators and admins must enrol TOTP before doing anything else,
# and their sessions expire sooner. Tests switch enforcement on where they check it.
PORTAL_ENFORCE_MFA = env_bool("PORTAL_ENFORCE_MFA", default=not (DEBUG or TESTING))
PRIVILEGED_SESSION_SECONDS = int(os.environ.get("PRIVILEGED_SESSION_SECONDS", str(2 * 3600)))
USERSESSIONS_TRACK_ACTIVITY = False

# Content Security Policy (django-csp 4): scripts only from here, with a per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # DSFR and htmx set styles from JavaScript; no inline <script> is allowed.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Each app's contribution to "Télécharger mes données" (RGPD).
PERSONAL_DATA_EXPORTERS = ["portal.privacy.export_account", "applications.privacy.export_dossiers"]
# Stored files referenced elsewhere than by a FileField: each callable gets a list of names and returns
# those still in use (portal.services.files, the orphan sweep).
STORED_FILE_REFERENCES = ["portal.jobs.job_files_referenced"]
# The operators' health page (/sante/detail/): each callable returns one HealthCheck (portal.health).
HEALTH_CHECKS = [
    "portal.health.database",
    "portal.health.broker",
    "portal.health.worker",
    "portal.health.beat",
    "portal.health.task_outbox",
    "portal.health.email_outbox",
    "applications.health.pending_receipts",
]
# A monitoring system reads /sante/detail/ in JSON with the header "Authorization: Bearer <HEALTH_TOKEN>";
# empty: only administrators, signed in, see the page.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")
# Rejected, ineligible and withdrawn dossiers lose their personal data after this delay.
RETENTION_REJECTED_DAYS = int(os.environ.get("RETENTION_REJECTED_DAYS", str(2 * 365)))

PORTAL_SERVICE_NAME = "Portail des appels à projets"
PORTAL_SERVICE_TAGLINE = "Innovation et transformation numérique de l'action publique"
# The accessibility statement (/accessibilite/) names who runs the portal and where to report a barrier.
PORTAL_OPERATOR_NAME = os.environ.get("PORTAL_OPERATOR_NAME", "L'équipe du portail des appels à projets")
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports each layout step at INFO: only its warnings matter in the logs. The
    # parsers behind upload checks (portal.uploads) narrate every file they open: what they
    # find is the validator's verdict, logged by it.
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        **{name: {"level": "ERROR"} for name in ("olevba", "crypto", "record_base", "xls_parser", "msoffcrypto")},
    },
}

# Tests create hundreds of users: a fast hash there, the real one everywhere else.
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
