"""``--seed``: the same seed and the same calls give the same ids; another seed gives others."""

from __future__ import annotations

from typing import Any

from .accounting_api import invoice
from .conftest import SandboxFactory
from .flows import AU, UK, bearer, connect


async def _ids_of_a_session(make_sandbox: SandboxFactory, seed: int) -> dict[str, Any]:
    """Consent, list connections, create an invoice for a new contact: every id that came back."""
    client, _, _ = await make_sandbox(seed=seed)
    tokens = await connect(client, "carol@sandbox.test", [AU, UK])
    auth = bearer(tokens["access_token"])
    connections = (await client.get("/connections", headers=auth)).json()
    created = await client.put(
        "/api.xro/2.0/Invoices",
        json={"Invoices": [invoice(Contact={"Name": "Seeded Pty Ltd"})]},
        headers={**auth, "xero-tenant-id": AU},
    )
    [element] = created.json()["Invoices"]
    state = (await client.get("/_sandbox/state")).json()
    return {
        "connections": [(c["id"], c["authEventId"]) for c in connections],
        "grants": [g["grant_id"] for g in state["grants"]],
        "invoice": element["InvoiceID"],
        "lines": [line["LineItemID"] for line in element["LineItems"]],
        "contact": element["Contact"]["ContactID"],
    }


async def test_the_same_seed_replays_the_same_ids(make_sandbox: SandboxFactory) -> None:
    first = await _ids_of_a_session(make_sandbox, seed=7)
    assert first == await _ids_of_a_session(make_sandbox, seed=7)


async def test_another_seed_draws_other_ids(make_sandbox: SandboxFactory) -> None:
    first = await _ids_of_a_session(make_sandbox, seed=7)
    other = await _ids_of_a_session(make_sandbox, seed=8)
    assert all(first[kind] != other[kind] for kind in first)
