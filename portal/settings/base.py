"""Settings shared by every environment; every secret and endpoint comes from the environment.

Embedded default: no DATABASE_URL -> SQLite file under var/; no broker URL -> Celery runs tasks in-process.
"""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# The demo key exists only so that `make run` works out of the box; production.py refuses it.
DEMO_SECRET_KEY = "demo-insecure-key-do-not-use-in-production-4f1c2e"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEMO_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "simple_history",
    "axes",
    "django_celery_beat",
    "django_htmx",
    "portal",
    "branches",
    "members",
    # The outbox (messages to users, one delivery row per channel): above members, below organizational life.
    "notifications",
    "orglife",
    "evaluations",
    "reports",
    "practice",
    "programmes",
    "selfservice",
    "inbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # PostgreSQL down or restarting: 503 + Retry-After (Chinese page; JSON under /api/) instead of a 500.
    "portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # One site language from LANGUAGE (not the browser's Accept-Language): see portal.middleware.SiteLanguageMiddleware.
    "portal.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.scoping.ScopeMiddleware",
    # Failed API authentication (e.g. guessed Bearer tokens) is rate-limited per address; axes covers the login form.
    "portal.middleware.FailedAuthThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the final authentication outcome.
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
                "portal.context_processors.navigation",
                "inbox.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
# Survive a PostgreSQL restart: persistent connections are checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The embedded demo runs a Celery worker beside runserver (`make run`): WAL lets readers and the one writer
    # work at once, IMMEDIATE transactions take the write lock up front (no deadlocked read->write upgrades), and
    # a writer waits up to 20 s for the other process instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Django reads `.iterator()` (every ModelChoiceField's options, the chunked reads of big tables) through a
    # server-side cursor WITH HOLD, which PostgreSQL materializes whole at the commit; it still plans a cursor for
    # its first 10 % of rows (cursor_tuple_fraction 0.1), a "fast start" plan that is slow to the end: a round page's
    # three 12-option <select>s took 27 ms each at N=50,000 (full index scan in path order) instead of 2.7 ms.
    # Plan cursors for all their rows. DB_OPTIONS replaces this (e.g. "" behind a pooler that refuses options).
    _options = env("DB_OPTIONS", default="-c cursor_tuple_fraction=1.0")
    if _options:
        _db_options = DATABASES["default"].setdefault("OPTIONS", {})
        _db_options["options"] = f'{_db_options.get("options", "")} {_options}'.strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Seconds a client is asked to wait (Retry-After) when the database cannot be reached.
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=15)

AUTHENTICATION_BACKENDS = [
    # AxesBackend refuses locked-out attempts and, being a ModelBackend too, can load session users.
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]


def site_language(value: str) -> str:
    """LANGUAGE -> a code of LANGUAGES. Accepts "en", "en_US.UTF-8", GNU lists like "en_US:en"; default zh-hans."""
    code = (value or "").split(":")[0].split(".")[0].replace("_", "-").strip().lower()
    if code.startswith("en"):
        return "en"
    return "zh-hans"


# The portal's own texts are written in Chinese (the msgids); locale/en holds the English catalog.
LANGUAGE_CODE = site_language(env("LANGUAGE", default="zh-hans"))
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
WHITENOISE_AUTOREFRESH = DEBUG  # dev serves from the finders; production from collected files
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Media is never served straight to the world: files go out through permission-checked views.
MEDIA_URL = "/media-not-public/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Sessions, cookies, headers -------------------------------------------------------------
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
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

# --- Login throttling (django-axes) ---------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
API_FAILED_AUTH_LIMIT = env.int("API_FAILED_AUTH_LIMIT", default=20)
API_FAILED_AUTH_WINDOW = env.int("API_FAILED_AUTH_WINDOW", default=600)
# Failures of any credential from one address after which further failures answer 429 (valid tokens still pass).
API_FAILED_AUTH_ADDRESS_LIMIT = env.int("API_FAILED_AUTH_ADDRESS_LIMIT", default=200)
# Reverse proxies whose X-Forwarded-For names the client (addresses or CIDR networks, comma-separated); the
# log-in lockout, the API throttle and the PII log key on that address (portal/netaddr.py). Empty: REMOTE_ADDR.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# API tokens expire after this many days unless issued with another validity; answers warn this many days before.
API_TOKEN_DEFAULT_EXPIRY_DAYS = env.int("API_TOKEN_DEFAULT_EXPIRY_DAYS", default=365)
API_TOKEN_EXPIRY_WARNING_DAYS = env.int("API_TOKEN_EXPIRY_WARNING_DAYS", default=30)
# Production settings set this: the fixed demo token is then never issued and never accepted.
PORTAL_PRODUCTION = False
AXES_CLIENT_IP_CALLABLE = "portal.netaddr.client_ip"

# --- Field encryption for 身份证号 ---------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key, run
# `manage.py rotate_pii_key`, then drop the old one). The demo key is refused in production.
DEMO_FIELD_ENCRYPTION_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[DEMO_FIELD_ENCRYPTION_KEY])

# --- Cache ------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# CELERY_BROKER_URL=filesystem:// (what `make run` sets when there is no Redis): kombu's filesystem transport,
# messages are files under var/celery-broker/, so the embedded demo runs reports on a real worker like production.
CELERY_FILESYSTEM_DIR = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "celery-broker")))
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that has grown past this (kB) is replaced after its current task: the whole tree's reports grew
# each from ~250 to ~420 MB over 2,500 reports (benchmarks/RESULTS.md); this bounds a host's memory over a year.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# Above the longest task's hard limit, so a long report is not redelivered while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    (CELERY_FILESYSTEM_DIR / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(data_folder_in=str(CELERY_FILESYSTEM_DIR),
                                           data_folder_out=str(CELERY_FILESYSTEM_DIR),
                                           processed_folder=str(CELERY_FILESYSTEM_DIR / "processed"),
                                           # exchange tables, by default ./control in whatever directory it runs
                                           control_folder=str(CELERY_FILESYSTEM_DIR / "control"),
                                           store_processed=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Report jobs: the running task writes a heartbeat this often; a running job silent for STALL_AFTER is stalled
# (worker killed): reports.check_stalled (beat, every minute) tells the requester and requeues it.
REPORTS_HEARTBEAT_SECONDS = env.int("REPORTS_HEARTBEAT_SECONDS", default=15)
REPORTS_STALL_AFTER_SECONDS = env.int("REPORTS_STALL_AFTER_SECONDS", default=90)
REPORTS_MAX_STALLS = env.int("REPORTS_MAX_STALLS", default=3)
# Web requests publish with portal.queue.send_fast: no connection retries, this connect timeout (seconds).
CELERY_PUBLISH_CONNECT_TIMEOUT = env.float("CELERY_PUBLISH_CONNECT_TIMEOUT", default=0.5)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Seeded into django-celery-beat's tables (editable in admin) by `manage.py sync_schedules`.
CELERY_BEAT_SCHEDULE: dict = {}
# 创建 programmes: remind designated titles ahead of their end (each title once; programmes/services.py).
CELERY_BEAT_SCHEDULE["programmes.remind_expiring_titles"] = {
    "task": "programmes.tasks.remind_expiring_titles", "schedule": 24 * 3600}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@localhost")
# A dead mail server must not hold an outbox run (and its row lock) for long: fail, retry later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Outbox (notifications/) ------------------------------------------------------------------------
# Retry n waits BASE * 2**(n-1) seconds (capped at MAX); after MAX_ATTEMPTS failures a delivery is `failed`.
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=6 * 3600)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer first: an unauthenticated request answers 401 with WWW-Authenticate (not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "branches.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "portal.filter_backends.StrictFilterBackend",   # a typed filter given empty is a 400, not "no filter"
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["portal.renderers.PortalJSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.PortalCursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "portal.api.PortalAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["portal.throttling.ClientRateThrottle"],
    # Per client (token), else per user; a client's own ApiClient.throttle_rate overrides the default.
    "DEFAULT_THROTTLE_RATES": {"api_client": env("API_CLIENT_THROTTLE", default="600/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "四强党支部建设门户 API",
    "DESCRIPTION": (
        "上级机关按授权范围读取组织、党员、组织生活、评星定级与报告数据。\n\n"
        "认证：`Authorization: Bearer <令牌>`（接口客户端），或已登录门户的会话。授权范围外的对象一律 404。\n\n"
        "分页：游标分页，响应中的 `next` 即下一页地址；`page_size` 最大 500。\n\n"
        "增量同步：列表均支持 `updated_since`，已撤销/已离开的记录以 `is_active=false` 返回（墓碑）。\n\n"
        "错误：统一为 `{\"code\", \"detail\", \"fields\"}`；429 时 `Retry-After` 给出等待秒数。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/schema/ and /api/docs/: anonymous users only when API_DOCS_REQUIRE_LOGIN is off (portal.api.ApiDocsAccess).
    "SERVE_PERMISSIONS": ["portal.api.ApiDocsAccess"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "REDOC_DIST": "SIDECAR",
    # Several resources have a field called "kind"; name each enum after its model's choices.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "branches.models.OrganizationKind",
        "CycleKindEnum": "evaluations.models.CycleKind",
        "HonourLevelEnum": "practice.models.Level",
        "ReportKindEnum": "reports.models.ReportKind",
        # Organizational life: record, attendance and compliance states all have a field called "status".
        "ActivityStatusEnum": "orglife.models.ActivityStatus",
        "AttendanceStatusEnum": "orglife.models.AttendanceStatus",
        "ComplianceStatusEnum": "orglife.api.serializers.COMPLIANCE_STATES",
        "ComplianceWindowStatusEnum": "orglife.api.serializers.WINDOW_STATES",
        "RulePerEnum": "orglife.models.RulePer",
        # 创建 programmes: a candidacy's stage (also its log's from/to stage) and the programme kind.
        "ProgrammeStageEnum": "programmes.models.Stage",
        "ProgrammeEnum": "programmes.models.Programme",
        "HonourKindEnum": "practice.models.HonourKind",
    },
}

# --- Portal ---------------------------------------------------------------------------------------
# An intranet portal describes its API only to people who have logged in (a session or a Bearer token).
API_DOCS_REQUIRE_LOGIN = env.bool("API_DOCS_REQUIRE_LOGIN", default=True)
# portal/ knows no domain model: the scoping mechanism asks this function which subtrees a user holds.
PORTAL_GRANT_RESOLVER = "branches.permissions.granted_paths"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                "celery.app.trace": {"level": "WARNING"}},
}
PORTAL_PAGE_ACCESS_CHECK = "branches.permissions.has_page_access"
