"""Drift: settings changed inside Xero (``/_sandbox/settings``), a pull, the mapping reads drifted
and the resolver blocks; fixing the mapping releases it. And a pull with nothing changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.mappings.conftest import AU, SandboxConnector
from xero_connector.jobs import ids
from xero_connector.mappings.resolver import AccountTarget, Blocked, TaxTarget, load_resolver


async def _map_au(connector: SandboxConnector) -> str:
    au = (await connector.connect())[AU]
    tracking = await connector.get(f"/v1/connections/{au}/tracking-categories")
    region = next(c for c in tracking["items"] if c["name"] == "Region")
    north = next(o for o in region["options"] if o["name"] == "North")
    answer = await connector.put_mappings(
        au,
        [
            {"kind": "account", "source_key": "sales", "target": {"code": "200"}},
            {"kind": "account", "source_key": "ads", "target": {"code": "400"}},
            {"kind": "tax", "source_key": "standard", "target": {"tax_type": "OUTPUT"}},
            {"kind": "bank_account", "source_key": "main", "target": {"code": "090"}},
            {
                "kind": "tracking",
                "source_key": "region:north",
                "target": {
                    "tracking_category_id": region["tracking_category_id"],
                    "tracking_option_id": north["tracking_option_id"],
                },
            },
        ],
    )
    assert answer.status_code == 200, answer.text
    return au


async def _states(connector: SandboxConnector, au: str) -> dict[str, dict[str, Any]]:
    body = await connector.get(f"/v1/connections/{au}/mappings")
    return {item["source_key"]: item for item in body["items"]}


async def test_an_account_archived_in_xero_drifts_blocks_and_is_released_when_remapped(
    connector: SandboxConnector,
) -> None:
    au = await _map_au(connector)
    await connector.change_at_xero(AU, {"account": "200", "status": "ARCHIVED"})
    assert (await _states(connector, au))["sales"]["status"] == "ok"  # not pulled yet
    await connector.pull(au)
    states = await _states(connector, au)
    assert states["sales"]["status"] == "drifted"
    assert states["sales"]["reason"] == "account 200 Sales is archived in Xero"
    assert {k for k, s in states.items() if s["status"] == "drifted"} == {"sales"}
    async with connector.sessions() as session:
        resolver = await load_resolver(session, au)
    assert resolver.account("sales") == Blocked(
        "the mapping of category 'sales' drifted: account 200 Sales is archived in Xero"
    )
    assert isinstance(resolver.account("ads"), AccountTarget)

    keep = [
        {"kind": item["kind"], "source_key": key, "target": item["target"]}
        for key, item in states.items()
        if key != "sales"
    ]
    remapped = [*keep, {"kind": "account", "source_key": "sales", "target": {"code": "260"}}]
    assert (await connector.put_mappings(au, remapped)).status_code == 200
    async with connector.sessions() as session:
        resolver = await load_resolver(session, au)
    target = resolver.account("sales")
    assert isinstance(target, AccountTarget)
    assert target.code == "260"


async def test_a_deleted_tax_rate_and_an_archived_tracking_option_drift(
    connector: SandboxConnector,
) -> None:
    au = await _map_au(connector)
    await connector.change_at_xero(
        AU,
        {"tax_rate": "OUTPUT", "status": "DELETED"},
        {"tracking_category": "Region", "option": "North", "status": "ARCHIVED"},
    )
    await connector.pull(au)
    states = await _states(connector, au)
    assert states["standard"]["reason"] == "tax rate OUTPUT (GST on Income) is deleted in Xero"
    assert states["region:north"]["reason"] == "tracking option North of Region is archived in Xero"
    assert states["sales"]["status"] == "ok"
    async with connector.sessions() as session:
        resolver = await load_resolver(session, au)
    assert isinstance(resolver.tax("standard"), Blocked)
    assert isinstance(resolver.tracking("region", "north"), Blocked)


async def test_a_deleted_account_drifts_and_a_renamed_one_does_not(
    connector: SandboxConnector,
) -> None:
    au = await _map_au(connector)
    await connector.change_at_xero(
        AU,
        {"account": "400", "status": "DELETED"},
        {"account": "200", "name": "Sales - Products"},
    )
    await connector.pull(au)
    states = await _states(connector, au)
    assert states["ads"]["reason"] == "account 400 Advertising is deleted in Xero"
    assert states["sales"]["status"] == "ok"
    assert states["sales"]["label"] == "200 Sales - Products"


async def test_the_cron_pull_asks_only_for_changed_accounts_and_still_finds_the_drift(
    connector: SandboxConnector,
) -> None:
    au = await _map_au(connector)
    await connector.change_at_xero(AU, {"account": "200", "status": "ARCHIVED"})
    connector.sent.clear()
    outcome = await connector.runner.run_now(ids.PULL_SETTINGS, au, "changes")
    assert outcome == "changes: 1 changed"
    [accounts_call] = connector.calls_to("Accounts")
    assert "if-modified-since" in accounts_call.headers
    assert (await _states(connector, au))["sales"]["status"] == "drifted"


async def test_a_pull_with_nothing_changed_costs_only_the_not_modified_answers(
    connector: SandboxConnector,
) -> None:
    au = await _map_au(connector)
    before = await connector.get(f"/v1/connections/{au}")
    connector.sent.clear()
    outcome = await connector.runner.run_now(ids.PULL_SETTINGS, au, "changes")
    assert outcome == "changes: 0 changed"  # not one row written
    assert sorted(r.url.path.rsplit("/", 1)[-1] for r in connector.sent) == [
        "Accounts",
        "Organisation",
        "TaxRates",
        "TrackingCategories",
    ]
    [accounts_call] = connector.calls_to("Accounts")
    assert "if-modified-since" in accounts_call.headers
    after = await connector.get(f"/v1/connections/{au}")
    moved = datetime.fromisoformat(after["settings_pulled_at"])
    assert moved > datetime.fromisoformat(before["settings_pulled_at"])
    async with connector.sessions() as session:
        resolver = await load_resolver(session, au)
    assert resolver.tax("standard") == TaxTarget("OUTPUT")
