"""The pull's own rules against a scripted Xero (real Postgres): what vanishes, what changed, what
a 304 or a changes pull leaves alone, what stays owed, and what the settings cron enqueues."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.mappings.fake_settings import (
    XERO_NOW,
    FakeXeroSettings,
    account,
    add_connection,
    tax_rate,
)
from xero_connector.db.models import Connection
from xero_connector.db.repos import settings_pulls
from xero_connector.db.settings_models import XeroAccount
from xero_connector.jobs import ids
from xero_connector.mappings import service
from xero_connector.mappings.freshness import ensure_fresh_settings
from xero_connector.mappings.pull import pull_settings_now
from xero_connector.mappings.resolver import Blocked, TaxTarget, load_resolver
from xero_connector.mappings.validate import Entry
from xero_connector.tasks.context import TaskResources
from xero_connector.tasks.settings import settings_cron

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def clock_from(start: datetime) -> Callable[[], datetime]:
    """A clock that moves one second per reading."""
    ticks = iter(range(10_000))
    return lambda: start + timedelta(seconds=next(ticks))


def chart() -> FakeXeroSettings:
    return FakeXeroSettings(
        accounts=[
            account("200", "Sales", "REVENUE", "REVENUE", TaxType="OUTPUT"),
            account("400", "Advertising", "EXPENSE", "EXPENSE", TaxType="INPUT"),
        ],
        tax_rates=[
            tax_rate("OUTPUT", "GST on Income", "revenue", "assets", "liabilities"),
            tax_rate("INPUT", "GST on Expenses", "expenses", "assets", "liabilities"),
        ],
    )


async def _pull(
    sessions: async_sessionmaker[AsyncSession], fake: FakeXeroSettings, cid: str, *, full: bool
) -> int:
    result = await pull_settings_now(sessions, fake.api_for, cid, full=full, clock=clock_from(T0))
    assert result is not None
    return result.changed


async def _map(sessions: async_sessionmaker[AsyncSession], cid: str, *entries: Entry) -> None:
    async with sessions() as session:
        connection = await session.get(Connection, cid)
        assert connection is not None
        await service.replace_mappings(
            session, connection, list(entries), actor="test", source=None, now=T0
        )
        await session.commit()


async def _states(sessions: async_sessionmaker[AsyncSession], cid: str) -> dict[str, Any]:
    async with sessions() as session:
        connection = await session.get(Connection, cid)
        assert connection is not None
        view = await service.read_mappings(session, connection)
    return {s.mapping.source_key: (s.status, s.reason) for s in view.items}


SALES = Entry("account", "sales", {"code": "200"})
STANDARD = Entry("tax", "standard", {"tax_type": "OUTPUT"})


async def test_an_account_xero_stops_listing_is_kept_as_deleted_and_its_mapping_drifts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    await _pull(sessions, fake, cid, full=True)
    await _map(sessions, cid, SALES)
    fake.accounts = fake.accounts[1:]
    assert await _pull(sessions, fake, cid, full=True) == 1
    async with sessions() as session:
        row = await session.scalar(select(XeroAccount).where(XeroAccount.code == "200"))
    assert row is not None
    assert (row.status, row.vanished_at is not None) == ("DELETED", True)
    assert await _states(sessions, cid) == {
        "sales": ("drifted", "account 200 Sales is no longer in Xero")
    }


async def test_a_changes_pull_never_takes_an_unlisted_account_for_gone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    await _pull(sessions, fake, cid, full=True)
    fake.accounts = []  # what If-Modified-Since answers when nothing changed
    assert await _pull(sessions, fake, cid, full=False) == 0
    assert fake.calls[-3] == ("Accounts", XERO_NOW)  # Xero's time of the last answer
    fake.accounts_not_modified = True  # or a 304
    assert await _pull(sessions, fake, cid, full=False) == 0
    async with sessions() as session:
        statuses = set((await session.scalars(select(XeroAccount.status))).all())
    assert statuses == {"ACTIVE"}


async def test_an_account_that_changed_type_drifts_until_it_is_mapped_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    await _pull(sessions, fake, cid, full=True)
    await _map(sessions, cid, SALES, STANDARD)
    fake.accounts[0]["Type"] = "OTHERINCOME"
    await _pull(sessions, fake, cid, full=True)
    assert (await _states(sessions, cid))["sales"] == (
        "drifted",
        "account 200 Sales changed type from REVENUE to OTHERINCOME since it was mapped",
    )
    await _map(sessions, cid, SALES, STANDARD)  # the workspace accepts the change
    assert (await _states(sessions, cid))["sales"] == ("ok", None)


async def test_a_tax_rate_whose_applicability_changed_drifts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    await _pull(sessions, fake, cid, full=True)
    await _map(sessions, cid, SALES, STANDARD)
    fake.tax_rates[0]["CanApplyToAssets"] = False
    await _pull(sessions, fake, cid, full=True)
    status, reason = (await _states(sessions, cid))["standard"]
    assert status == "drifted"
    assert reason == (
        "tax rate GST on Income (OUTPUT) now applies to revenue, liabilities "
        "(was revenue, assets, liabilities) since it was mapped"
    )


async def test_the_resolver_blocks_a_tax_type_that_cannot_apply_to_the_lines_account(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    await _pull(sessions, fake, cid, full=True)
    ads = Entry("account", "ads", {"code": "400"})
    await _map(sessions, cid, SALES, ads, Entry("tax", "standard", {"tax_type": "output"}))
    async with sessions() as session:
        resolver = await load_resolver(session, cid)
    ads_target = resolver.account("ads")
    sales_target = resolver.account("sales")
    assert not isinstance(ads_target, Blocked)
    assert not isinstance(sales_target, Blocked)
    assert resolver.tax("standard", account=sales_target) == TaxTarget("OUTPUT")
    assert resolver.tax("standard", account=ads_target) == Blocked(
        "tax rate OUTPUT (GST on Income) cannot apply to account 400 Advertising of class EXPENSE"
    )
    assert resolver.account("rent") == Blocked("no mapping for category 'rent'")
    assert resolver.bank_account("main") == Blocked("no mapping for money account 'main'")
    assert resolver.tracking("region", "x") == Blocked("no mapping for tracking 'region:x'")
    assert resolver.organisation.base_currency == "AUD"
    assert resolver.organisation.default_sales_tax == "Tax Exclusive"


async def test_a_pull_requested_while_one_runs_stays_owed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    async with sessions() as session:
        # requested a moment after the pull below starts (its clock starts at T0)
        await settings_pulls.request_pull(session, [cid], at=T0 + timedelta(milliseconds=500))
        await session.commit()
    await _pull(sessions, fake, cid, full=True)
    async with sessions() as session:
        assert await settings_pulls.owed_pulls(session, limit=10) == [
            (cid, T0 + timedelta(milliseconds=500))
        ]
        await settings_pulls.request_pull(session, [cid], at=T0 - timedelta(hours=1))
        await session.commit()
        assert await settings_pulls.owed_pulls(session, limit=10) == []


class Recorder:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str]] = []

    async def enqueue(self, job: str, *args: Any, job_id: str, defer_until: Any = None) -> bool:
        self.jobs.append((job, args, job_id))
        return True


async def test_the_settings_cron_enqueues_owed_full_pulls_and_periodic_changes_pulls(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    owed, stale, fresh = [await add_connection(sessions) for _ in range(3)]
    gone = await add_connection(sessions, status="disconnected")
    async with sessions() as session:
        rows = {c.id: c for c in (await session.scalars(select(Connection))).all()}
        rows[owed].settings_pull_requested_at = T0
        rows[gone].settings_pull_requested_at = T0
        for cid, pulled in ((stale, T0 - timedelta(hours=7)), (fresh, T0 - timedelta(hours=1))):
            rows[cid].settings_pulled_at = rows[cid].settings_full_pulled_at = pulled
        await session.commit()
    recorder = Recorder()
    resources = TaskResources(
        session_factory=sessions,
        tokens=None,  # type: ignore[arg-type]
        remote=None,  # type: ignore[arg-type]
        dispatcher=recorder,
        clock=lambda: T0,
    )
    counts = await settings_cron({"resources": resources})
    assert counts == {"requested": 1, "periodic": 1}
    assert recorder.jobs == [
        (ids.PULL_SETTINGS, (owed, "full"), ids.settings_pull_job_id(owed, T0)),
        (
            ids.PULL_SETTINGS,
            (stale, "changes"),
            ids.settings_pull_job_id(stale, T0 - timedelta(hours=7), "changes"),
        ),
    ]


async def test_before_a_push_settings_older_than_the_max_age_are_pulled_in_full(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cid, fake = await add_connection(sessions), chart()
    max_age = timedelta(hours=1)
    first = await ensure_fresh_settings(
        sessions, fake.api_for, cid, max_age=max_age, clock=clock_from(T0)
    )
    assert first is not None  # never pulled: pulled now
    assert first.full
    calls = len(fake.calls)
    fresh = await ensure_fresh_settings(
        sessions, fake.api_for, cid, max_age=max_age, clock=lambda: T0 + timedelta(minutes=30)
    )
    assert fresh is None
    assert len(fake.calls) == calls
    stale = await ensure_fresh_settings(
        sessions, fake.api_for, cid, max_age=max_age, clock=clock_from(T0 + timedelta(hours=2))
    )
    assert stale is not None
    assert stale.full
    assert ("Accounts", None) in fake.calls[calls:]
