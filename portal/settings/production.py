"""Production: secrets must come from the environment; refuses to start with demo values."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DEMO_FIELD_ENCRYPTION_KEY, DEMO_SECRET_KEY, FIELD_ENCRYPTION_KEYS, SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("生产环境不允许开启 DEBUG（DJANGO_DEBUG 必须为 false）。")
if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产环境必须通过 DJANGO_SECRET_KEY 设置至少 50 个字符的随机密钥，不能使用演示密钥。")
if DEMO_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("生产环境必须通过 FIELD_ENCRYPTION_KEYS 设置自己的身份证号加密密钥。")

PORTAL_PRODUCTION = True   # the demo API token is never issued nor accepted (branches/demo.py, authentication)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
