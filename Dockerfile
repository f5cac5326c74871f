# Preceptor: one image for Discord, Slack or both (set the tokens), data on a volume.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
COPY config ./config

# Run as an unprivileged user that owns only the data volume.
RUN groupadd --system preceptor \
    && useradd --system --gid preceptor --home-dir /data --shell /usr/sbin/nologin preceptor \
    && mkdir -p /data && chown preceptor:preceptor /data && chmod 700 /data
USER preceptor
VOLUME ["/data"]

# Migrations run at start; `docker run IMAGE migrate` or `backup /data/x.sqlite3` also work.
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
