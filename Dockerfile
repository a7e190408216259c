# Production image: the portal's code and pinned requirements; gunicorn, celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 VAR_DIR=/app/var \
    NUMBA_CACHE_DIR=/app/var/numba-cache
# FFmpeg's development libraries, cmake, pkg-config and g++ build `vpdq` (requirements.txt); its libraries stay
# for re-checks to decode fetched videos.
RUN apt-get update && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
        libavcodec-dev libavformat-dev libavdevice-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev \
        cmake pkg-config g++ make \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 helpline
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt
COPY . .
# collectstatic needs settings but no real secrets; these throwaway values never reach a running container.
RUN DEBUG=false SECRET_KEY=build-only EMAIL_URL=smtp://build-only.invalid FIELD_ENCRYPTION_KEY=Jd1mMm3R0nE9aL0Yv1YqkW7bJ3bC9qW8f7c3Wl1l2s8= \
    python manage.py collectstatic --noinput \
    && python -c "from hashing.engine.index import warm_up; warm_up()" \
    && mkdir -p /app/var/bank-index && chown -R helpline /app/var
USER helpline
EXPOSE 8000
# gunicorn.conf.py: bind, workers, access log without query strings, and each worker warms the bank index.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
