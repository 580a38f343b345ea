# Production image: the app under gunicorn, static files served by whitenoise.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=0 DJANGO_STATIC_ROOT=/app/staticfiles DJANGO_MEDIA_ROOT=/app/media

WORKDIR /app
COPY pyproject.toml ./
COPY bin/requirements.py bin/
RUN python bin/requirements.py > requirements.txt && pip install --no-cache-dir -r requirements.txt
COPY . .

# collectstatic needs settings but no database: point it at a throwaway URL.
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build-only-$(date +%s)-padding-padding-padding \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn config.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
