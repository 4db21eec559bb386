# Production image: gunicorn serves the portal, the same image runs Celery worker and beat.
# Build deps (gcc, libpq-dev for psycopg2) stay in the builder stage; the runtime has only shared libs.
FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml ./
# packages = [] : the wheel carries no code, only the dependency list; the code is copied below.
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    STATIC_ROOT=/app/var/staticfiles \
    MEDIA_ROOT=/app/var/media
# pango + harfbuzz-subset: WeasyPrint PDFs; libpq5: psycopg2; libmagic1: upload type sniffing;
# fonts-noto-cjk: Chinese text in PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libpq5 libmagic1 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY --chown=portal:portal . .
# collectstatic with the production storage (manifest for whitenoise). Throwaway secrets exist only
# for this RUN, so the production settings' refusal of demo values still holds at run time.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    FIELD_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media \
 && chown -R portal:portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
