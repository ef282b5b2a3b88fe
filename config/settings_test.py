"""Test settings: the real settings, made fast and self-contained.

PostgreSQL stays the database (pytest-django creates `test_<name>` beside it).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-with-enough-length-and-entropy-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ["DEBUG"] = "0"

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES, POST_OFFICE

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The queue sends into django.core.mail.outbox too; tests run comments.mail.deliver() to flush it.
POST_OFFICE = {**POST_OFFICE, "BACKENDS": {"default": EMAIL_BACKEND}, "THREADS_PER_PROCESS": 1}
SITE_URL = "https://colloquy.example"
ALLOWED_HOSTS = ["*"]
SERVE_MEDIA = True
# Static files straight from the app folders: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
# Tests post forms instantly; the timing rule itself is tested with a frozen clock.
COMMENT_MIN_SECONDS = 0
# Whatever a developer's .env says: tests that need these set them (Akismet to a local fake).
TRUSTED_PROXY_COUNT = 0
AKISMET_API_KEY = ""
# A replica alias always exists in tests, as a mirror of the test database (a second
# connection to it, never a second database); only tests/test_replica.py turns the router
# on, so the rest of the suite uses one connection whatever a developer's .env says.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = []
