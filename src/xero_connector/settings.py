"""The one settings class. Read only at the composition roots (main.py, cli/, the worker startup).

Every variable has the prefix ``XERO_CONNECTOR_``. Lists are comma-separated strings that we split
ourselves (pydantic-settings would otherwise try to decode them as JSON); scopes are space-separated
as in OAuth. A variable set to the empty string counts as unset (``${VAR:-}`` in a compose file
passes an empty value for an optional setting), so it takes its default.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from xero_connector.errors import ConfigurationError, is_placeholder
from xero_connector.redaction import redact_url
from xero_connector.vault.keyring import LocalKeyring

DEFAULT_SCOPES = (
    "openid profile email offline_access accounting.settings accounting.contacts "
    "accounting.invoices accounting.banktransactions"
)
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./xero-connector.db"
XERO_ACCESS_TOKEN_SECONDS = 1800
"""The lifetime of Xero's access tokens (30 minutes); the refresh margin must be shorter."""


def split_list(value: str) -> list[str]:
    """Split a comma-separated setting into its non-empty, stripped parts."""
    return [part.strip() for part in value.split(",") if part.strip()]


def reveal(value: SecretStr | None) -> str | None:
    """The plain value of an optional secret setting (None when unset)."""
    return value.get_secret_value() if value is not None else None


class Settings(BaseSettings):
    """All configuration of the service; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="XERO_CONNECTOR_", extra="ignore", env_ignore_empty=True
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL (postgresql+asyncpg://... or sqlite+aiosqlite:///...).",
    )
    redis_url: str | None = Field(
        None, description="arq's Redis; unset means jobs run in-process (one process only)."
    )
    xero_client_id: str | None = Field(None, description="The Xero app's client id.")
    xero_client_secret: SecretStr | None = Field(None, description="The Xero app's client secret.")
    xero_redirect_uri: str | None = Field(
        None,
        description="Must equal the app's registered redirect URI; ends in /v1/callback. "
        "Default: http://<host>:<port>/v1/callback of the running dev/api.",
    )
    xero_scopes: str = Field(DEFAULT_SCOPES, description="Space-separated OAuth scopes.")
    xero_login_base: str = Field("https://login.xero.com", description="Origin of Xero's login.")
    xero_identity_base: str = Field(
        "https://identity.xero.com", description="Origin of Xero's identity (token) service."
    )
    xero_api_base: str = Field("https://api.xero.com", description="Origin of Xero's API.")
    keys: SecretStr | None = Field(
        None,
        description="Key-encryption keyring: comma-separated kid:key entries (key = 32 bytes "
        "base64url, no padding); the first is active. Required outside dev.",
    )
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 secret (at least 32 bytes) for dashboard JWTs."
    )
    jwt_jwks_url: str | None = Field(
        None, description="JWKS URL for dashboard JWTs (this or the secret, not both)."
    )
    jwt_issuer: str | None = Field(None, description="Expected JWT issuer.")
    jwt_audience: str | None = Field(None, description="Expected JWT audience.")
    jwt_workspace_claim: str = Field(
        "workspace_id", description="The JWT claim that names the workspace."
    )
    cors_origins: str = Field("", description="Comma-separated allowed browser origins.")
    return_url_origins: str = Field(
        "", description="Comma-separated origins that return_url may point at."
    )
    refresh_margin_seconds: int = Field(
        600,
        description="Refresh a grant in use when its access token expires within this; "
        "shorter than the access token's lifetime (Xero's: 1800).",
    )
    in_use_window_seconds: int = Field(
        1800, description="A grant used (or with pending work) within this is in use."
    )
    keepalive_after_seconds: int = Field(
        86400, description="Refresh any grant not refreshed for this long."
    )
    refresh_grace_seconds: int = Field(
        1800,
        description="How long Xero keeps accepting a refresh token after its first use; a lost "
        "refresh answer is recovered by resending the same token within this.",
    )
    refresh_lock_wait_seconds: float = Field(
        60.0, description="How long a refresh waits for another process's refresh of the grant."
    )
    sweep_interval_seconds: int = Field(
        30,
        description="How often the sweeper re-enqueues everything due from the database "
        "(a divisor of 60, or whole minutes).",
    )
    sweep_limit: int = Field(20000, description="Most items of each kind one sweep enqueues.")
    queue_name: str = Field("xero-connector", description="The arq queue (and job id prefix).")
    worker_max_jobs: int = Field(
        10,
        description="Jobs one worker process runs at once (it opens up to twice as many "
        "database connections).",
    )
    worker_metrics_port: int | None = Field(
        None,
        description="Port on which `worker` serves Prometheus /metrics (its job, token and "
        "sync counters, and the database and queue gauges); unset: not served.",
    )
    job_max_tries: int = Field(
        8, description="Tries of a job failing transiently before it waits for the sweeper."
    )
    xero_tenant_concurrency: int = Field(
        5, ge=1, description="Xero calls in flight per tenant, across all processes."
    )
    xero_tenant_minute_limit: int = Field(
        60, ge=1, description="Xero calls per tenant in any 60 seconds, across all processes."
    )
    xero_tenant_day_limit: int = Field(
        5000, ge=1, description="Xero calls per tenant in any 24 hours, across all processes."
    )
    xero_app_minute_limit: int = Field(
        10000, ge=1, description="Xero calls in any 60 seconds, app-wide (tenantless ones too)."
    )
    xero_limit_time_scale: float = Field(
        1.0,
        gt=0,
        description="Divides every rate-limit window (tests and benchmarks against a sandbox "
        "started with the same --time-scale).",
    )
    xero_limit_margin_seconds: float = Field(
        1.0,
        ge=0,
        description="Added to each rate-limit window (in Xero seconds, scaled like the windows).",
    )
    xero_limit_lease_seconds: float = Field(
        90.0,
        gt=0,
        description="A limiter slot held by a process that died comes back after this (real "
        "seconds; live calls renew their lease).",
    )
    xero_timeout_seconds: float = Field(30.0, description="Timeout of one Xero HTTP call.")
    settings_max_age_seconds: int = Field(
        3600,
        ge=0,
        description="Before a push, the organisation's settings are pulled in full again when "
        "the last full pull is older than this.",
    )
    settings_pull_interval_seconds: int = Field(
        21600,
        ge=60,
        description="The settings cron pulls what changed (If-Modified-Since) of every active "
        "connection last pulled longer ago than this.",
    )
    state_ttl_seconds: int = Field(600, description="Lifetime of a pending OAuth state.")
    sync_batch_size: int = Field(
        50, ge=1, le=100, description="Records per Xero write (Xero recommends at most 50)."
    )
    sync_debounce_seconds: float = Field(
        5.0,
        ge=0,
        description="A run requested by ingestion starts this long after the first ingest that "
        "found no active run; later ingests join it.",
    )
    sync_slice_seconds: float = Field(
        20.0,
        gt=0,
        description="Longest one sync job pushes before it hands the run to the next job (a run "
        "is many short jobs; its state lives in the database).",
    )
    sync_blocked_recheck_seconds: int = Field(
        900,
        ge=1,
        description="A connection with blocked records whose last run is older than this gets "
        "a scheduled run, which re-evaluates them.",
    )
    max_body_bytes: int = Field(
        48 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (413 above it, before the body is read); "
        "the default holds 1,000 invoices of 100 lines each.",
    )
    ui_enabled: bool | None = Field(
        None,
        description="Serve the integration page at /ui/ (it calls the API with the platform's "
        "dashboard JWT). Default: on in dev, off in api.",
    )
    log_level: str = Field("INFO", description="Log level.")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The database and Redis URLs may carry a password in their user info.
        for name, value in super().__repr_args__():
            if name in ("database_url", "redis_url") and isinstance(value, str):
                value = redact_url(value)
            yield name, value

    @cached_property
    def scopes(self) -> list[str]:
        return self.xero_scopes.split()

    @cached_property
    def cors_origin_list(self) -> list[str]:
        return split_list(self.cors_origins)

    @cached_property
    def return_url_origin_list(self) -> list[str]:
        return split_list(self.return_url_origins)

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def has_real_xero_credentials(self) -> bool:
        return bool(self.xero_client_id) and bool(reveal(self.xero_client_secret))

    def check_for_scale_out(self) -> None:
        """Refuse ``api``/``worker`` on a missing or placeholder setting, naming the variable."""
        keys = reveal(self.keys)
        required: dict[str, str | None] = {
            "XERO_CONNECTOR_REDIS_URL": self.redis_url,
            "XERO_CONNECTOR_KEYS": keys,
            "XERO_CONNECTOR_XERO_CLIENT_ID": self.xero_client_id,
            "XERO_CONNECTOR_XERO_CLIENT_SECRET": reveal(self.xero_client_secret),
        }
        for name, value in required.items():
            if is_placeholder(value):
                raise ConfigurationError(f"{name} is missing or a placeholder")
        self._check_keyring()
        self._check_refresh_margin()
        if self.uses_sqlite:
            raise ConfigurationError(
                "XERO_CONNECTOR_DATABASE_URL must be a Postgres URL outside dev (got SQLite)"
            )
        if not self.database_url.startswith("postgresql+asyncpg://"):
            raise ConfigurationError(
                "XERO_CONNECTOR_DATABASE_URL must be a postgresql+asyncpg:// URL outside dev"
            )
        self._check_jwt_secret()

    def check_for_dev(self) -> None:
        """Refuse ``dev`` on an unusable keyring (given or from its file), JWT secret or margin."""
        self._check_keyring()
        self._check_jwt_secret()
        self._check_refresh_margin()

    def _check_refresh_margin(self) -> None:
        """A margin not shorter than the token's lifetime makes every use a refresh (a storm)."""
        margin = self.refresh_margin_seconds
        if not 0 < margin < XERO_ACCESS_TOKEN_SECONDS:
            raise ConfigurationError(
                f"XERO_CONNECTOR_REFRESH_MARGIN_SECONDS ({margin}) must be above 0 and shorter "
                f"than the access token's lifetime ({XERO_ACCESS_TOKEN_SECONDS} s at Xero)"
            )

    def _check_keyring(self) -> None:
        # Parsing checks kids, key lengths and placeholder-like keys; its errors name
        # XERO_CONNECTOR_KEYS and never echo a key.
        LocalKeyring.from_setting(reveal(self.keys) or "")

    def _check_jwt_secret(self) -> None:
        jwt_secret = reveal(self.jwt_secret)
        if jwt_secret is not None and len(jwt_secret.encode()) < 32:
            raise ConfigurationError("XERO_CONNECTOR_JWT_SECRET must be at least 32 bytes")
        if jwt_secret is not None and self.jwt_jwks_url:
            raise ConfigurationError(
                "set one of XERO_CONNECTOR_JWT_SECRET and XERO_CONNECTOR_JWT_JWKS_URL, not both"
            )
