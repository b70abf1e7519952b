# syntax=docker/dockerfile:1
# Samen in a container. compose.yaml runs it; deploy/README.md tells the whole story.
#
#   docker build -t samen .
#   docker run -d --name samen -e TELEGRAM_BOT_TOKEN=… -v samen-data:/data samen

# The wheels of Samen and of everything it needs, built in a stage of their own: no build
# tool ends up in the image that runs.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
# With the driver for a school board's database server (SAMEN_DB=postgresql://…).
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgresql]'

# The image that runs: Python, the wheels installed, one unprivileged user, the data on a volume.
# The fonts for letters and PDF files come inside the package; poppler is only for the tests.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SAMEN_DB=/data/samen.db
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'samen[postgresql]'
# PostgreSQL's client tools, for `samen backup` and `samen restore` on a database server
# (pg_dump, pg_restore, psql): Debian's, which serve a server of their version or older.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid, so a folder on the host can be given to it (chown 10001).
RUN groupadd --system --gid 10001 samen \
    && useradd --system --uid 10001 --gid samen --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin samen \
    && install -d -o samen -g samen -m 0700 /data /backups
# The database (and its lock file) live here; /backups is for `[backup] folder = "/backups"`.
VOLUME ["/data"]
WORKDIR /data
USER samen:samen
# Quick and offline: is `samen run` holding the database, and has it shown life lately?
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 CMD ["samen", "health"]
# SIGTERM (docker stop) finishes the message in flight; the rest waits in the outbox.
STOPSIGNAL SIGTERM
ENTRYPOINT ["samen"]
CMD ["run"]
