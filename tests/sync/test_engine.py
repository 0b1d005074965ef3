"""The sync engine's state machine against a fake organisation, on Postgres and SQLite."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tests.sync.conftest import Harness
from xero_connector.errors import TransientError
from xero_connector.sync import progress
from xero_connector.sync.batches import Tally
from xero_connector.sync.requests import request_sync


def contact(n: int, name: str | None = None) -> dict[str, str]:
    return {"external_id": f"c-{n}", "name": name or f"Contact {n}"}


def invoice(n: int, contact_n: int, **extra: str) -> dict[str, str]:
    return {"external_id": f"i-{n}", "contact_external_id": f"c-{contact_n}", **extra}


async def test_contacts_go_first_then_invoices_reference_their_xero_ids(harness: Harness) -> None:
    await harness.ingest("invoice", *(invoice(n, n % 7) for n in range(30)))
    await harness.ingest("contact", *(contact(n) for n in range(7)))
    run = await harness.sync()
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 7
    assert harness.org.count("invoice") == 30
    contacts = {r.external_id: r.xero_id for r in await harness.records("contact")}
    for record in await harness.records("invoice"):
        doc = harness.org.docs["invoice"][record.xero_id or ""]
        assert doc["Contact"]["ContactID"] == contacts[record.payload["contact_external_id"]]
        assert record.status == "synced"
        assert record.synced_version == 1
    kinds = [kind for kind, *_ in harness.org.writes]
    assert kinds.index("invoice") > len(kinds) - 1 - kinds[::-1].index("contact")
    assert all(size <= 10 for _, _, size, _ in harness.org.writes)
    assert run.counts["contact"]["synced"] == 7
    assert run.counts["invoice"]["synced"] == 30
    assert run.done == 37
    assert harness.translations.pulls >= 1


async def test_a_lost_answer_is_reconciled_by_key_and_nothing_is_created_twice(
    harness: Harness,
) -> None:
    await harness.ingest("contact", *(contact(n) for n in range(25)))
    harness.org.script = ["lose", "drop"]  # one batch applied unanswered, one never applied
    run = await harness.sync()
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 25
    numbers = Counter(doc["ContactNumber"] for doc in harness.org.docs["contact"].values())
    assert set(numbers.values()) == {1}
    assert all(r.status == "synced" and r.xero_id for r in await harness.records())
    statuses = Counter(batch.status for batch in await harness.batches())
    assert statuses["reconciled"] == 2


async def test_a_refused_element_fails_with_xeros_message_and_is_not_resent(
    harness: Harness,
) -> None:
    await harness.ingest("contact", contact(1, "Acme"), contact(2, "ACME"), contact(3))
    run = await harness.sync()
    assert run.status == "partial"
    failed = [r for r in await harness.records() if r.status == "failed"]
    assert [r.external_id for r in failed] == ["c-2"]
    assert "already assigned to another contact" in failed[0].errors[0]
    writes = len(harness.org.writes)
    again = await harness.sync()
    assert again.status == "succeeded"
    assert len(harness.org.writes) == writes


async def test_an_update_and_a_void_after_a_create_use_post_with_the_xero_id(
    harness: Harness,
) -> None:
    await harness.ingest("contact", contact(1))
    await harness.ingest("invoice", invoice(1, 1, amount="10.00"))
    await harness.sync()
    [created] = await harness.records("invoice")
    await harness.ingest("invoice", invoice(1, 1, amount="12.50"))
    await harness.sync()
    await harness.ingest("invoice", invoice(1, 1, amount="12.50", status="void"))
    await harness.sync()
    [record] = await harness.records("invoice")
    assert record.xero_id == created.xero_id
    assert record.synced_version == 3
    assert harness.org.count("invoice") == 1
    doc = harness.org.docs["invoice"][record.xero_id or ""]
    assert (doc["Total"], doc["Status"]) == ("12.50", "VOIDED")
    assert [m for k, m, *_ in harness.org.writes if k == "invoice"] == ["PUT", "POST", "POST"]


async def test_a_void_that_never_reached_xero_is_not_sent(harness: Harness) -> None:
    await harness.ingest("contact", contact(1))
    await harness.ingest("invoice", invoice(1, 1, status="void"))
    run = await harness.sync()
    [record] = await harness.records("invoice")
    assert run.status == "succeeded"
    assert record.status == "synced"
    assert record.xero_id is None
    assert harness.org.count("invoice") == 0


async def test_a_daily_limit_parks_the_run_until_it_resets_then_it_resumes(
    harness: Harness,
) -> None:
    await harness.ingest("contact", *(contact(n) for n in range(15)))
    until = harness.clock.now.replace(hour=23)
    harness.org.daily_until = until
    harness.org.script = ["day"]
    run_id = await harness.request()
    await harness.engine.run_slice(run_id, 0)
    parked = await harness.run(run_id)
    assert parked.status == "waiting"
    assert parked.not_before == until
    assert parked.error is not None
    assert "daily limit" in parked.error
    assert harness.dispatcher.jobs[-1][3] == until  # the next slice is deferred until then
    await harness.engine.run_slice(run_id, parked.step)  # too early: nothing happens
    assert (await harness.run(run_id)).status == "waiting"
    run = await harness.drive(run_id)
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 15


async def test_a_disconnected_organisation_fails_the_run_and_keeps_records_pending(
    harness: Harness,
) -> None:
    await harness.ingest("contact", *(contact(n) for n in range(5)))
    harness.org.script = ["disconnected"]
    run = await harness.sync()
    assert run.status == "failed"
    assert run.error is not None
    assert "disconnected" in run.error
    assert [r.status for r in await harness.records()] == ["pending"] * 5


async def test_a_transient_failure_before_sending_defers_and_resends(harness: Harness) -> None:
    await harness.ingest("contact", *(contact(n) for n in range(5)))
    harness.org.script = ["unsent"]
    run = await harness.sync()
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 5


async def test_blocked_records_are_released_when_the_mapping_is_fixed(harness: Harness) -> None:
    await harness.ingest("contact", contact(1))
    await harness.ingest("invoice", invoice(1, 1, category="travel"), invoice(2, 1))
    harness.translations.unmapped = {"travel"}
    run = await harness.sync()
    assert run.status == "partial"
    assert run.counts["invoice"]["blocked"] == 1
    blocked = [r for r in await harness.records("invoice") if r.status == "blocked"]
    assert blocked[0].blocked_reason == "no mapping for category 'travel'"
    harness.translations.unmapped = set()
    again = await harness.sync()
    assert again.status == "succeeded"
    assert harness.org.count("invoice") == 2


async def test_an_invoice_whose_contact_failed_waits_blocked_and_does_not_fail(
    harness: Harness,
) -> None:
    await harness.ingest("contact", contact(1, "Same"), contact(2, "same"))
    await harness.ingest("invoice", invoice(1, 2))
    run = await harness.sync()
    [record] = await harness.records("invoice")
    assert run.status == "partial"
    assert record.status == "blocked"
    assert record.blocked_reason == "waiting for contact 'c-2'"


async def test_a_slice_that_died_mid_send_is_recovered_through_reconciliation(
    harness: Harness,
) -> None:
    await harness.ingest("contact", *(contact(n) for n in range(8)))
    run_id = await harness.request()

    class Killed(BaseException):
        pass

    original = harness.org.write

    async def dies_after_applying(*args: object, **kwargs: object) -> object:
        await original(*args, **kwargs)  # type: ignore[arg-type]
        raise Killed

    harness.org.write = dies_after_applying  # type: ignore[method-assign,assignment]
    with contextlib.suppress(Killed):
        await harness.engine.run_slice(run_id, 0)
    harness.org.write = original  # type: ignore[method-assign]
    stuck = [r for r in await harness.records() if r.status == "sending"]
    assert stuck  # the worker "died" with a batch in flight
    run = await harness.drive(run_id)
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 8
    assert {r.status for r in await harness.records()} == {"synced"}


async def test_one_active_run_per_connection(harness: Harness) -> None:
    first = await harness.request("ingest")
    assert await harness.request("manual") == first
    await harness.drive(first)
    assert await harness.request("manual") != first


async def test_a_queued_run_already_counts_the_records_it_has_to_push(harness: Harness) -> None:
    await harness.ingest("contact", *({"external_id": f"c{i}", "name": f"C {i}"} for i in range(3)))
    await harness.ingest("invoice", {"external_id": "i1", "contact_external_id": "c0"})
    queued = await harness.run(await harness.request())
    assert queued.status == "queued"
    assert queued.counts == {"contact": {"pending": 3}, "invoice": {"pending": 1}}


async def test_records_joining_a_run_as_it_ends_are_counted_by_its_last_slice(
    harness: Harness,
) -> None:
    await harness.ingest("contact", {"external_id": "c0", "name": "C 0"})
    run = await harness.run(await harness.request())

    async def last_slice_count() -> int:
        async with harness.sessions() as session:
            waiting = await progress.finish(
                session,
                run,
                run.step,
                Tally(),
                status=None,
                error=None,
                now=harness.clock(),
                phase="done",
            )
            await session.commit()
            return waiting

    async with harness.sessions() as joining:
        await harness.upsert(joining, "contact", {"external_id": "c1", "name": "C 1"})
        joined = await request_sync(joining, harness.connection_id, "ingest", now=harness.clock())
        assert (joined.run.id, joined.created) == (run.id, False)
        finishing = asyncio.create_task(last_slice_count())
        await asyncio.sleep(0.3)
        assert not finishing.done()  # the last slice waits for the joiner's commit
        await joining.commit()
    assert await finishing == 2  # it saw c1, so a follow-up run takes it


async def test_records_changed_behind_the_claim_cursor_are_pushed_in_the_same_run(
    harness: Harness,
) -> None:
    """Pages are claimed after the last id claimed; before a phase ends it looks once more from
    the start, so records that became pending again behind that id (their content changed while
    they were being sent) are not left for a later run."""
    await harness.ingest("contact", *(contact(n) for n in range(30)))
    write = harness.org.write
    changed = False

    async def write_then_change(*args: Any, **kwargs: Any) -> Any:
        nonlocal changed
        if not changed:  # during the first send: every contact gets a new version
            changed = True
            await harness.ingest("contact", *(contact(n, f"Renamed {n}") for n in range(30)))
        return await write(*args, **kwargs)

    harness.org.write = write_then_change  # type: ignore[method-assign]
    run = await harness.sync()
    assert run.status == "succeeded"
    assert harness.org.count("contact") == 30
    stored = await harness.records("contact")
    assert Counter((r.status, r.synced_version) for r in stored) == {("synced", 2): 30}


async def test_a_slice_the_database_dropped_out_of_is_retried_at_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.ingest("contact", contact(1))
    run_id = await harness.request()
    real_start = progress.start

    async def start_then_lose_the_database(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(progress, "start", real_start)
        raise OperationalError("SELECT 1", {}, ConnectionError("the server closed the connection"))

    monkeypatch.setattr(progress, "start", start_then_lose_the_database)
    with pytest.raises(TransientError):
        await harness.engine.run_slice(run_id, 0)
    assert (await harness.run(run_id)).lease_until is None  # released: the retry may take it
    assert (await harness.drive(run_id)).status == "succeeded"
