# KAM production image: gunicorn + whitenoise for web, the same image runs Celery.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# collectstatic writes /app/staticfiles at start (see docker-compose.yml), so the app user
# owns /app; nothing runs as root. /app/media exists owned by it before the compose volume
# is mounted there, so the new volume starts out writable by the worker.
RUN useradd --system --uid 1000 --home-dir /app kam \
    && mkdir -p /app/media /app/staticfiles \
    && chown -R kam /app
USER kam

EXPOSE 8000
CMD ["gunicorn", "kam.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
