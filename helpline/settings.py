"""Django settings, read from the environment; the defaults give a working local portal on local PostgreSQL."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF

from helpline import env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DEBUG", False)


def _local_secret(filename: str, make: callable) -> str:
    """A secret kept under var/ so a local demo keeps working across restarts; never used with DEBUG off."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


if DEBUG:
    SECRET_KEY = env.string("SECRET_KEY") or _local_secret("secret-key", lambda: secrets.token_urlsafe(50))
    FIELD_ENCRYPTION_KEY = env.string("FIELD_ENCRYPTION_KEY") or _local_secret(
        "field-encryption-key", lambda: Fernet.generate_key().decode()
    )
else:
    SECRET_KEY = env.string("SECRET_KEY", required=True)
    FIELD_ENCRYPTION_KEY = env.string("FIELD_ENCRYPTION_KEY", required=True)

# Several comma-separated keys allow rotation: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = [key.strip() for key in FIELD_ENCRYPTION_KEY.split(",") if key.strip()]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        raise env.ConfigError(
            "FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys (32 url-safe base64 bytes); "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None

ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])
PORTAL_BASE_URL = env.string("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "axes",
    "csp",
    "helpline.apps.HelplineConfig",
    "cases.apps.CasesConfig",
    "cases.removals.apps.RemovalsConfig",
    "cases.casework.apps.CaseworkConfig",
    "cases.reporting.apps.ReportingConfig",
    "hashing.apps.HashingConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "helpline.middleware.FormBodyLimitMiddleware",
    "helpline.middleware.SameOriginFormsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "helpline.middleware.PrivacyHeadersMiddleware",
    "helpline.middleware.StaffMFAMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpline.urls"
WSGI_APPLICATION = "helpline.wsgi.application"
ASGI_APPLICATION = "helpline.asgi.application"

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
                "csp.context_processors.nonce",
                "helpline.context_processors.portal",
            ],
        },
    },
]

# PostgreSQL only (the reports' SQL is PostgreSQL's). `make run` writes var/demo.env, which manage.py reads,
# pointing this at an embedded server under var/; the default is a local server on the standard port.
DATABASES = {"default": env.database("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline")}
DATABASES["default"]["CONN_MAX_AGE"] = env.integer("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.integer("DB_CONNECT_TIMEOUT", 5, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The database cache keeps rate limits and TOTP replay protection shared between processes and
# working while Redis is down (victims must be able to file a case whatever the broker's state).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "helpline_cache",
    }
}

AUTH_USER_MODEL = "helpline.User"
AUTHENTICATION_BACKENDS = [
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
# Not read from the environment: a deployment must not be able to weaken password storage. The test run swaps in a
# fast hasher in tests/conftest.py.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Staff accounts (allauth). There is no public sign-up: staff are created by command or invitation.
SITE_NAME = env.string("SITE_NAME", "Helpline portal")
ACCOUNT_ADAPTER = "helpline.staff.adapters.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's default, set here so the portal's adapter reads it from settings rather than allauth's app_settings.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
LOGIN_URL = "account_login"
# Staff land on the queue, where their work is (issue 16, item 13).
LOGIN_REDIRECT_URL = "casework:queue"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
MFA_ADAPTER = "helpline.staff.adapters.StaffMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_TOTP_TOLERANCE = 1
# Staff sign-in throttling (django-axes): after 5 failures for an account from one address, that
# pair is locked for an hour. The lock-out page says when to try again and whom to call.
AXES_FAILURE_LIMIT = env.integer("STAFF_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("STAFF_LOGIN_LOCKOUT_HOURS", 1, minimum=1)
# Only the (account, address) pair is ever locked, never an account alone, so nobody can lock a caseworker out
# from elsewhere; the address is the one the status sign-in uses (TRUSTED_PROXY_HOPS), not the proxy's.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "helpline.client.client_address"
# allauth's own brake on failed sign-ins also counted per account ("5/300s/key"): 5 bad passwords from anywhere
# blocked the account. Keep only its per-address part (the address from helpline.client, via the adapter).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "helpline.staff.throttle.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False
STAFF_INVITATION_HOURS = env.integer("STAFF_INVITATION_HOURS", 72, minimum=1)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.string("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Files (evidence screenshots) are private: S3 with signed URLs in production, or a folder under
# var/ that no URL serves. MEDIA_URL stays unset so nothing can build a public link to them.
AWS_STORAGE_BUCKET_NAME = env.string("AWS_STORAGE_BUCKET_NAME")
PRIVATE_FILES_DIR = VAR_DIR / "private"
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _BotoConfig

    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.url("AWS_S3_ENDPOINT_URL", schemes={"http", "https"}),
            "region_name": env.string("AWS_S3_REGION_NAME"),
            "access_key": env.string("AWS_ACCESS_KEY_ID"),
            "secret_key": env.string("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": env.integer("PRIVATE_URL_SECONDS", 60, minimum=5),
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"} if env.boolean("AWS_S3_SSE", False) else {},
            # botocore waits 60 s per read by default; a stalled object store fails sooner. This Config replaces
            # django-storages' own, so it names the signature version again.
            "client_config": _BotoConfig(
                signature_version="s3v4", connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}
            ),
        },
    }
else:
    _default_storage = {
        "BACKEND": "helpline.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_FILES_DIR)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.boolean("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# 6 MiB: a victim's form may carry a long video's vPDQ frames (cases.intake.hashes.MAX_JSON_LENGTH, urlencoded).
# Only the views marked helpline.middleware.large_form_body take that much; FormBodyLimitMiddleware holds every
# other request to Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FORM_BODY_MAX_BYTES = 2_621_440

# Celery. Without REDIS_URL tasks run in-process, so the embedded demo needs no broker; with it, a
# real broker and worker. Late acks plus reject-on-lost make a killed worker's task run again.
REDIS_URL = env.url("REDIS_URL", schemes={"redis", "rediss"})
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A victim's request must not hang on a dead broker: publishing gives up fast and the sweeper
# (Celery beat) re-queues whatever was not queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# No task may hold a worker for ever. At the soft limit the task gets SoftTimeLimitExceeded and can release what
# it claimed; at the hard limit the worker replaces the process running it. Tasks that need longer (or shorter)
# set their own (cases/tasks.py, cases/removals/tasks.py, cases/reporting/tasks.py). The prefork pool, the
# worker's default, enforces both.
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BEAT_SCHEDULE: dict = {
    # Removal requests (cases/removals/tasks.py): catch up on lost work, chase deadlines, re-check URLs.
    "removals-sweep": {"task": "removals.sweep", "schedule": 60.0},
    "removals-deadlines": {"task": "removals.check_deadlines", "schedule": 3600.0},
    "removals-rechecks": {"task": "removals.recheck_due", "schedule": 900.0},
    # Data retention (cases/retention.py): erase closed cases that are due, purge withdrawn bank hashes. Nightly.
    "retention-nightly": {"task": "cases.retention_run", "schedule": crontab(hour=3, minute=17)},
    # Expired sessions (abandoned intake drafts) and ended rate-limit windows (helpline/tasks.py). Nightly.
    "sessions-purge-nightly": {"task": "helpline.purge_expired", "schedule": crontab(hour=3, minute=47)},
    # Reports (cases/reporting/rollup.py): work out again the rolled-up days that changed. The pages are exact
    # without it (they work such days out live); it keeps them fast.
    "reporting-rollups": {"task": "reporting.refresh_rollups", "schedule": 300.0},
    # The hash bank's shared index snapshots (hashing/tasks.py): a new one once the bank has moved on enough.
    "bank-index-snapshot": {"task": "bank.index_snapshot", "schedule": 300.0},
}
# Platform replies (cases/removals/replies/): the helpline's reply mailbox, polled over IMAP with TLS, e.g.
# imaps://user:password@imap.example.org:993/INBOX (empty: not polled); a CA file for a private certificate.
REPLY_IMAP_URL = env.string("REPLY_IMAP_URL", "")
REPLY_IMAP_CA_FILE = env.string("REPLY_IMAP_CA_FILE", "")
REPLY_IMAP_POLL_SECONDS = env.integer("REPLY_IMAP_POLL_SECONDS", 120, minimum=2)
CELERY_BEAT_SCHEDULE["removals-poll-replies"] = {"task": "removals.poll_replies", "schedule": REPLY_IMAP_POLL_SECONDS}
# Inbound webhooks (django-anymail; cases/removals/replies/webhooks.py): each provider's own secret; a route whose
# secret is empty answers 404. Mandrill signs the URL it posts to: MANDRILL_WEBHOOK_URL pins it behind a proxy.
ANYMAIL = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.string("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    "MANDRILL_WEBHOOK_KEY": env.string("MANDRILL_WEBHOOK_KEY", ""),
    "MANDRILL_WEBHOOK_URL": env.string("MANDRILL_WEBHOOK_URL", ""),
}


def _basic_auth(name: str) -> str:
    value = env.string(name, "") or ""
    if value and (":" not in value or not value.split(":", 1)[0] or not value.split(":", 1)[1]):
        raise env.ConfigError(f"{name} must be user:password (the pair put in the provider's webhook URL).")
    return value


INBOUND_POSTMARK_BASIC_AUTH = _basic_auth("INBOUND_POSTMARK_BASIC_AUTH")
INBOUND_SENDGRID_BASIC_AUTH = _basic_auth("INBOUND_SENDGRID_BASIC_AUTH")
# Amazon SES through SNS: the subscription URL's basic auth, and the one topic whose signed messages are taken.
INBOUND_SES_BASIC_AUTH = _basic_auth("INBOUND_SES_BASIC_AUTH")
INBOUND_SES_TOPIC_ARN = env.string("INBOUND_SES_TOPIC_ARN", "") or ""
if INBOUND_SES_TOPIC_ARN and not re.fullmatch(
    r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}", INBOUND_SES_TOPIC_ARN
):
    raise env.ConfigError(
        "INBOUND_SES_TOPIC_ARN must be an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:replies."
    )
# Data retention: a closed case's personal data, messages, notes and evidence are erased this many days after
# it closed (its anonymous row stays for reporting); bank hashes that no case shares any more are purged this
# many days after their last change, once partners have had time to fetch the withdrawal.
RETENTION_DAYS_AFTER_CLOSE = env.integer("RETENTION_DAYS_AFTER_CLOSE", 180, minimum=1)
BANK_PURGE_DAYS_AFTER_WITHDRAWAL = env.integer("BANK_PURGE_DAYS_AFTER_WITHDRAWAL", 30, minimum=1)
# The hash bank's matching index, shared by every web process of a host as memory-mapped files here
# (hashing/bank/store.py); empty: each process builds its own copy in memory. The beat task writes a new
# snapshot once this many bank entries changed after the newest (each process replays those itself).
BANK_INDEX_DIR = env.string("BANK_INDEX_DIR", str(VAR_DIR / "bank-index"))
BANK_INDEX_SNAPSHOT_AFTER_CHANGES = env.integer("BANK_INDEX_SNAPSHOT_AFTER_CHANGES", 5000, minimum=1)
# Filings (cases.intake.screening): one address may file this many cases an hour and a day (then it is refused,
# the draft kept); from its Nth filing of the day, and beyond the portal's daily volume, hashes wait for review.
FILING_LIMIT_PER_ADDRESS_HOUR = env.integer("FILING_LIMIT_PER_ADDRESS_HOUR", 5, minimum=1)
FILING_LIMIT_PER_ADDRESS_DAY = env.integer("FILING_LIMIT_PER_ADDRESS_DAY", 10, minimum=1)
FILING_HOLD_FROM_ADDRESS_FILING = env.integer("FILING_HOLD_FROM_ADDRESS_FILING", 3, minimum=1)
FILING_SHARED_WITHOUT_REVIEW_PER_DAY = env.integer("FILING_SHARED_WITHOUT_REVIEW_PER_DAY", 200, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email: console in the demo; EMAIL_URL=smtp+tls://user:password@host:587 in production.
_email = env.raw("EMAIL_URL") or "consolemail://"
try:
    globals().update(environ.Env.email_url_config(_email))
except Exception:
    raise env.ConfigError(
        "EMAIL_URL is not an email URL; e.g. smtp+tls://user:password@smtp.example.org:587."
    ) from None
# With DEBUG off an email must really leave: a console, file, in-memory or dummy backend would put victims' names
# and addresses, notices and staff invitation links in the log (or nowhere) while recording them as sent.
_UNSENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if not DEBUG and globals()["EMAIL_BACKEND"] in _UNSENT_EMAIL_BACKENDS:
    raise env.ConfigError(
        f"EMAIL_URL={_email!r} does not send email, and DEBUG is off: set EMAIL_URL to your mail server, "
        "e.g. smtp+tls://user:password@smtp.example.org:587 (console, file, memory and dummy backends are for "
        "development only)."
    )
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "helpline@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds per SMTP socket operation: a stalled mail server fails the send instead of holding a worker.
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 30, minimum=1)

# Sessions: staff sessions end after inactivity; the cookie never outlives the browser. Session data is
# encrypted with FIELD_ENCRYPTION_KEY (helpline/sessions.py); expired rows are purged nightly (helpline.purge).
SESSION_ENGINE = "helpline.sessions"
SESSION_COOKIE_AGE = env.integer("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers. Secure-only cookies and HSTS whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
# No page ever tells another site where a visitor came from. Browsers then post `Origin: null`;
# helpline.middleware.SameOriginFormsMiddleware vouches for same-origin posts so CSRF still works.
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.boolean("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        if env.integer("TRUSTED_PROXY_HOPS", 0, minimum=0) == 0:
            # Every request would seem to come from the proxy: one client could use up the sign-in limits of all.
            raise env.ConfigError(
                "BEHIND_TLS_PROXY is set but TRUSTED_PROXY_HOPS is 0: set TRUSTED_PROXY_HOPS to the number of "
                "proxies in front of the portal that append to X-Forwarded-For (usually 1)."
            )

# 'wasm-unsafe-eval' lets the on-device hasher run WebAssembly; it does not allow eval of scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, "'wasm-unsafe-eval'"],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Only features Chromium recognises: it warns "Unrecognized feature" for others (it did for bluetooth).
# tests/helpline/test_staff_journeys.py reads Chromium's console for that warning.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "interest-cohort=(), browsing-topics=(), display-capture=(), fullscreen=(self)"
)

# Abuse-contact look-ups (cases/removals/abuse_lookup.py): where IANA's RDAP bootstrap files are (RFC 9224).
RDAP_BOOTSTRAP_BASE = env.string("RDAP_BOOTSTRAP_BASE", "https://data.iana.org/rdap/")

# Rate limits key on the client's address. Behind N reverse proxies that append to X-Forwarded-For, set
# TRUSTED_PROXY_HOPS=N so the address the nearest trusted proxy saw is used (0: REMOTE_ADDR).
TRUSTED_PROXY_HOPS = env.integer("TRUSTED_PROXY_HOPS", 0, minimum=0)

# Where "Quick exit" sends people: a neutral page that gives nothing away.
QUICK_EXIT_URL = env.string("QUICK_EXIT_URL", "https://www.bbc.com/weather")
# The helpline's own details, as removal requests give them. No default names another organisation: a request
# without a phone configured carries none. The helpline signs TAKE IT DOWN, DSA and DMCA requests as the
# authorised representative of the person pictured (47 U.S.C. 223a(a)(1)(B)(i) accepts the signature of "an
# authorized person acting on behalf of" them), so an anonymous victim still gets a valid request.
HELPLINE_PHONE = env.string("HELPLINE_PHONE", "")
HELPLINE_LEGAL_NAME = env.string("HELPLINE_LEGAL_NAME", "") or SITE_NAME
HELPLINE_SIGNATORY = env.string("HELPLINE_SIGNATORY", "")
# Hours after sending at which a request with no legal deadline is due a follow-up (the helpline's own target).
REMOVALS_FOLLOW_UP_HOURS = env.integer("REMOVALS_FOLLOW_UP_HOURS", 120, minimum=1)
# Hashes of images of minors go to partners of the adult bank only if this is on (see README, "Minors").
BANK_SHARE_MINORS = env.boolean("BANK_SHARE_MINORS", False)

# Logs carry no personal data: request bodies are never logged and 404/500 mails are off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}),
    },
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}
