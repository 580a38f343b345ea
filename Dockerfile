# Production image: the app under granian (`python -m config.serve`, config/serve.py),
# static files collected at build and served by whitenoise. The same image runs the web process, the background
# worker (`python manage.py worker`) and the one-shot migration (`python manage.py migrate`).
# No secret is baked in: every setting comes from the environment at run time (README,
# "Configuration").
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=0 DJANGO_STATIC_ROOT=/app/staticfiles DJANGO_MEDIA_ROOT=/app/media

WORKDIR /app
COPY pyproject.toml ./
COPY bin/requirements.py bin/
RUN python bin/requirements.py > requirements.txt && pip install --no-cache-dir -r requirements.txt
COPY . .

# collectstatic needs settings but no database: a throwaway URL and a throwaway key that
# live in this one command only (neither is kept in the image's environment).
RUN DATABASE_URL=postgres://build@localhost/build \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput

# The code and static files stay root's (the app cannot change them); only uploads are its.
# /app/var: where `manage.py backup` may write when no other folder is mounted.
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/media /app/var && chown app:app /app/media /app/var
USER app
EXPOSE 8000

# Ready: the database answers and every migration is applied (operations/health.py).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]

# Migrations are not run here: `python manage.py migrate` runs once per release, before
# the web processes start (the `migrate` service in docker-compose.yml).
CMD ["python", "-m", "config.serve"]
