"""``return_url``: refused unless acceptable exactly as stored; outcomes replace, not add."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.connector_app import Browser, state_of
from tests.fake_xero import Tenant
from xero_connector.errors import InvalidInput
from xero_connector.oauth.return_url import check_return_url, with_query

ALLOWED = ("https://dash.example",)


@pytest.mark.parametrize(
    "return_url",
    [
        "\u00a0https://dash.example/settings",
        "https://dash.example/settings\u00a0",
        " https://dash.example/settings",
        "https://dash.example/settings ",
        "\u2003https://dash.example/settings",
        "https://dash.example/set tings",
        "https://dash.example/\x00settings",
    ],
)
def test_a_return_url_with_whitespace_or_control_characters_is_refused(return_url: str) -> None:
    with pytest.raises(InvalidInput):
        check_return_url(return_url, ALLOWED)


async def test_connect_refuses_a_return_url_with_a_leading_no_break_space(
    browser: Browser,
) -> None:
    response = await browser.start("ws-1", return_url="\u00a0https://dash.example/settings")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_outcome_parameters_replace_the_callers_own() -> None:
    url = with_query(
        "https://dash.example/x?status=connected&tab=a%20b&connection_ids=evil&error=e#frag",
        {"status": "error", "error": "access_denied"},
    )
    parts = urlsplit(url)
    assert parse_qsl(parts.query) == [
        ("tab", "a b"),
        ("status", "error"),
        ("error", "access_denied"),
    ]
    assert "tab=a%20b" in parts.query  # the caller's own parameters are kept as they were
    assert parts.fragment == "frag"


async def test_a_return_url_carrying_an_outcome_reaches_the_dashboard_with_ours_only(
    browser: Browser,
) -> None:
    return_url = "https://dash.example/settings?status=connected&connection_ids=evil&keep=1"
    url = await browser.authorize_url(return_url=return_url)
    code = browser.fake.consent(url, [Tenant("tenant-1", "One")])
    response = await browser.callback(code=code, state=state_of(url))
    assert response.status_code == 303
    query = parse_qsl(urlsplit(response.headers["location"]).query)
    keys = [key for key, _ in query]
    assert keys == ["keep", "status", "connection_ids"]
    assert dict(query)["connection_ids"] != "evil"
