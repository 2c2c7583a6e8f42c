"""The one settings module of Frontline, driven by typed environment variables.

Local defaults are safe for a single machine (SQLite in ./var, DEBUG off unless asked).
With FRONTLINE_ENV=production the process refuses to start without SECRET_KEY and
ALLOWED_HOSTS. See docs/operations.md for every variable.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from frontline.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent  # src/frontline
PROJECT_DIR = BASE_DIR.parent.parent  # the checkout
VAR_DIR = Path(env_str("FRONTLINE_VAR_DIR", str(PROJECT_DIR / "var")))

ENVIRONMENT = env_str("FRONTLINE_ENV", "local")  # local | production | test
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
# Earlier keys, newest first, still accepted when checking signatures (sessions, the QR codes
# of printed documents) so that SECRET_KEY can be rotated (docs/security.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters in production"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
else:
    # A local key, stable per checkout, never used in production.
    SECRET_KEY = SECRET_KEY or "local-only-insecure-key-" + "x" * 40  # noqa: S105
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Key for encrypting personal data at rest and for the keyed blind index. Separate from
# SECRET_KEY so that rotating sessions does not lose data. A urlsafe base64 32-byte key
# (Fernet); several, comma-separated, newest first, allow rotation.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = ["bG9jYWwtb25seS1pbnNlY3VyZS1maWVsZC1rZXktMDA="]
# The key of the blind index (exact lookup of document numbers). Unset, it is derived from the
# oldest encryption key (the last one), so adding a new key in front changes nothing; set it
# before retiring that key, then run `manage.py rotate_keys`.
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_countries",
    # Before django_tasks_db: its `db_worker` command is frontline.core's (with heartbeats and
    # the recovery of tasks a dead worker left running).
    "frontline.core",
    "django_tasks",
    "django_tasks_db",
    "frontline.areas",
    "frontline.accounts",
    "frontline.people",
    "frontline.documents",
    "frontline.arrivals",
    "frontline.observation",
    "frontline.reports",
    "frontline.portal",
    "frontline.linguists",
    "frontline.knowledge",
    "frontline.helpdesk",
    "frontline.incidents",
    "frontline.audit",
    "frontline.notify",
    "frontline.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "frontline.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "frontline.core.middleware.RequestSizeLimitMiddleware",
    "frontline.core.middleware.RejectNulMiddleware",
    "frontline.accounts.middleware.SessionTimeoutMiddleware",
    "frontline.accounts.middleware.TwoFactorRequiredMiddleware",
    "frontline.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "frontline.urls"
WSGI_APPLICATION = "frontline.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "frontline.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded SQLite by default (WAL, so the web process and the worker share it);
# DATABASE_URL=postgres://user@host:5432/name for PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # pg_trgm and C.UTF-8 ctype are needed for Chinese search (DESIGN.md traps).
        DATABASES["default"]["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
        # No JIT: our queries are short, indexed and many; JIT compilation added seconds to
        # lists whose planner cost crossed its threshold (measured in bench/observation.py).
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "frontline.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": env_str("FRONTLINE_TEST_SQLITE", "") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# A local-memory cache is enough for one process; set CACHE_URL-like REDIS_URL for several.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# Each worker writes a heartbeat every TASKS_HEARTBEAT_SECONDS. A task left running by a
# worker that is gone (its process ended on this machine, or no heartbeat from another machine
# for TASKS_LEASE_SECONDS) is queued again, at most TASKS_MAX_ATTEMPTS times in all.
TASKS_HEARTBEAT_SECONDS = env_int("TASKS_HEARTBEAT_SECONDS", 10, minimum=1)
TASKS_LEASE_SECONDS = env_int("TASKS_LEASE_SECONDS", 120, minimum=10)
TASKS_MAX_ATTEMPTS = env_int("TASKS_MAX_ATTEMPTS", 3, minimum=1)
# How long the answers to API requests sent with an Idempotency-Key are kept.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=1)

# --- Authentication -------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Two-factor login (TOTP) for roles that see personal data. The demo turns it off.
FRONTLINE_REQUIRE_2FA = env_bool("FRONTLINE_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Frontline"

# django-axes: lock out a username *from one address*: the whole transfer-point desk
# shares one IP, so locking the IP alone would lock every registrar at once.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "frontline.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)

# Session timeouts: after inactivity, and absolutely after login.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
# A password someone else set (a new account, a manager's reset) signs in for this long; after
# that, unused, it is refused and the manager sets a new one (ASVS 6.4.1).
INITIAL_PASSWORD_VALID_HOURS = env_int("INITIAL_PASSWORD_HOURS", 72, minimum=1)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
# Everything a traveller reads (portal, messages, documents) exists in these languages;
# Arabic and Persian are written right to left. Names are the languages' own names.
TRAVELLER_LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("ru", "Русский"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("de", "Deutsch"),
    ("pt", "Português"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
]
RTL_LANGUAGES = {"ar", "fa"}
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "frontline_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
LANGUAGE_COOKIE_HTTPONLY = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
LOCALE_PATHS = [BASE_DIR / "locale"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", PRODUCTION)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve static files straight from the apps in local mode; production serves collected ones.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = False
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_MB", 5, minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "frontline.accounts.authentication.ApiTokenAuthentication",
        "frontline.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "frontline.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "frontline.api.schema.FrontlineAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_USER_RATE", "6000/min"),
        "anon": env_str("API_ANON_RATE", "60/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Behind N reverse proxies the client is the Nth address from the right of
    # X-Forwarded-For; with 0 (no proxy) the header is ignored, so it cannot forge the
    # address the anonymous rate limit counts.
    "NUM_PROXIES": env_int("PROXY_COUNT", 0, minimum=0),
    "DEFAULT_PARSER_CLASSES": [
        "frontline.api.parsers.JSONParser",
        "frontline.api.parsers.FormParser",
        "frontline.api.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "frontline.api.exceptions.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Frontline API",
    "DESCRIPTION": (
        "REST API of Frontline. Every list and object is restricted to the caller's "
        "jurisdiction; an object outside it answers 404, exactly like one that does not exist. "
        "Authenticate with `Authorization: Token <key>` (create a key on your account page)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps get their own enum names.
    "ENUM_NAME_OVERRIDES": {
        "CountryCodeEnum": "django_countries.countries",
        "RoleEnum": "frontline.accounts.roles.Role",
        "ObservationKindEnum": "frontline.observation.models.ObservationKind",
        "ObservationStatusEnum": "frontline.observation.models.ObservationStatus",
        "RoomKindEnum": "frontline.observation.models.RoomKind",
        "RoomStatusEnum": "frontline.observation.models.RoomStatus",
        "AlertKindEnum": "frontline.observation.models.AlertKind",
        "AlertStatusEnum": "frontline.observation.models.AlertStatus",
        "HealthCheckSymptomsEnum": "frontline.observation.models.Symptom",
        "IncidentStatusEnum": "frontline.incidents.models.IncidentStatus",
        "StepStatusEnum": "frontline.incidents.models.StepStatus",
        "ReportKindEnum": "frontline.incidents.models.ReportKind",
        "ReportStatusEnum": "frontline.incidents.models.ReportStatus",
        "OpinionStatusEnum": "frontline.incidents.models.OpinionStatus",
        "ContactKindEnum": "frontline.incidents.models.ContactKind",
        "MeetingKindEnum": "frontline.reports.models.MeetingKind",
        "SubmissionStatusEnum": "frontline.reports.models.SubmissionStatus",
    },
}

# --- Person registry ------------------------------------------------------------------------
# "Arrived within N days" and "from a risk country in the past N days" use this N.
RECENT_ARRIVAL_DAYS = env_int("RECENT_ARRIVAL_DAYS", 14, minimum=1)
# Arrivals: how long a traveller's QR pass and edit link stay valid, how long a destination
# has to confirm a hand-over batch before the alert, and the portal's rate limit per address
# (posts per window of seconds; shared between processes only with REDIS_URL).
ARRIVALS_PASS_MAX_AGE_DAYS = env_int("ARRIVALS_PASS_MAX_AGE_DAYS", 10, minimum=1)
ARRIVALS_CONFIRM_MINUTES = env_int("ARRIVALS_CONFIRM_MINUTES", 120, minimum=1)
PORTAL_RATE_LIMIT = env_int("PORTAL_RATE_LIMIT", 30, minimum=1)
PORTAL_RATE_WINDOW = env_int("PORTAL_RATE_WINDOW", 600, minimum=1)
# Arrivals never checked in (expected, pre-registered, cancelled; no Person) are deleted this
# many days after their arrival date, by the daily purge acting as ARRIVALS_PURGE_AS (empty:
# the observation purge's account, OBSERVATION_PURGE_AS) or by `manage.py arrivals_purge`.
ARRIVALS_UNCLAIMED_RETENTION_DAYS = env_int("ARRIVALS_UNCLAIMED_RETENTION_DAYS", 30, minimum=1)
ARRIVALS_PURGE_AS = env_str("ARRIVALS_PURGE_AS", "")
# Medical observation: the default length when no policy is in force, the fever threshold,
# the hours between which the day's checks are due, and how long after an observation closes
# its person's personal data are purged (when nothing else keeps them).
OBSERVATION_DEFAULT_DAYS = env_int("OBSERVATION_DEFAULT_DAYS", 14, minimum=1)
OBSERVATION_FEVER_C = float(env_str("OBSERVATION_FEVER_C", "37.3"))
OBSERVATION_DAY_START_HOUR = env_int("OBSERVATION_DAY_START_HOUR", 6, minimum=0)
OBSERVATION_DAY_END_HOUR = env_int("OBSERVATION_DAY_END_HOUR", 22, minimum=1)
OBSERVATION_PURGE_DAYS = env_int("OBSERVATION_PURGE_DAYS", 30, minimum=1)
# The account `manage.py periodic` runs the daily purge as (its configure scope decides whose
# data goes); empty: no scheduled purge (run `manage.py observation_purge` from cron instead).
OBSERVATION_PURGE_AS = env_str("OBSERVATION_PURGE_AS", "")
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500_000, minimum=1)
# An arrival list (a flight manifest, a day's arrivals at a transfer point) is read in one
# transaction, so that a file refused half-way leaves nothing: kept short, for the embedded
# SQLite database lets nobody else write meanwhile.
ARRIVAL_LIST_MAX_ROWS = env_int("ARRIVAL_LIST_MAX_ROWS", 5_000, minimum=1)
# An .xlsx is a zip: refuse one whose parts unzip to more than this, or compress suspiciously.
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", 20 * IMPORT_MAX_MB, minimum=1)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100, minimum=2)

# --- Documents ------------------------------------------------------------------------------
# The address the QR codes of issued documents and the links in messages point to.
FRONTLINE_SITE_URL = env_str("FRONTLINE_SITE_URL", "http://127.0.0.1:8000")
DOCUMENTS_RENDER_PROCESSES = env_int("DOCUMENTS_RENDER_PROCESSES", 2, minimum=1)

# --- E-mail and notifications ---------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "frontline@localhost")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_BACKOFF_SECONDS = env_int("NOTIFY_BACKOFF_SECONDS", 30, minimum=1)
NOTIFY_WEBHOOK_TIMEOUT = env_int("NOTIFY_WEBHOOK_TIMEOUT", 10, minimum=1)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"},
    },
    "filters": {"request_id": {"()": "frontline.core.middleware.RequestIdLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
