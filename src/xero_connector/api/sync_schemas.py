"""Response bodies of the sync routes (ARCHITECTURE.md, "Sync runs")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from xero_connector.api.schemas import UtcDatetime
from xero_connector.connections.paging import Page
from xero_connector.db.models import SyncRun
from xero_connector.sync.views import run_counts, run_progress

RunStatus = Literal["queued", "running", "waiting", "succeeded", "partial", "failed"]
RunTrigger = Literal["connect", "ingest", "schedule", "manual", "retry"]


class KindCounts(BaseModel):
    """Records of one kind: brought to synced, failed or blocked by this run; still waiting."""

    synced: int
    failed: int
    blocked: int
    pending: int


class RunCounts(BaseModel):
    contact: KindCounts
    invoice: KindCounts
    bank_transaction: KindCounts


class RunProgress(BaseModel):
    """``done`` records settled by this run out of ``total`` (done plus still waiting)."""

    done: int
    total: int


class SyncRunOut(BaseModel):
    """A sync run. ``succeeded``, ``partial`` and ``failed`` are final; ``waiting`` is parked by
    Xero's daily limit until the connection's ``rate_limited_until`` and resumes by itself."""

    id: str
    connection_id: str
    trigger: RunTrigger
    status: RunStatus
    counts: RunCounts
    progress: RunProgress
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    error: str | None = Field(description="Why the run stopped (failed) or is waiting.")

    @classmethod
    def of(cls, run: SyncRun) -> SyncRunOut:
        done, total = run_progress(run)
        return cls(
            id=run.id,
            connection_id=run.connection_id,
            trigger=run.trigger,
            status=run.status,
            counts=RunCounts.model_validate(run_counts(run)),
            progress=RunProgress(done=done, total=total),
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error,
        )


class SyncRunPage(BaseModel):
    """A page of runs, newest first; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[SyncRunOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[SyncRun]) -> SyncRunPage:
        return cls(items=[SyncRunOut.of(run) for run in page.items], next_cursor=page.next_cursor)
