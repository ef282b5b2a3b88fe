"""Colloquy settings: everything about the machine comes from the environment.

Development defaults are safe (DEBUG off unless asked for); production needs a
real SECRET_KEY, ALLOWED_HOSTS and SITE_URL. Every variable is documented in
`.env.example` and the README. Settings that editors change (site name,
discussion rules) live in the database, not here.
"""

import datetime
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Read verbatim: django-environ would take a key starting with "$" (which Django's own
# get_random_secret_key() can produce) for a reference to another variable.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for development).")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site_host = urlsplit(SITE_URL).hostname or "localhost"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site_host, "127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # django.contrib.admin, on the site with the sign-in rules of authors.signin.
    "authors.apps.ColloquyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    # The redirect table behind old post and page addresses (blog/redirects.py); it needs sites.
    "django.contrib.sites",
    "django.contrib.redirects",
    "django.contrib.humanize",
    "mptt",
    # Post and page revisions, with a compare view in the admin's history.
    "reversion",
    "reversion_compare",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The outgoing mail queue (comments/mail.py): sent by `manage.py deliver_mail`, retried on failure.
    "post_office",
    "authors",
    "blog",
    "comments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag / Last-Modified and 304s, for cached and uncached pages alike.
    "django.middleware.http.ConditionalGetMiddleware",
    # Which database a request reads from (config.replica); gone at startup without a replica.
    "config.replica.ReplicaMiddleware",
    # Before sessions, CSRF and authentication: a cached page for a reader skips them all.
    "blog.page_cache.SharedPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A 404 at an address in the redirect table becomes its 301 or 410 (with the site's 410 page).
    "blog.redirects.GoneFallbackMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
SITE_ID = 1
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
                "blog.context_processors.site",
            ],
        },
    },
]

# PostgreSQL only: full-text search, generated columns and GIN indexes rely on it.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/colloquy"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Colloquy runs on PostgreSQL only: DATABASE_URL must be postgres://…")
# PostgreSQL's default random_page_cost (4) prices a random read as on a spinning disk; on SSDs
# and cloud volumes 1.1 is the usual setting, and with it the planner uses the search index for
# searches that match a few percent of posts (7 ms instead of a 45 ms scan of 10,000 posts).
# Set per connection, so it needs no database privilege.
RANDOM_PAGE_COST = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)


def _planner_options(database):
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c random_page_cost={RANDOM_PAGE_COST}".strip()
    return database


_planner_options(DATABASES["default"])
# Optional read replica (config.replica): public reads by visitors without a session go there;
# writes, transactions and a visitor's reads for REPLICA_LAG_SECONDS after they write stay on
# the primary. As a test mirror of the primary, the test suite never creates a database for it.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _planner_options(
        {
            **env.db_url_config(DATABASE_REPLICA_URL),
            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"MIRROR": "default"},
        }
    )
    DATABASE_ROUTERS = ["config.replica.PrimaryReplicaRouter"]
REPLICA_LAG_SECONDS = env.int("REPLICA_LAG_SECONDS", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "authors.User"
LOGIN_URL = "admin:login"
# Where a login goes when its `next` is missing or not on this site.
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin sign-in (authors.signin). django-axes locks a username on one IP address out after
# AXES_FAILURE_LIMIT wrong passwords for AXES_COOLOFF_HOURS; the IP is the one comments use.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "comments.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Two-factor sign-in with an authenticator app (django-otp TOTP), optional for staff and,
# when this is on, required of superusers before they can use the admin.
ADMIN_2FA_REQUIRED_FOR_SUPERUSERS = env.bool("ADMIN_2FA_REQUIRED_FOR_SUPERUSERS", default=False)
OTP_TOTP_ISSUER = _site_host

# Redis when REDIS_URL is set, so caches and rate limits hold across workers.
REDIS_URL = env("REDIS_URL", default="")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="colloquy")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# Whole public pages for readers without a session (blog.page_cache): seconds a page may
# stay cached at most (changes refresh it sooner, exactly); 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# s-maxage for a CDN or proxy in front: 0 makes it revalidate every time (a 304 when unchanged).
CDN_CACHE_SECONDS = env.int("CDN_CACHE_SECONDS", default=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Let Django serve uploads itself when no web server or object store does (make run, make serve).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
# Uploads go through Django's storage API only, so any backend works: e.g. django-storages'
# "storages.backends.s3.S3Storage" with MEDIA_STORAGE_OPTIONS='{"bucket_name": "…"}' (see README).
STORAGES = {
    "default": {
        "BACKEND": env("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: images are checked and re-encoded by blog.images; these cap the raw request.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)

# Days a draft's share link (blog.sharing) works for someone without a login.
PREVIEW_SHARE_DAYS = env.int("PREVIEW_SHARE_DAYS", default=7)

# Comment spam defence (editors tune the rest in the admin's site settings).
# A comment form sent back faster than this many seconds is a bot's; 0 turns the check off.
COMMENT_MIN_SECONDS = env.int("COMMENT_MIN_SECONDS", default=3)
# For `make bench` only: posting comments at full speed needs the per-IP rate limit and the
# duplicate check off (with COMMENT_MIN_SECONDS=0). Never turn these off on a real site.
COMMENT_RATE_LIMITS = env.bool("COMMENT_RATE_LIMITS", default=True)
COMMENT_DUPLICATE_CHECK = env.bool("COMMENT_DUPLICATE_CHECK", default=True)
# For `make bench` only: routes the ceiling view (config/bench_views.py).
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)
# How many reverse proxies of ours append to X-Forwarded-For; 0 ignores the header, which
# anyone can forge. Client IPs (rate limits, bans, reports) come from comments.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Akismet checks new comments when a key is set; the site works the same without one.
AKISMET_API_KEY = env("AKISMET_API_KEY", default="")
AKISMET_API_URL = env("AKISMET_API_URL", default="https://rest.akismet.com/1.1").rstrip("/")

# Email (password resets now; comment notifications later).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A site on an IP address (development) sends as localhost: no address has an IP for a domain.
try:
    ipaddress.ip_address(_site_host)
    _mail_host = "localhost"
except ValueError:
    _mail_host = _site_host
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Colloquy <noreply@{_mail_host}>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Notifications are queued in the database (django-post-office) after the comment commits and
# sent by `manage.py deliver_mail` (a worker, or cron each minute) through EMAIL_BACKEND above;
# a failure is logged and retried every RETRY_INTERVAL, MAX_RETRIES times.
POST_OFFICE = {
    "BACKENDS": {"default": EMAIL_CONFIG["EMAIL_BACKEND"]},
    "DEFAULT_PRIORITY": "medium",
    "MAX_RETRIES": env.int("MAIL_MAX_RETRIES", default=6),
    "RETRY_INTERVAL": datetime.timedelta(minutes=env.int("MAIL_RETRY_MINUTES", default=10)),
    "MESSAGE_ID_ENABLED": True,
    "MESSAGE_ID_FQDN": _mail_host,
    "LOG_LEVEL": 1,  # log failures only
    "CELERY_ENABLED": False,
}
ADMINS = [("Admin", address) for address in env.list("ADMINS", default=[])]

# HTTPS. On by default outside DEBUG; behind a TLS proxy set SECURE_PROXY_SSL_HEADER,
# and on plain http (loopback) set SECURE_SSL_REDIRECT=0, which also drops secure cookies.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
_proxy_header = env("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header.split(",", 1)) if _proxy_header else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE_SSL_REDIRECT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# A comment sent from a cached page without JavaScript (no CSRF token there) is shown
# again with a fresh token and everything typed kept, not Django's bare 403.
CSRF_FAILURE_VIEW = "comments.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts, styles and everything else from this site
# only, no inline script or style anywhere (the Django admin needs none); images may also
# be data: URIs (the two-factor QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Structured lines (config.log_format) on the console, without personal data at INFO;
# errors (500s, django.security) are also mailed to ADMINS when DEBUG is off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"key_value": {"()": "config.log_format.KeyValueFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "key_value"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        # Requests for other hosts are bots' noise: logged, not mailed.
        "django.security.DisallowedHost": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # django-axes reports every login at INFO (masked); its failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
        # The mail queue logs every batch at INFO; its failures (WARNING and up) are what matter.
        "post_office": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
