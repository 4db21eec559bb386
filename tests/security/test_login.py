"""Log-in: failed attempts lock username+address, in Chinese; API failures are rate-limited; sessions,
cookies, password rules and security headers are what the settings promise."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import middleware
from tests.branches.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "test-pass-123"


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_username_and_address_with_a_chinese_page(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "zhangsan", "wrong").status_code == 200
    locked = attempt(client, "zhangsan", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused now, with the Chinese lock-out page.
    response = attempt(client, "zhangsan", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已临时锁定" in page and "登录失败次数过多" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(client, person):
    UserFactory(username="lisi")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhangsan", "wrong")
    # The same person from another address, and another person from the same address, still log in.
    assert attempt(client, "zhangsan", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, "lisi", PASSWORD).status_code == 302


def test_failures_below_the_limit_are_forgotten_after_success(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "zhangsan", "wrong")
    assert attempt(client, "zhangsan", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "zhangsan", "wrong")
    assert attempt(client, "zhangsan", PASSWORD).status_code == 302


def test_failed_api_authentication_is_rate_limited(client, settings):
    """Guessing credentials on the API (any scheme: Bearer, basic, none) is cut off with 429 in Chinese."""
    settings.API_FAILED_AUTH_LIMIT = 5
    cache.clear()
    url = "/api/v1/"
    headers = {"HTTP_AUTHORIZATION": "Bearer guessed-token-0000", "REMOTE_ADDR": "10.9.9.9"}
    statuses = [client.get(url, **headers).status_code for _ in range(5)]
    assert set(statuses) <= {401, 403}
    blocked = client.get(url, **headers)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) == settings.API_FAILED_AUTH_WINDOW
    assert blocked.json()["detail"] == middleware.TOO_MANY_FAILED_AUTH.format(minutes=settings.API_FAILED_AUTH_WINDOW // 60)
    # Another address is not affected.
    assert client.get(url, REMOTE_ADDR="10.9.9.10").status_code in (401, 403)
    cache.clear()


def test_logged_in_api_use_is_not_counted_as_failure(client, settings, person):
    settings.API_FAILED_AUTH_LIMIT = 2
    cache.clear()
    client.force_login(person)
    statuses = {client.get("/api/v1/", REMOTE_ADDR="10.9.9.11").status_code for _ in range(4)}
    assert 429 not in statuses
    cache.clear()


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123", "zhangsan2024x"])
def test_weak_passwords_are_refused(person, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=person)


def test_sessions_expire_and_cookies_are_httponly(client, person):
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    response = attempt(client, "zhangsan", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"] or settings.CSRF_COOKIE_HTTPONLY


def test_production_cookies_are_secure():
    code = ("import django,json;django.setup();from django.conf import settings as s;"
            "print(json.dumps([s.SESSION_COOKIE_SECURE,s.CSRF_COOKIE_SECURE,s.SESSION_COOKIE_HTTPONLY,"
            "s.CSRF_COOKIE_HTTPONLY,s.SECURE_SSL_REDIRECT,s.SECURE_HSTS_SECONDS>0]))")
    from cryptography.fernet import Fernet
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings.production",
           "DJANGO_SECRET_KEY": "x" * 64 + "y", "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "DJANGO_ALLOWED_HOSTS": "portal.example.org"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[true, true, true, true, true, true]"


def test_security_headers_on_pages(client, person):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_logged_in_pages_carry_the_same_headers(client, person, tree, users):
    client.force_login(users.staff)
    for url in (reverse("home"), reverse("members:list"), reverse("branches:tree")):
        response = client.get(url)
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
