"""``GET``/``PUT .../mappings``: validated against the last pull, all or nothing, audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.mappings.conftest import AU, SandboxConnector
from xero_connector.db.models import AuditEvent
from xero_connector.mappings import service


async def _ids(connector: SandboxConnector, connection_id: str) -> dict[str, str]:
    """Account code -> AccountID, and ``Category/Option`` -> ids of the AU chart."""
    accounts = (await connector.get(f"/v1/connections/{connection_id}/accounts"))["items"]
    found = {a["code"]: a["account_id"] for a in accounts}
    tracking = await connector.get(f"/v1/connections/{connection_id}/tracking-categories")
    for category in tracking["items"]:
        found[category["name"]] = category["tracking_category_id"]
        for option in category["options"]:
            found[f"{category['name']}/{option['name']}"] = option["tracking_option_id"]
    return found


def _valid_set(ids: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"kind": "account", "source_key": "sales", "target": {"code": "200"}},
        {"kind": "account", "source_key": "ads", "target": {"account_id": ids["400"]}},
        {"kind": "tax", "source_key": "standard", "target": {"tax_type": "OUTPUT"}},
        {"kind": "bank_account", "source_key": "main", "target": {"code": "090"}},
        {
            "kind": "tracking",
            "source_key": "region:north",
            "target": {
                "tracking_category_id": ids["Region"],
                "tracking_option_id": ids["Region/North"],
            },
        },
    ]


async def test_a_valid_set_is_stored_with_ids_and_reads_back_ok(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    ids = await _ids(connector, au)
    answer = await connector.put_mappings(au, _valid_set(ids))
    assert answer.status_code == 200, answer.text
    assert answer.json() == await connector.get(f"/v1/connections/{au}/mappings")
    items = {(i["kind"], i["source_key"]): i for i in answer.json()["items"]}
    assert items[("account", "sales")] == {
        "kind": "account",
        "source_key": "sales",
        "target": {"account_id": ids["200"]},  # named by code, stored as the AccountID
        "label": "200 Sales",
        "status": "ok",
        "reason": None,
    }
    assert items[("tax", "standard")]["label"] == "GST on Income (OUTPUT)"
    assert items[("bank_account", "main")]["target"] == {"account_id": ids["090"]}
    assert items[("tracking", "region:north")]["label"] == "Region: North"
    assert all(i["status"] == "ok" for i in items.values())
    assert answer.json()["unmapped"] == []


async def test_a_mix_of_valid_and_invalid_entries_stores_nothing_and_names_every_reason(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    ids = await _ids(connector, au)
    assert (await connector.put_mappings(au, _valid_set(ids))).status_code == 200
    before = await connector.get(f"/v1/connections/{au}/mappings")
    mixed = [
        {"kind": "account", "source_key": "sales", "target": {"code": "260"}},  # valid
        {"kind": "account", "source_key": "old", "target": {"code": "455"}},  # archived
        {"kind": "account", "source_key": "cash", "target": {"code": "090"}},  # BANK on lines
        {"kind": "account", "source_key": "ar", "target": {"code": "610"}},  # system account
        {"kind": "account", "source_key": "nope", "target": {"code": "999"}},  # unknown
        {"kind": "bank_account", "source_key": "stripe", "target": {"code": "200"}},  # not BANK
        {"kind": "tax", "source_key": "wet", "target": {"tax_type": "TAX001"}},  # deleted
        {"kind": "tax", "source_key": "capital", "target": {"tax_type": "CAPEXINPUT"}},
        {
            "kind": "tracking",
            "source_key": "region:central",  # archived option
            "target": {
                "tracking_category_id": ids["Region"],
                "tracking_option_id": ids["Region/Central"],
            },
        },
        {
            "kind": "tracking",
            "source_key": "department:north",  # an option of another category
            "target": {
                "tracking_category_id": ids["Department"],
                "tracking_option_id": ids["Region/North"],
            },
        },
        {"kind": "tracking", "source_key": "no-colon", "target": {"tracking_category_id": "x"}},
        {"kind": "account", "source_key": "sales", "target": {"code": "200"}},  # duplicate
        {"kind": "vat", "source_key": "x", "target": {"tax_type": "OUTPUT"}},  # unknown kind
        {"kind": "account", "source_key": "", "target": {"code": "200"}},  # empty key
        {"kind": "account", "source_key": "both", "target": {"code": "200", "account_id": "x"}},
    ]
    answer = await connector.put_mappings(au, mixed)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    errors = {e["index"]: e for e in answer.json()["errors"]}
    assert sorted(errors) == list(range(1, len(mixed)))  # every entry but the first
    reasons = {i: e["reason"] for i, e in errors.items()}
    assert reasons[1] == "account 455 Printing (old) is archived in Xero"
    assert "BANK account" in reasons[2]
    assert "DEBTORS system account" in reasons[3]
    assert reasons[4] == "no account with code 999 in the last settings pull"
    assert "not a BANK account" in reasons[5]
    assert reasons[6] == "tax rate TAX001 (Wine Equalisation Tax (old)) is deleted in Xero"
    # CAPEXINPUT applies to assets only, and this set maps only a REVENUE account.
    assert "none of the classes of the mapped accounts (revenue)" in reasons[7]
    assert "is archived in Xero" in reasons[8]
    assert "does not belong to tracking category Department" in reasons[9]
    assert reasons[10] == "a tracking source_key is <dimension>:<value>"
    assert reasons[11] == "duplicate of entry 0"
    assert reasons[12].startswith("unknown kind 'vat'")
    assert reasons[13] == "source_key must be 1 to 255 characters"
    assert reasons[14] == "account targets are {account_id} or {code} with non-empty strings"
    assert errors[1]["kind"] == "account"
    assert errors[1]["source_key"] == "old"
    assert await connector.get(f"/v1/connections/{au}/mappings") == before


async def test_put_replaces_the_whole_set_and_audits_from_and_to(
    connector: SandboxConnector,
) -> None:
    au = (await connector.connect())[AU]
    ids = await _ids(connector, au)
    assert (await connector.put_mappings(au, _valid_set(ids))).status_code == 200
    second = [
        {"kind": "account", "source_key": "sales", "target": {"code": "260"}},
        {"kind": "tax", "source_key": "standard", "target": {"tax_type": "OUTPUT"}},
    ]
    answer = await connector.put_mappings(au, second)
    assert answer.status_code == 200, answer.text
    assert [(i["kind"], i["source_key"]) for i in answer.json()["items"]] == [
        ("account", "sales"),
        ("tax", "standard"),
    ]
    async with connector.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "mappings.replace")
                .order_by(AuditEvent.at)
            )
        ).all()
    assert [e.result for e in events] == ["ok", "ok"]
    assert events[1].actor.startswith("api_key:")
    assert events[1].target == f"connection:{au}"
    assert events[1].detail is not None
    changes = {(c["kind"], c["source_key"]): c for c in events[1].detail["changes"]}
    assert changes[("account", "sales")]["from"] == {"account_id": ids["200"]}
    assert changes[("account", "sales")]["to"] == {"account_id": ids["260"]}
    assert changes[("account", "ads")]["to"] is None
    assert ("tax", "standard") not in changes  # unchanged


async def test_the_ops_role_reads_but_cannot_change_mappings(connector: SandboxConnector) -> None:
    from xero_connector.auth.api_keys import issue_api_key
    from xero_connector.auth.policy import Role

    au = (await connector.connect())[AU]
    async with connector.sessions() as session:
        issued = await issue_api_key(
            session, name="ops", role=Role.OPS, workspace_id=None, actor="t", source="t"
        )
        await session.commit()
    ops = {"Authorization": f"Bearer {issued.key}"}
    read = await connector.client.get(f"/v1/connections/{au}/mappings", headers=ops)
    assert read.status_code == 200
    put = await connector.client.put(
        f"/v1/connections/{au}/mappings", json={"items": []}, headers=ops
    )
    assert put.status_code == 403


async def test_unmapped_keys_come_with_a_suggestion_that_is_not_applied(
    connector: SandboxConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    au = (await connector.connect())[AU]
    ids = await _ids(connector, au)

    async def waiting(session: object, connection_id: str) -> list[tuple[str, str, int]]:
        return [
            ("account", "sales", 4),
            ("tax", "standard", 4),
            ("tracking", "region:north", 1),
            ("account", "zzz unknown", 2),
            ("bank_account", "main", 3),  # mapped below: not unmapped
        ]

    monkeypatch.setattr(service, "pending_source_keys", waiting)
    put = [{"kind": "bank_account", "source_key": "main", "target": {"code": "090"}}]
    assert (await connector.put_mappings(au, put)).status_code == 200
    body = await connector.get(f"/v1/connections/{au}/mappings")
    unmapped = {(u["kind"], u["source_key"]): u for u in body["unmapped"]}
    assert set(unmapped) == {
        ("account", "sales"),
        ("account", "zzz unknown"),
        ("tax", "standard"),
        ("tracking", "region:north"),
    }
    sales = unmapped[("account", "sales")]
    assert sales["records_waiting"] == 4
    assert sales["suggestion"]["target"] == {"account_id": ids["200"]}
    assert sales["suggestion"]["score"] == 1.0
    assert sales["suggestion"]["label"].startswith("200 Sales: name 'Sales' matches 'sales'")
    assert unmapped[("tax", "standard")]["suggestion"]["target"] == {"tax_type": "OUTPUT"}
    assert unmapped[("tracking", "region:north")]["suggestion"]["target"] == {
        "tracking_category_id": ids["Region"],
        "tracking_option_id": ids["Region/North"],
    }
    assert unmapped[("account", "zzz unknown")]["suggestion"] is None
    assert [i["source_key"] for i in body["items"]] == ["main"]  # nothing applied by itself
