"""Settings as an operator writes them: empty values, placeholders, a margin that would storm."""

from __future__ import annotations

import pytest

from xero_connector.errors import ConfigurationError
from xero_connector.settings import Settings
from xero_connector.vault import generate_key_entry

SCALE_OUT = {
    "XERO_CONNECTOR_DATABASE_URL": "postgresql+asyncpg://connector:pw@db:5432/xc",
    "XERO_CONNECTOR_REDIS_URL": "redis://redis:6379/0",
    "XERO_CONNECTOR_XERO_CLIENT_ID": "client",
    "XERO_CONNECTOR_XERO_CLIENT_SECRET": "a-real-looking-client-secret-4f1e",
}


@pytest.fixture
def scale_out_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in {**SCALE_OUT, "XERO_CONNECTOR_KEYS": generate_key_entry()}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_empty_optional_values_from_a_compose_file_count_as_unset(
    scale_out_env: pytest.MonkeyPatch,
) -> None:
    # docker-compose.yml passes `${XERO_CONNECTOR_JWT_SECRET:-}` and friends.
    for name in ("JWT_SECRET", "JWT_JWKS_URL", "CORS_ORIGINS", "WORKER_METRICS_PORT"):
        scale_out_env.setenv(f"XERO_CONNECTOR_{name}", "")

    settings = Settings()
    settings.check_for_scale_out()

    assert settings.jwt_secret is None
    assert settings.jwt_jwks_url is None
    assert settings.worker_metrics_port is None
    assert settings.cors_origin_list == []


def test_an_empty_value_of_a_setting_with_a_default_takes_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XERO_CONNECTOR_REFRESH_MARGIN_SECONDS", "")
    monkeypatch.setenv("XERO_CONNECTOR_QUEUE_NAME", "")

    settings = Settings()

    assert settings.refresh_margin_seconds == 600
    assert settings.queue_name == "xero-connector"


@pytest.mark.parametrize(
    "secret", ["your-client-secret", "YOUR_CLIENT_SECRET", "your secret", "paste-secret-here"]
)
def test_a_template_client_secret_is_refused_as_a_placeholder(
    scale_out_env: pytest.MonkeyPatch, secret: str
) -> None:
    scale_out_env.setenv("XERO_CONNECTOR_XERO_CLIENT_SECRET", secret)

    with pytest.raises(ConfigurationError, match="XERO_CONNECTOR_XERO_CLIENT_SECRET"):
        Settings().check_for_scale_out()


@pytest.mark.parametrize("margin", ["1800", "3600", "0"])
def test_a_refresh_margin_not_shorter_than_the_token_lifetime_is_refused(
    scale_out_env: pytest.MonkeyPatch, margin: str
) -> None:
    scale_out_env.setenv("XERO_CONNECTOR_REFRESH_MARGIN_SECONDS", margin)

    with pytest.raises(ConfigurationError, match="XERO_CONNECTOR_REFRESH_MARGIN_SECONDS"):
        Settings().check_for_scale_out()
    with pytest.raises(ConfigurationError, match="XERO_CONNECTOR_REFRESH_MARGIN_SECONDS"):
        Settings().check_for_dev()
