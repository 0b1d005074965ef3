# xero-connector: one image for `api`, `worker`, `migrate` and `sandbox`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
# src/xero_connector/migrations links to the top-level migrations/: the wheel ships them as package data.
COPY migrations ./migrations
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -c requirements.lock .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /app connector
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Also beside the app, for `alembic` by hand; `xero-connector migrate` uses the packaged copy.
COPY alembic.ini ./
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER connector
EXPOSE 8000
# The api's liveness (the default command). Other commands override it: docker-compose.yml points
# the worker's at its metrics port and the sandbox's at its discovery document, and turns it off
# for migrate. The image has no curl: the standard library asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)", "http://127.0.0.1:8000/healthz"]
ENTRYPOINT ["xero-connector"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
