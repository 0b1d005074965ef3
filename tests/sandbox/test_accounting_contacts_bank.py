"""Contacts and bank transactions: their own validation rules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .accounting_api import Api, bank_transaction, line, messages, open_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as opened:
        yield opened


async def errors_of(api: Api, collection: str, element: dict[str, object]) -> list[str]:
    response = await api.put(collection, [element], summarize=False)
    return messages(response.json()[collection][0])


async def test_contact_is_created_active(api: Api) -> None:
    created = await api.one("Contacts", {"Name": "Acme", "EmailAddress": "a@acme.test"})
    assert (created["ContactStatus"], len(created["ContactID"])) == ("ACTIVE", 36)


async def test_contact_name_must_be_unique(api: Api) -> None:
    assert await errors_of(api, "Contacts", {"Name": "abc furniture"}) == [
        "The contact name abc furniture is already assigned to another contact. The contact name "
        "must be unique across all active contacts."
    ]


async def test_archived_contact_name_may_be_reused(api: Api) -> None:
    created = await api.one("Contacts", {"Name": "Old Printing Co"})
    assert created["Name"] == "Old Printing Co"


async def test_contact_number_must_be_unique(api: Api) -> None:
    errors = await errors_of(api, "Contacts", {"Name": "Someone New", "ContactNumber": "CUST-001"})
    assert errors[0].startswith("Another contact has this contact number")


async def test_contact_needs_a_name(api: Api) -> None:
    assert await errors_of(api, "Contacts", {"EmailAddress": "x@y.test"}) == [
        "The contact name must be specified."
    ]


async def test_contact_email_must_be_valid(api: Api) -> None:
    assert await errors_of(api, "Contacts", {"Name": "Bad Email", "EmailAddress": "nope"}) == [
        "Email address must be valid."
    ]


async def test_contact_rename_shows_on_its_invoices(api: Api) -> None:
    contact = (await api.get("/Contacts/CUST-001")).json()["Contacts"][0]
    await api.post("Contacts", [{"ContactID": contact["ContactID"], "Name": "ABC Furniture Ltd"}])
    invoices = (await api.get("/Invoices", where='Type=="ACCREC"')).json()["Invoices"]
    assert invoices[0]["Contact"]["Name"] == "ABC Furniture Ltd"


async def test_archived_contacts_are_hidden_unless_asked_for(api: Api) -> None:
    plain = (await api.get("/Contacts")).json()["Contacts"]
    everything = (await api.get("/Contacts", includeArchived="true")).json()["Contacts"]
    assert (len(everything) - len(plain), "ARCHIVED" in {c["ContactStatus"] for c in plain}) == (
        1,
        False,
    )


async def test_spend_money_is_totalled_with_gst(api: Api) -> None:
    created = await api.one("BankTransactions", bank_transaction())
    assert (created["Total"], created["BankAccount"]["Code"], created["Status"]) == (
        60.5,
        "090",
        "AUTHORISED",
    )


async def test_bank_account_must_be_of_type_bank(api: Api) -> None:
    errors = await errors_of(api, "BankTransactions", bank_transaction(BankAccount={"Code": "200"}))
    assert errors == ["Account code '200' is not a bank account."]


async def test_bank_account_must_exist(api: Api) -> None:
    errors = await errors_of(api, "BankTransactions", bank_transaction(BankAccount={"Code": "999"}))
    assert "could not be found" in errors[0]


async def test_bank_account_is_required(api: Api) -> None:
    body = bank_transaction()
    body["BankAccount"] = {}
    assert await errors_of(api, "BankTransactions", body) == ["A bank account must be specified."]


async def test_bank_transaction_lines_need_an_account(api: Api) -> None:
    bare = line(TaxType="INPUT")
    del bare["AccountCode"]
    errors = await errors_of(api, "BankTransactions", bank_transaction(LineItems=[bare]))
    assert errors == ["Account code must be specified for each line item."]


async def test_transfers_are_refused(api: Api) -> None:
    errors = await errors_of(api, "BankTransactions", bank_transaction(Type="SPEND-TRANSFER"))
    assert "BankTransfers" in errors[0]


async def test_reconciled_transaction_lines_cannot_change(api: Api) -> None:
    created = await api.one("BankTransactions", bank_transaction(IsReconciled=True))
    change = bank_transaction(BankTransactionID=created["BankTransactionID"])
    change["LineItems"] = [line(AccountCode="429", TaxType="INPUT")]
    response = await api.post("BankTransactions", [change], summarize=False)
    assert "reconciled" in messages(response.json()["BankTransactions"][0])[0]


async def test_bank_transaction_can_be_deleted(api: Api) -> None:
    created = await api.one("BankTransactions", bank_transaction())
    change = bank_transaction(BankTransactionID=created["BankTransactionID"], Status="DELETED")
    response = await api.post("BankTransactions", [change])
    assert response.json()["BankTransactions"][0]["Status"] == "DELETED"


async def test_update_without_the_spec_required_fields_breaks_strict_mode(api: Api) -> None:
    created = await api.one("BankTransactions", bank_transaction())
    change = {"BankTransactionID": created["BankTransactionID"], "Status": "DELETED"}
    response = await api.post("BankTransactions", [change])
    assert (response.status_code, len(api.world.stats.schema_violations)) == (400, 1)
