"""Xero's official Python SDK as the judge: it drives a live sandbox exactly as an outside service
would, and must deserialise every answer and see Xero's behaviour.

The SDK is synchronous (urllib3), so the sandbox is served by uvicorn in a thread
(``live_server.py``) and these tests are plain functions.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from typing import Any

import httpx
import pytest
import urllib3
from xero_python.accounting.models import (
    Account,
    BankTransaction,
    BankTransactions,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    LineItem,
)
from xero_python.exceptions import AccountingBadRequestException, ApiException, RateLimitException

from xero_connector.sandbox.world import SandboxConfig

from .live_server import LiveSandbox, live_sandbox
from .sdk_client import CLIENT_ID, CLIENT_SECRET, SdkClient, consent, sdk_client

AU = "a3b7c1d2-0000-4000-8000-000000000001"
Started = Callable[..., tuple[LiveSandbox, SdkClient]]


@pytest.fixture
def started() -> Iterator[Started]:
    """Start a live sandbox (config overrides as keywords), consent as carol, wire the SDK."""
    with ExitStack() as stack:

        def start(*, retries: bool = True, **overrides: Any) -> tuple[LiveSandbox, SdkClient]:
            config = SandboxConfig(
                clients={CLIENT_ID: CLIENT_SECRET}, auto_approve="carol", **overrides
            )
            live = stack.enter_context(live_sandbox(config))
            return live, sdk_client(live.base_url, consent(live.base_url), retries=retries)

        yield start


def _value(field: Any) -> Any:
    """An SDK enum's value (some of its models type these fields as plain strings)."""
    return getattr(field, "value", field)


def _line(**overrides: Any) -> LineItem:
    values: dict[str, Any] = {
        "description": "Consulting",
        "quantity": Decimal("2"),
        "unit_amount": Decimal("50.00"),
        "account_code": "200",
        "tax_type": "OUTPUT",
    }
    values.update(overrides)
    return LineItem(**values)


def _invoice(**overrides: Any) -> Invoice:
    values: dict[str, Any] = {
        "type": "ACCREC",
        "contact": Contact(contact_number="CUST-001"),
        "date": dt.date(2026, 1, 15),
        "due_date": dt.date(2026, 2, 14),
        "status": "AUTHORISED",
        "line_items": [_line()],
    }
    values.update(overrides)
    return Invoice(**values)


def test_connect_lists_the_consented_organisations(started: Started) -> None:
    _, sdk = started()
    connections = sdk.identity.get_connections()
    assert sorted(c.tenant_name for c in connections) == [
        "Demo Company (AU)",
        "Demo Company (UK)",
        "Demo Company (US)",
    ]
    organisation = sdk.accounting.get_organisations(AU).organisations[0]
    assert str(organisation.organisation_id) == AU  # the same GUID as the connection's tenantId


def test_an_expiring_token_is_refreshed_through_the_token_saver(started: Started) -> None:
    live, sdk = started()
    first = sdk.store["token"]["refresh_token"]
    sdk.store["token"]["expires_at"] = time.time() + 10  # inside the SDK's 60 s buffer
    accounts = sdk.accounting.get_accounts(AU).accounts
    assert accounts
    assert sdk.saved == 1
    assert sdk.store["token"]["refresh_token"] != first
    assert live.sandbox.world.stats.token_calls["refresh_token"] == 1


def test_the_settings_read_through_the_sdk(started: Started) -> None:
    _, sdk = started()
    accounts = {a.code: a for a in sdk.accounting.get_accounts(AU).accounts}
    rates = {r.tax_type: r for r in sdk.accounting.get_tax_rates(AU).tax_rates}
    one = sdk.accounting.get_tax_rate_by_tax_type(AU, "OUTPUT").tax_rates[0]
    tracking = sdk.accounting.get_tracking_categories(AU, include_archived=True)
    assert _value(accounts["090"].type) == "BANK"
    assert _value(accounts["455"].status) == "ARCHIVED"
    assert rates["OUTPUT"].effective_rate == Decimal("10.0")
    assert one.tax_type == "OUTPUT"
    assert {c.name for c in tracking.tracking_categories} == {"Region", "Department"}


def test_batches_with_one_bad_element_each_answer_per_element(started: Started) -> None:
    _, sdk = started()
    contacts = sdk.accounting.create_contacts(
        AU,
        Contacts(contacts=[Contact(name="SDK Customer"), Contact(name="SDK Customer")]),
        summarize_errors=False,
    ).contacts
    invoices = sdk.accounting.create_invoices(
        AU,
        Invoices(invoices=[_invoice(), _invoice(line_items=[_line(account_code="999")])]),
        summarize_errors=False,
    ).invoices
    transactions = sdk.accounting.create_bank_transactions(
        AU,
        BankTransactions(
            bank_transactions=[
                BankTransaction(
                    type="SPEND",
                    contact=Contact(contact_number="SUPP-001"),
                    bank_account=Account(code=code),
                    line_items=[_line(account_code="429", tax_type="INPUT")],
                )
                for code in ("090", "200")  # 200 is a revenue account, not a bank account
            ]
        ),
        summarize_errors=False,
    ).bank_transactions
    for batch in (contacts, invoices, transactions):
        assert [e.status_attribute_string for e in batch] == ["OK", "ERROR"]
        assert batch[0].validation_errors == []
        assert batch[1].validation_errors
    assert invoices[0].total == Decimal("110.00")
    assert invoices[1].date == dt.date(2026, 1, 15)
    assert str(invoices[1].invoice_id) == "00000000-0000-0000-0000-000000000000"
    assert invoices[1].validation_errors[0].message == (
        "Account code '999' is not a valid code for this document."
    )


def test_an_idempotent_retry_gets_the_first_answer_and_creates_nothing_more(
    started: Started,
) -> None:
    live, sdk = started()
    batch = Invoices(invoices=[_invoice(reference="idempotent")])
    first = sdk.accounting.create_invoices(AU, batch, summarize_errors=False, idempotency_key="k1")
    again = sdk.accounting.create_invoices(AU, batch, summarize_errors=False, idempotency_key="k1")
    assert first.invoices[0].invoice_id == again.invoices[0].invoice_id
    stored = live.sandbox.accounting.ledger(AU).invoices.values()
    assert sum(1 for r in stored if r.body.get("Reference") == "idempotent") == 1


def test_where_reads_and_an_unknown_field_is_a_bad_request(started: Started) -> None:
    _, sdk = started()
    found = sdk.accounting.get_contacts(AU, where='contactNumber=="CUST-001"').contacts
    assert [c.contact_number for c in found] == ["CUST-001"]
    with pytest.raises(AccountingBadRequestException) as raised:
        sdk.accounting.get_contacts(AU, where='ContactNumbr=="CUST-001"')
    assert raised.value.status == 400


def test_if_modified_since_reads_see_only_what_changed(started: Started) -> None:
    live, sdk = started()
    pulled = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert sdk.accounting.get_accounts(AU, if_modified_since=pulled).accounts == []
    assert sdk.accounting.get_invoices(AU, if_modified_since=pulled).invoices == []
    changed = httpx.post(
        f"{live.base_url}/_sandbox/settings",
        json={"tenant": AU, "changes": [{"account": "200", "status": "ARCHIVED"}]},
    )
    assert changed.status_code == 200
    sdk.accounting.create_invoices(
        AU, Invoices(invoices=[_invoice(line_items=[_line(account_code="260")])])
    )
    accounts = sdk.accounting.get_accounts(AU, if_modified_since=pulled).accounts
    invoices = sdk.accounting.get_invoices(AU, if_modified_since=pulled).invoices
    assert [(a.code, _value(a.status)) for a in accounts] == [("200", "ARCHIVED")]
    assert len(invoices) == 1
    assert invoices[0].line_items in (None, [])


def test_a_minute_429_surfaces_as_rate_limit_exception(started: Started) -> None:
    live, sdk = started(retries=False)
    httpx.post(f"{live.base_url}/_sandbox/limits", json={"tenant": AU, "minute_remaining": 0})
    with pytest.raises(RateLimitException) as raised:
        sdk.accounting.get_organisations(AU)
    assert raised.value.rate_limit == "minute"
    assert int(raised.value.headers["Retry-After"]) >= 1
    assert live.sandbox.world.stats.breaches["minute"] == 1


# What the SDK does that a client must not copy (docs/sandbox.md)


def test_the_sdk_sleeps_through_a_429_and_retries_silently(started: Started) -> None:
    live, sdk = started(time_scale=60.0)  # a sandbox minute lasts one real second
    httpx.post(f"{live.base_url}/_sandbox/limits", json={"tenant": AU, "minute_remaining": 0})
    assert sdk.accounting.get_organisations(AU).organisations  # no exception: urllib3 waited
    assert live.sandbox.world.stats.breaches["minute"] == 1


def test_the_sdk_resends_a_put_whose_answer_was_lost(started: Started) -> None:
    live, sdk = started(fault_drop=1.0, hang_seconds=30.0)
    batch = Invoices(invoices=[_invoice(reference="lost answer")])
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        sdk.accounting.create_invoices(AU, batch, _request_timeout=(5, 0.5))
    stored = live.sandbox.accounting.ledger(AU).invoices.values()

    def lost() -> int:
        return sum(1 for r in list(stored) if r.body.get("Reference") == "lost answer")

    # The SDK gives up on its last try after 0.5 s; on a loaded machine the sandbox may store
    # that try's invoice a moment later, so wait for it (a deadline, not a fixed sleep).
    deadline = time.monotonic() + 10
    while lost() < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lost() == 4
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        sdk.accounting.create_invoices(
            AU,
            Invoices(invoices=[_invoice(reference="keyed")]),
            idempotency_key="keyed",
            _request_timeout=(5, 0.5),
        )
    assert sum(1 for r in stored if r.body.get("Reference") == "keyed") == 1


def test_the_sdk_never_refreshes_on_a_401(started: Started) -> None:
    live, sdk = started()
    live.sandbox.world.clock.advance(1801)  # the sandbox expires the token; the SDK still trusts it
    with pytest.raises(ApiException) as raised:
        sdk.accounting.get_organisations(AU)
    assert raised.value.status == 401
    assert live.sandbox.world.stats.token_calls["refresh_token"] == 0
