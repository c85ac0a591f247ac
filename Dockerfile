# The app image for docker-compose.yml: web (gunicorn, the default command), worker and beat.
# Python 3.11 from the base image; uv installs the locked dependencies and never downloads a
# Python (pyproject.toml: python-downloads = "never").
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# gettext: compilemessages for locale/ (Chinese first)
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .

# Static files are baked into the image (whitenoise serves them); translations compiled.
# Base settings here: production settings need secrets that only exist at run time.
RUN DJANGO_SETTINGS_MODULE=shop.settings.base python manage.py collectstatic --noinput -v 0 \
    && if [ -d locale ]; then DJANGO_SETTINGS_MODULE=shop.settings.base python manage.py compilemessages -v 0; fi

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home market \
    && mkdir -p /app/var/media \
    && chown -R market:market /app/var
USER market

ENV DJANGO_SETTINGS_MODULE=shop.settings.production
# gunicorn's workers keep their PostgreSQL connection for 60 s (checked before reuse:
# CONN_HEALTH_CHECKS in settings) instead of connecting on every request.
ENV DATABASE_CONN_MAX_AGE=60
EXPOSE 8000
CMD ["gunicorn", "shop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
