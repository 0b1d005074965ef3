"""Suggestions on the sandbox's seeded AU, UK and US charts, pulled over HTTP."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.mappings.conftest import AU, UK, US, SandboxConnector
from xero_connector.db.models import Connection
from xero_connector.mappings.catalog import Catalog, load_catalog
from xero_connector.mappings.suggest import Suggestion, suggest


async def _catalogs(
    sessions: async_sessionmaker[AsyncSession], connections: dict[str, str]
) -> dict[str, Catalog]:
    async with sessions() as session:
        found = {}
        for tenant, cid in connections.items():
            connection = await session.get(Connection, cid)
            assert connection is not None
            found[tenant] = await load_catalog(session, connection)
        return found


def _code(catalog: Catalog, found: Suggestion | None) -> str | None:
    assert found is not None
    account = catalog.account(account_id=found.target["account_id"])
    assert account is not None
    return account.code


async def test_sales_and_standard_find_the_revenue_account_and_the_default_sales_tax(
    connector: SandboxConnector,
) -> None:
    catalogs = await _catalogs(connector.sessions, await connector.connect())
    for tenant, sales_tax, purchases_tax in (
        (AU, "OUTPUT", "INPUT"),
        (UK, "OUTPUT2", "INPUT2"),
        (US, "OUTPUT", "INPUT"),
    ):
        catalog = catalogs[tenant]
        sales = suggest("account", "sales", catalog)
        assert _code(catalog, sales) == "200", tenant
        assert sales is not None
        assert sales.score == 1.0
        assert sales.label == (
            "200 Sales: name 'Sales' matches 'sales'; a REVENUE account, as 'sales' suggests"
        )
        standard = suggest("tax", "standard", catalog)
        assert standard is not None
        assert standard.target == {"tax_type": sales_tax}, tenant
        assert standard.score == 0.8
        assert "the organisation's default sales tax" in standard.label
        purchases = suggest("tax", "standard-purchases", catalog)
        assert purchases is not None
        assert purchases.target == {"tax_type": purchases_tax}, tenant


async def test_names_words_codes_and_tracking_rank_as_documented(
    connector: SandboxConnector,
) -> None:
    catalogs = await _catalogs(connector.sessions, await connector.connect())
    au, uk, us = catalogs[AU], catalogs[UK], catalogs[US]
    assert _code(au, suggest("account", "Bank Fees", au)) == "404"
    consulting = suggest("account", "consulting", au)
    assert _code(au, consulting) == "412"
    assert consulting is not None
    assert consulting.score == 0.85
    assert _code(au, suggest("account", "453", au)) == "453"  # by code
    assert _code(au, suggest("bank_account", "business bank account", au)) == "090"
    assert suggest("account", "business bank account", au) is None  # BANK: not on lines
    assert suggest("account", "printing", au) is None  # only the archived account matches
    exact = suggest("tax", "OUTPUT2", uk)
    assert exact is not None
    assert (exact.target, exact.score) == ({"tax_type": "OUTPUT2"}, 1.0)
    region = suggest("tracking", "region:north", au)
    assert region is not None
    assert region.label.startswith("Region: North: ")
    assert region.score == 1.0
    assert suggest("tracking", "cost centre:london", uk) is not None
    assert suggest("tracking", "project:alpha", uk) is None  # an archived category
    assert suggest("tracking", "location:online", us) is not None
    assert suggest("tracking", "region:central", au) is None  # an archived option
    # Deterministic: the same catalog gives the same answer every time.
    assert suggest("account", "travel", au) == suggest("account", "travel", au)


async def test_stripe_suggests_a_bank_account_named_stripe(connector: SandboxConnector) -> None:
    au = (await connector.connect())[AU]
    await connector.change_at_xero(AU, {"account": "091", "name": "Stripe"})
    await connector.pull(au)
    catalog = (await _catalogs(connector.sessions, {AU: au}))[AU]
    stripe = suggest("bank_account", "stripe", catalog)
    assert _code(catalog, stripe) == "091"
    assert stripe is not None
    assert stripe.label == "091 Stripe: name 'Stripe' matches 'stripe'"
