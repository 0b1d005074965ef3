"""The integration page at /ui/ (dev: on by default; api: behind the setting) and dev's token."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, InvalidJwt
from xero_connector.auth.dev_jwt import (
    DEMO_WORKSPACE_ID,
    dev_jwt_secret_path,
    load_or_create_dev_jwt_secret,
    mint_dashboard_jwt,
)
from xero_connector.cli.serve import ui_address, with_dev_ui
from xero_connector.main import create_app
from xero_connector.settings import Settings


async def _get(settings: Settings, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_the_page_is_off_unless_the_setting_turns_it_on() -> None:
    assert (await _get(Settings(), "/ui/")).status_code == 404
    page = await _get(Settings(ui_enabled=True), "/ui/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Connect to Xero" in page.text
    script = await _get(Settings(ui_enabled=True), "/ui/connections.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


def test_the_page_loads_nothing_from_elsewhere() -> None:
    static = Path(__file__).resolve().parents[2] / "src" / "xero_connector" / "ui" / "static"
    files = list(static.iterdir())
    assert {path.suffix for path in files} >= {".html", ".js", ".css"}
    for path in files:
        text = path.read_text()
        for outside in ("http://", "https://", "@import url"):
            assert outside not in text, f"{path.name} names {outside}"


def test_dev_turns_the_page_on_and_keeps_a_jwt_secret_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/dev.db"
    first = with_dev_ui(Settings(database_url=url))
    assert first.ui_enabled is True
    path = dev_jwt_secret_path(url)
    assert path == tmp_path / "dev.jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.jwt_secret is not None
    assert len(first.jwt_secret.get_secret_value()) >= 32
    again = with_dev_ui(Settings(database_url=url))
    assert again.jwt_secret == first.jwt_secret
    assert with_dev_ui(Settings(database_url=url, ui_enabled=False)).ui_enabled is False


def test_dev_uses_a_given_secret_and_makes_no_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/dev.db"
    given = SecretStr("g" * 40)
    assert with_dev_ui(Settings(database_url=url, jwt_secret=given)).jwt_secret == given
    assert not dev_jwt_secret_path(url).exists()


async def test_the_printed_address_signs_the_page_in_as_the_demo_workspace(tmp_path: Path) -> None:
    settings = with_dev_ui(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/dev.db", jwt_audience="dash")
    )
    address = ui_address(settings, "127.0.0.1", 8123)
    assert address is not None
    url, _, fragment = address.partition("#token=")
    assert url == "http://127.0.0.1:8123/ui/"
    assert settings.jwt_secret is not None
    verifier = DashboardJwtVerifier(secret=settings.jwt_secret.get_secret_value(), audience="dash")
    claims = await verifier.verify(fragment)
    assert claims.workspace_id == DEMO_WORKSPACE_ID
    assert ui_address(Settings(), "127.0.0.1", 8123) is None


def test_dev_hands_the_page_its_demo_data_key_beside_the_token(tmp_path: Path) -> None:
    settings = with_dev_ui(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/dev.db"))
    address = ui_address(settings, "127.0.0.1", 8123, ingest_key="xck_demo")
    assert address is not None
    fragment = address.partition("#")[2]
    assert fragment.startswith("token=")
    assert fragment.endswith("&ingest_key=xck_demo")


def test_no_token_without_a_secret() -> None:
    assert ui_address(Settings(ui_enabled=True), "h", 1) == "http://h:1/ui/"


async def test_a_minted_token_of_another_secret_is_refused(tmp_path: Path) -> None:
    secret = load_or_create_dev_jwt_secret(tmp_path / "a.jwt-secret")
    token = mint_dashboard_jwt("x" * 40, workspace_id=DEMO_WORKSPACE_ID)
    with pytest.raises(InvalidJwt, match="rejected"):
        await DashboardJwtVerifier(secret=secret).verify(token)
