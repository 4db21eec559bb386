"""Container health check: GET /healthz/ on the local gunicorn, exit 0 only on HTTP 200.

Sends a Host from DJANGO_ALLOWED_HOSTS and X-Forwarded-Proto: https, as the reverse proxy would, so
ALLOWED_HOSTS and SECURE_SSL_REDIRECT apply unchanged.
"""
import os
import sys
import urllib.error
import urllib.request


def pick_host(allowed: str) -> str:
    for host in (h.strip() for h in allowed.split(",")):
        if host and host != "*":
            # ".example.org" allows any subdomain; use one of them.
            return "healthz" + host if host.startswith(".") else host
    return "localhost"


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz/")
    request = urllib.request.Request(
        url,
        headers={"Host": pick_host(os.environ.get("DJANGO_ALLOWED_HOSTS", "")), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"healthcheck failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
