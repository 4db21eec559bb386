"""Test settings: same as base, fast password hashing; DATABASE_URL/REDIS_URL still decide the servers."""
from .base import *  # noqa: F401,F403
from .base import BASE_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")
AXES_ENABLED = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from finders; no collectstatic in tests
# Many tests make anonymous API calls from one address; the failed-auth throttle is tested with its own limit.
API_FAILED_AUTH_LIMIT = 10_000
API_FAILED_AUTH_ADDRESS_LIMIT = 100_000

# Parallel test processes (pytest-xdist) each get their own Redis databases, one for the cache and one for the
# Celery broker, so one test's cache.clear() or keys never touch another process's tests, and a real worker
# started by one process (tests/reports/test_report_worker.py) never takes another process's messages — it would
# run them against its own test database, where that job id is another job or none — nor loses its own to the
# other process's purge. Worker subprocesses inherit PYTEST_XDIST_WORKER and so choose the same databases.
import os as _os  # noqa: E402

from .base import CACHES, CELERY_BROKER_URL, REDIS_URL  # noqa: E402

_worker = _os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):
    _base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    _slot = int(_worker[2:]) % 7
    if CACHES["default"]["BACKEND"].endswith("RedisCache"):
        CACHES = {"default": {**CACHES["default"], "LOCATION": f"{_base}/{1 + _slot}"}}
    if CELERY_BROKER_URL == REDIS_URL:
        CELERY_BROKER_URL = f"{_base}/{8 + _slot}"
