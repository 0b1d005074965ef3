"""The integration page in a real browser against a running ``xero-connector dev``.

Signed in by the printed address, a person connects two organisations through the sandbox's consent
pages (sign-in, MFA, picker) in the popup, sees them listed without a reload, sees a refused consent
in words, and disconnects. Every step leaves a screenshot in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import (
    CHROMIUM,
    COLOURS_OF,
    UNLABELLED_CONTROLS,
    chromium,
    contrast,
    shot,
    tab_order,
)
from tests.e2e.consent import BOB
from tests.e2e.processes import command_env, free_port, started, wait_http

pytestmark = [
    pytest.mark.e2e,
    # In CI (.ci/run installs Chromium) a missing browser fails rather than skips.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="no /usr/bin/chromium (.ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address ``dev`` prints for the page (with its minted token in the fragment)."""
    directory = tmp_path_factory.mktemp("dev-ui")
    port, sandbox_port = free_port(), free_port()
    args = ["dev", "--port", str(port), "--sandbox-port", str(sandbox_port)]
    with started(args, cwd=directory, env=command_env()) as service:
        address = service.wait_for_line("Integration page: ")
        wait_http(f"http://127.0.0.1:{port}/healthz", service)
        yield address


def consent_in_popup(page: Page, *, name: str) -> Page:
    """Click Connect; in the Xero window sign in as BOB, enter his MFA code, tick every
    organisation. The popup, at its Allow access / Cancel choice."""
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Connect to Xero").click()
    popup = opened.value
    popup.wait_for_load_state()
    expect(popup.locator("#email")).to_be_visible()
    popup.fill("#email", BOB.email)
    popup.fill("#password", BOB.password)
    shot(popup, f"{name}-1-xero-sign-in")
    popup.get_by_role("button", name="Log in").click()
    assert BOB.mfa_code is not None
    popup.fill("#code", BOB.mfa_code)
    shot(popup, f"{name}-2-xero-mfa")
    popup.get_by_role("button", name="Confirm").click()
    for checkbox in popup.locator("input[name=tenant]").all():
        checkbox.check()
    shot(popup, f"{name}-3-xero-organisations")
    return popup


def test_connect_two_organisations_and_disconnect(page_url: str, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.goto(page_url)
        expect(page.locator("#who")).to_have_text("Workspace demo-workspace")
        assert "token" not in page.url, "the token stays out of the address bar and history"
        expect(page.locator("#no-connections")).to_be_visible()
        shot(page, "01-signed-in")

        assert page.evaluate(UNLABELLED_CONTROLS) == []
        assert "Connect to Xero" in tab_order(page, 3), "Connect is reachable with the keyboard"
        text, background = page.evaluate(COLOURS_OF, "#connect")
        assert contrast(text, background) >= 4.5, (text, background)

        popup = consent_in_popup(page, name="02-connect")
        with popup.expect_event("close"):  # the callback page posts its message and closes
            popup.get_by_role("button", name="Allow access").click()
        expect(page.locator("#notice")).to_have_text("Connected 2 Xero organisations.")
        rows = page.locator("#connection-table tbody tr")
        expect(rows).to_have_count(2)
        expect(page.locator("td.name")).to_have_text(["Demo Company (AU)", "Demo Company (UK)"])
        expect(page.locator("td.status")).to_have_text(["Active", "Active"])
        assert page.evaluate(UNLABELLED_CONTROLS) == []
        for label in ("Disconnect Demo Company (AU)", "Disconnect Demo Company (UK)"):
            danger = page.get_by_role("button", name=label)
            text, background = page.evaluate(COLOURS_OF, f"button[aria-label='{label}']")
            assert contrast(text, background) >= 4.5, (label, text, background)
            expect(danger).to_be_enabled()
        shot(page, "03-connected")

        refused = consent_in_popup(page, name="04-refuse")
        refused.get_by_role("button", name="Cancel").click()
        expect(page.locator("#notice")).to_have_text(re.compile("Access was not granted in Xero"))
        expect(page.locator("#notice")).to_have_class("error")
        refused.close()
        expect(rows).to_have_count(2)
        shot(page, "05-refused")

        page.get_by_role("button", name="Disconnect Demo Company (UK)").click()
        expect(page.locator("#notice")).to_have_text("Disconnected Demo Company (UK).")
        uk = page.locator("tr", has_text="Demo Company (UK)")
        expect(uk.locator("td.status")).to_have_text("Disconnected")
        expect(uk.get_by_role("button")).to_have_count(0)
        shot(page, "06-disconnected")
