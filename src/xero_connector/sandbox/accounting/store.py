"""``AccountingStore``: every tenant's ledger, the id generator and the idempotency memory."""

from __future__ import annotations

import random
from typing import Any

import orjson

from xero_connector.sandbox.accounting.charts import SEED_MS, build_ledger
from xero_connector.sandbox.accounting.context import WriteContext
from xero_connector.sandbox.accounting.idempotency import IdempotencyCache
from xero_connector.sandbox.accounting.ledger import Ledger
from xero_connector.sandbox.accounting.msdates import today_in
from xero_connector.sandbox.accounting.responses import render
from xero_connector.sandbox.accounting.seed_documents import seed_documents
from xero_connector.sandbox.world import World

# version 4 and the RFC 4122 variant, as uuid.UUID(int=..., version=4) sets them
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)


class AccountingStore:
    """In-memory accounting state of every seeded organisation.

    Deterministic: ``reset()`` rebuilds each ledger from its seeded chart and re-seeds its contacts
    and sample documents with ids drawn from a generator seeded by ``config.seed``, so two resets
    (or two runs with the same seed) hold identical objects. Created ids continue that sequence.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.idempotency = IdempotencyCache(world.config.idempotency_seconds)
        self.ledgers: dict[str, Ledger] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state (idempotency memory included)."""
        self._rng = random.Random(f"accounting:{self.world.config.seed}")  # noqa: S311
        self.idempotency.clear()
        self.ledgers = {
            tenant_id: build_ledger(org) for tenant_id, org in self.world.organisations.items()
        }
        for ledger in self.ledgers.values():
            seed_documents(self.context(ledger.organisation.tenant_id, "PUT", now_ms=SEED_MS))

    def new_id(self) -> str:
        """A random (version 4) UUID from the seeded generator; formatted by hand, as ``uuid.UUID``
        costs several times more and ids are minted for every document and line."""
        n = self._rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def now_ms(self) -> int:
        return int(self.world.clock.now() * 1000)

    def ledger(self, tenant_id: str) -> Ledger:
        return self.ledgers[tenant_id]

    def context(
        self,
        tenant_id: str,
        method: str,
        *,
        unit_dp: int = 2,
        now_ms: int | None = None,
        app_id: str = "",
    ) -> WriteContext:
        """What a write to ``tenant_id`` runs with (sandbox time unless ``now_ms`` is given)."""
        ledger = self.ledgers[tenant_id]
        now = self.now_ms() if now_ms is None else now_ms
        return WriteContext(
            ledger=ledger,
            now_ms=now,
            today=today_in(ledger.zone, now / 1000),
            unit_dp=unit_dp,
            new_id=self.new_id,
            method=method,
            app_id=app_id,
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """tenant id -> kind -> number of objects."""
        return {tenant_id: ledger.counts() for tenant_id, ledger in self.ledgers.items()}

    def snapshot(self, tenant_id: str) -> dict[str, Any]:
        """One tenant's whole state as plain JSON data (amounts as numbers)."""
        ledger = self.ledgers[tenant_id]
        state = {
            "organisation": ledger.organisation_body,
            "counts": ledger.counts(),
            "accounts": [a.body for a in ledger.accounts.values()],
            "tax_rates": [t.body for t in ledger.tax_rates.values()],
            "tracking_categories": [c.body for c in ledger.tracking.values()],
            "contacts": [r.body for r in ledger.contacts.values()],
            "invoices": [r.body for r in ledger.invoices.values()],
            "bank_transactions": [r.body for r in ledger.bank_transactions.values()],
        }
        result: dict[str, Any] = orjson.loads(render(state))
        return result
