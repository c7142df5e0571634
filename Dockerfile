# The portal's one image: gunicorn (web), the Celery worker and Celery beat all run
# from it (see docker-compose.yml). scripts/run-production.sh runs the same processes
# natively and is tested for real (tests/ops/test_production_topology.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango for WeasyPrint (PDF reports), the CJK fonts of the PDFs (Noto Serif CJK for the
# body, Noto Sans CJK bold for titles, WenQuanYi as the fallback), gettext to compile
# translation catalogues, the PostgreSQL client (pg_dump, pg_restore: `manage.py backup`
# and `restore`; bookworm's is 15, as the compose database).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk fonts-wqy-microhei gettext \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, from pyproject.toml alone (it lists no packages of its own: the
# code is used from /app through PYTHONPATH), so this layer is rebuilt only when the
# dependencies change.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into the image (whitenoise serves them, compressed and
# with hashed names). The settings refuse DEBUG=0 without a 50-character SECRET_KEY;
# this one exists only during the build and signs nothing.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
        python manage.py collectstatic --no-input -v0 \
    && if [ -d locale ]; then \
        DEBUG=0 SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
        python manage.py compilemessages -v0; \
    fi \
    && mkdir -p var/media var/beat var/backups \
    && chown -R portal:portal var/media var/beat var/backups

USER portal
# The user's home (/app) is read-only to it: fontconfig (WeasyPrint) caches in /tmp.
ENV DEBUG=0 \
    MEDIA_ROOT=/app/var/media \
    XDG_CACHE_HOME=/tmp/.cache
EXPOSE 8000

# Standard library only and without Django, so it is cheap every 30 s. The worker and
# beat services in docker-compose.yml replace it with checks of their own.
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]

CMD ["gunicorn", "-c", "portal/gunicorn.conf.py"]
