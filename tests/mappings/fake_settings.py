"""A scripted stand-in for Xero's settings endpoints (``SettingsApi``), and a connection row to
pull into: for the pull's own rules, where the sandbox cannot show the case (an account Xero
stops listing, a changed type or tax applicability, a 304)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xero_connector.db.base import new_id
from xero_connector.db.models import Connection, XeroGrant

XERO_NOW = datetime(2026, 11, 30, 0, 53, 20, tzinfo=UTC)  # every answer's DateTimeUTC


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | None


def account(code: str, name: str, type_: str, cls: str, **extra: Any) -> dict[str, Any]:
    return {
        "AccountID": f"00000000-0000-4000-8000-000000000{code}",
        "Code": code,
        "Name": name,
        "Type": type_,
        "Class": cls,
        "Status": "ACTIVE",
        "TaxType": extra.pop("TaxType", "NONE"),
        **extra,
    }


def tax_rate(tax_type: str, name: str, *applies: str, **extra: Any) -> dict[str, Any]:
    flags = {
        "revenue": "CanApplyToRevenue",
        "expenses": "CanApplyToExpenses",
        "assets": "CanApplyToAssets",
        "liabilities": "CanApplyToLiabilities",
        "equity": "CanApplyToEquity",
    }
    body = {"TaxType": tax_type, "Name": name, "Status": "ACTIVE", "EffectiveRate": 10}
    body.update({flag: word in applies for word, flag in flags.items()})
    return {**body, **extra}


@dataclass
class FakeXeroSettings:
    """``get`` answers from these lists; ``calls`` records (resource, If-Modified-Since)."""

    accounts: list[dict[str, Any]] = field(default_factory=list)
    tax_rates: list[dict[str, Any]] = field(default_factory=list)
    tracking: list[dict[str, Any]] = field(default_factory=list)
    organisation: dict[str, Any] = field(
        default_factory=lambda: {
            "Name": "Fake Co",
            "Timezone": "AUSEASTERNSTANDARDTIME",
            "BaseCurrency": "AUD",
            "CountryCode": "AU",
            "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Inclusive",
        }
    )
    accounts_not_modified: bool = False
    calls: list[tuple[str, datetime | None]] = field(default_factory=list)

    async def get(
        self,
        resource: str,
        *,
        params: Mapping[str, str] | None = None,
        if_modified_since: datetime | None = None,
    ) -> Answer:
        self.calls.append((resource, if_modified_since))
        envelope = {"DateTimeUTC": f"/Date({int(XERO_NOW.timestamp() * 1000)})/"}
        if resource == "Organisation":
            return Answer(200, {**envelope, "Organisations": [self.organisation]})
        if resource == "Accounts":
            if if_modified_since is not None and self.accounts_not_modified:
                return Answer(304, None)
            return Answer(200, {**envelope, "Accounts": list(self.accounts)})
        if resource == "TaxRates":
            return Answer(200, {**envelope, "TaxRates": list(self.tax_rates)})
        return Answer(200, {**envelope, "TrackingCategories": list(self.tracking)})

    def api_for(self, connection: Connection) -> FakeXeroSettings:
        return self


async def add_connection(sessions: async_sessionmaker[AsyncSession], status: str = "active") -> str:
    async with sessions() as session:
        grant = XeroGrant(id=new_id(), workspace_id="ws-fake")
        session.add(grant)
        await session.flush()
        connection = Connection(
            id=new_id(),
            workspace_id="ws-fake",
            grant_id=grant.id,
            tenant_id=new_id(),
            xero_connection_id=new_id(),
            status=status,
        )
        session.add(connection)
        await session.commit()
        return connection.id
