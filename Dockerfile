# syntax=docker/dockerfile:1
# Moot: build a wheel and its dependencies in one stage, run them as a non-root user in a
# slim second stage with no compilers, no pip cache and no source tree.

FROM python:3.12-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY moot moot
COPY bot bot
COPY commands commands
COPY storage storage
COPY adapters adapters
RUN python -m venv /opt/moot \
    && /opt/moot/bin/pip install '.[all]'

FROM python:3.12-slim AS run
ENV PATH=/opt/moot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOOT_DATABASE_URL=sqlite:////data/moot.db \
    MOOT_HTTP_HOST=0.0.0.0
RUN groupadd --system --gid 10001 moot \
    && useradd --system --uid 10001 --gid moot --home-dir /data --shell /usr/sbin/nologin moot \
    && mkdir -p /data /etc/moot \
    && chown moot:moot /data
COPY --from=build /opt/moot /opt/moot
COPY config.example.toml /etc/moot/config.example.toml
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# The operations server: /healthz, /readyz, /metrics. Inside a container it must listen on
# every interface for a scraper to reach it (MOOT_HTTP_HOST above; the check itself is local).
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"]
# Mount the config: docker run -v $PWD/config.toml:/etc/moot/config.toml:ro -v moot-data:/data
ENTRYPOINT ["moot", "--config", "/etc/moot/config.toml"]
CMD ["run"]
