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
    PYTHONUNBUFFERED=1
USER connector
EXPOSE 8000
ENTRYPOINT ["xero-connector"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
