"""The integration page in a real browser against a running ``xero-connector dev``.

Signed in by the printed address, a person connects two organisations through the sandbox's consent
pages (sign-in, MFA, picker) in the popup, sees them listed without a reload, loads the demo data,
maps with the suggestions, syncs and watches each kind's progress bar reach 100%, reads the failed
record's message from Xero and previews it, sees a refused consent in words, and disconnects.
Every step leaves a screenshot in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chromium import (
    CHROMIUM,
    COLOURS_OF,
    COLOURS_ON,
    UNLABELLED_CONTROLS,
    chromium,
    contrast,
    shot,
    shot_of,
    tab_order,
)
from tests.browser.records import Backend
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


@dataclass(frozen=True)
class Dev:
    page_url: str
    backend: Backend


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    """A running ``dev``: the address it prints for the page (the minted token in the fragment)
    and its API key."""
    directory = tmp_path_factory.mktemp("dev-ui")
    port, sandbox_port = free_port(), free_port()
    args = ["dev", "--port", str(port), "--sandbox-port", str(sandbox_port)]
    with started(args, cwd=directory, env=command_env()) as service:
        api_key = service.wait_for_line("API key: ")
        address = service.wait_for_line("Integration page: ")
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", service)
        yield Dev(address, Backend(base, api_key))


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


def load_demo_data(page: Page, backend: Backend) -> None:
    """The sync panel's Load demo data: the set goes in, the first run blocks what waits on a
    mapping, and Xero refuses the contact its Demo Company (AU) already has."""
    au = backend.connection_id("Demo Company (AU)")
    backend.wait_for_settings(au)
    backend.wait_for_first_sync(au)
    page.get_by_role("button", name="Sync for Demo Company (AU)").click()
    expect(page.locator("#sync-title")).to_have_text("Sync for Demo Company (AU)")
    page.get_by_role("button", name="Load demo data").click()
    expect(page.locator("#notice")).to_have_text(
        "Demo data loaded into Demo Company (AU): 49 new, 0 unchanged."
    )
    # The run ingestion asked for: contacts go, documents wait on their mappings.
    expect(page.locator("#run-status")).to_contain_text("Finished with problems", timeout=60_000)
    problems = page.locator("#problem-table tbody tr")
    expect(problems.filter(has_text="no mapping").first).to_be_visible()
    shot(page, "04-demo-data-blocked-on-mappings")
    shot_of(page.locator("#sync"), "04-sync-panel-blocked")


def map_with_suggestions(page: Page) -> None:
    """Records wait on mappings; the editor preselects suggestions, refuses a bad row in place
    (nothing saved), then saves."""
    page.get_by_role("button", name="Mappings for Demo Company (AU)").click()
    rows = page.locator("#mapping-table tbody tr")
    expect(rows).to_have_count(len(DEMO_KEYS))
    assert sorted(page.locator("#mapping-table .source-key").all_inner_texts()) == DEMO_KEYS
    selects = page.locator("#mapping-table select")
    for index in range(len(DEMO_KEYS)):
        assert selects.nth(index).input_value() != "", "the suggestion is preselected"
    expect(page.locator("#mapping-table .state").first).to_contain_text("suggested")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    shot(page, "05-mappings-suggested")

    chosen = selects.first.input_value()
    page.evaluate(BOGUS_ACCOUNT)  # an account Xero does not have, as a stale page could send
    page.get_by_role("button", name="Save mappings").click()
    expect(page.locator("#notice")).to_have_text("Nothing was saved: fix the rows marked below.")
    expect(page.locator("#mapping-table .row-error").first).not_to_be_empty()
    shot(page, "06-mappings-refused-row")

    selects.first.select_option(chosen)
    page.get_by_role("button", name="Save mappings").click()
    expect(page.locator("#notice")).to_have_text(f"Saved {len(DEMO_KEYS)} mappings.")
    expect(page.locator("#mapping-table .state")).to_have_text(["Mapped"] * len(DEMO_KEYS))
    shot(page, "07-mappings-saved")


def problem_row(page: Page, external_id: str) -> Locator:
    """The row of the record ``external_id`` among the failed and blocked ones."""
    cell = page.get_by_role("cell", name=external_id, exact=True)
    return page.locator("#problem-table tbody tr", has=cell)


def sync_to_the_end(page: Page) -> None:
    """Start sync from the keyboard; every kind's bar reaches 100%; the failed contact shows
    Xero's message, the invoice to it waits for it, and both preview."""
    start = page.get_by_role("button", name="Start sync")
    start.focus()
    page.keyboard.press("Enter")
    bars = page.get_by_role("progressbar")
    expect(bars).to_have_count(3)
    for kind in ("Contacts", "Invoices", "Bank transactions"):
        bar = page.get_by_role("progressbar", name=kind)
        expect(bar).to_have_attribute("aria-valuenow", "100", timeout=90_000)
    expect(page.locator("#run-status")).to_contain_text("Finished with problems")
    expect(page.locator("#notice")).to_have_text(
        re.compile(r"^Sync of Demo Company \(AU\): Finished with problems")
    )
    failed = problem_row(page, "cust-abc")
    expect(failed.locator(".record-message")).to_have_text(
        "The contact name ABC Furniture is already assigned to another contact. The contact name "
        "must be unique across all active contacts."
    )
    expect(failed.locator("td").nth(2)).to_have_text("Failed")
    waiting = problem_row(page, "inv-1018")
    expect(waiting.locator(".record-message")).to_have_text(
        "waiting for contact 'cust-abc' to reach Xero"
    )
    expect(page.locator("#problem-table tbody tr")).to_have_count(2)
    history = page.locator("#run-table tbody tr")
    expect(history.first).to_contain_text("partial")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    for selector in (
        "#start-sync",
        "#problem-table .record-failed",
        "#problem-table .record-blocked",
        "#problem-table .record-message",
        "#bar-contact-text",
        "#run-status",
    ):
        text, background = page.evaluate(COLOURS_ON, selector)
        assert contrast(text, background) >= 4.5, (selector, text, background)
    fill, track = page.evaluate(FILL_ON_TRACK)
    assert contrast(fill, track) >= 3.0, ("a bar's fill against its track", fill, track)
    shot(page, "08-synced")
    shot_of(page.locator("#sync"), "08-sync-panel")

    page.get_by_role("button", name="Preview contact cust-abc").click()
    expect(page.locator("#preview-body")).to_contain_text("PUT Contacts")
    expect(page.locator("#preview-body")).to_contain_text('"Name": "ABC Furniture"')
    expect(page.locator("#preview-body")).to_be_focused()
    shot(page, "09-preview-failed")
    shot_of(page.locator("#sync"), "09-sync-panel-preview")
    page.get_by_role("button", name="Preview invoice inv-1018").click()
    expect(page.locator("#preview-body")).to_have_text(
        "Blocked: waiting for contact 'cust-abc' to reach Xero"
    )

    page.get_by_role("button", name="Retry contact cust-abc").click()
    expect(page.locator("#notice")).to_have_text("Sending cust-abc again.")
    # Nothing was fixed in Xero, so it fails again with the same message.
    expect(page.locator("#run-table tbody tr").first).to_contain_text("retry", timeout=30_000)
    expect(page.locator("#run-status")).to_contain_text("Finished with problems", timeout=60_000)
    expect(failed.locator("td").nth(2)).to_have_text("Failed")
    shot(page, "10-retried")


FILL_ON_TRACK = """() => {
  const fill = document.querySelector("#bar-invoice .fill");
  const colour = (element) => getComputedStyle(element).backgroundColor;
  return [colour(fill), colour(fill.parentElement)];
}"""

DEMO_KEYS = sorted(
    [
        *("Sales", "Other Revenue", "Advertising", "Rent", "General Expenses", "Bank Fees"),
        *("Standard sales", "Standard purchases"),
        "Business Bank Account",
    ]
)
"""The demo set's categories, tax codes and money account: each waits on a mapping."""


BOGUS_ACCOUNT = """() => {
  const select = document.querySelector("#mapping-table select");
  const option = document.createElement("option");
  option.value = JSON.stringify([["account_id", "00000000-0000-4000-8000-00000000dead"]]);
  option.textContent = "Gone";
  select.append(option);
  select.value = option.value;
}"""


def test_connect_two_organisations_load_map_sync_and_disconnect(dev: Dev, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.goto(dev.page_url)
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

        load_demo_data(page, dev.backend)
        map_with_suggestions(page)
        sync_to_the_end(page)

        refused = consent_in_popup(page, name="11-refuse")
        refused.get_by_role("button", name="Cancel").click()
        expect(page.locator("#notice")).to_have_text(re.compile("Access was not granted in Xero"))
        expect(page.locator("#notice")).to_have_class("error")
        refused.close()
        expect(rows).to_have_count(2)
        shot(page, "12-refused")

        page.get_by_role("button", name="Disconnect Demo Company (UK)").click()
        expect(page.locator("#notice")).to_have_text("Disconnected Demo Company (UK).")
        uk = page.locator("tr", has_text="Demo Company (UK)")
        expect(uk.locator("td.status")).to_have_text("Disconnected")
        expect(uk.get_by_role("button")).to_have_count(0)
        shot(page, "13-disconnected")
