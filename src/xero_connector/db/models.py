"""The tables. Timestamps are aware UTC (``*_at``); ids are UUID strings.

Encrypted columns hold vault envelopes (see vault/): ``*_ciphertext`` is AES-256-GCM under a per-row
data key, ``data_key_wrapped`` is that data key wrapped by the key-encryption key ``kek_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xero_connector.db.base import Base, UTCDateTime, new_id, utcnow

WORKSPACE_ID = String(128)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OAuthState(Base):
    """A pending authorization: single use, short-lived. Only the sha256 of the state is kept.

    Consuming the state drops its sealed secret (NULL envelope columns); the sweeper deletes the
    row a while after it expired.
    """

    __tablename__ = "oauth_states"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[str] = mapped_column(WORKSPACE_ID, index=True)
    # Envelope holding {"code_verifier", "nonce"} while the state is pending.
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_id: Mapped[str | None] = mapped_column(String(32))
    return_url: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class XeroGrant(TimestampMixin, Base):
    """One user consent: its encrypted token set and its refresh bookkeeping.

    ``refresh_generation`` is the fencing counter: a new token set is written only by a
    compare-and-set on it. ``refresh_started_at`` is committed before a refresh call is sent; the
    stored refresh token stays the one being sent until the new set commits, so a lost answer is
    recovered inside Xero's grace period. Ciphertext and data key are NULL once crypto-shredded.
    """

    __tablename__ = "xero_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(WORKSPACE_ID, index=True)
    xero_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    auth_event_id: Mapped[str | None] = mapped_column(String(64))
    # Envelope holding the token set (access, refresh and id token, expiry, scopes).
    token_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    data_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_id: Mapped[str | None] = mapped_column(String(32), index=True)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_generation: Mapped[int] = mapped_column(Integer, default=0)
    refresh_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # active | needs_reauth | revoked | shredded
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while the grant's end is owed: revoked at Xero (or destroyed here, see
    # connections.disconnect) once no connection needs it; the next try's time, with a count.
    revocation_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    revocation_attempts: Mapped[int] = mapped_column(Integer, default=0)


class Connection(TimestampMixin, Base):
    """One Xero organisation connected by one workspace."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("workspace_id", "tenant_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(WORKSPACE_ID, index=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("xero_grants.id"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    xero_connection_id: Mapped[str] = mapped_column(String(64), index=True)
    auth_event_id: Mapped[str | None] = mapped_column(String(64))
    tenant_name: Mapped[str | None] = mapped_column(String(255))
    tenant_type: Mapped[str | None] = mapped_column(String(32))
    # active | needs_reauth | disconnected
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(String(64))
    base_currency: Mapped[str | None] = mapped_column(String(3))
    # The organisation's settings (mappings/): country, the default LineAmountTypes of sales and
    # purchases ("Tax Exclusive", ...), and the pull bookkeeping. A pull is owed while
    # settings_pull_requested_at is after settings_full_pulled_at (or nothing was pulled yet);
    # accounts_modified_since is Xero's own time of the last accounts answer (If-Modified-Since).
    country: Mapped[str | None] = mapped_column(String(2))
    default_sales_tax: Mapped[str | None] = mapped_column(String(32))
    default_purchases_tax: Mapped[str | None] = mapped_column(String(32))
    settings_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settings_full_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settings_pull_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accounts_modified_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set while Xero's DELETE /connections/{xero_connection_id} is still owed: the next try's
    # time, with the count of failed tries (a job retries it, then gives up).
    remote_delete_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    remote_delete_attempts: Mapped[int] = mapped_column(Integer, default=0)
    remote_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rate_limited_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """A service or ops credential. Only a hash of the key is stored; ``prefix`` finds the row."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str | None] = mapped_column(WORKSPACE_ID)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    is_dev: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who did what, when, with what result, from where. Never holds a secret."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "workspace_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str | None] = mapped_column(WORKSPACE_ID)
    target: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Record(TimestampMixin, Base):
    """The outbox: one platform record (contact, invoice, bank transaction) of one connection.

    ``payload`` is the platform schema, normalised (amounts as canonical decimal strings);
    ``payload_hash`` is the sha256 of its canonical JSON, so the same content never makes a new
    ``version``. ``synced_version`` is the version Xero holds: a record whose content changed while
    it was being sent keeps its ``sending``/``uncertain`` status and is pending again once the sync
    sees ``version > synced_version``. ``source_keys`` lists the mapping keys the payload uses
    (``"<mapping kind>:<source key>"``), so unmapped keys are counted without parsing payloads.
    ``id`` is time-ordered (UUIDv7), so ordering by it is ingestion order.
    """

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("connection_id", "kind", "external_id"),
        Index(None, "connection_id", "status", "kind", "id"),
        Index(None, "connection_id", "id"),
        # The outbox gauges: counts of the statuses other than synced, the oldest pending.
        Index(None, "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    # contact | invoice | bank_transaction
    kind: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    source_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # pending | blocked | sending | synced | failed | uncertain
    status: Mapped[str] = mapped_column(String(20), default="pending")
    xero_id: Mapped[str | None] = mapped_column(String(64))
    synced_version: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Xero's messages or ours, newest attempt only.
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    # The sync batch holding the record while it is sending or uncertain.
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyKey(Base):
    """One ``Idempotency-Key`` of our own API, per caller scope: the request's hash and, once it
    finished, the response to replay. ``response_status`` is NULL while the first request runs."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


ACTIVE_RUN_STATUSES = ("queued", "running", "waiting")
_ACTIVE_RUN = text("status IN ('queued', 'running', 'waiting')")


class SyncRun(TimestampMixin, Base):
    """One sync run of a connection; its state lives here, its work in short slice jobs.

    At most one run per connection is active (queued, running or waiting): a partial unique
    index says so on both databases. ``step`` numbers the slice jobs (their job ids);
    ``lease_until`` is held by the one slice advancing the run, so two slices never interleave;
    ``not_before`` is when the next slice may start (debounce, a limiter pause, Xero's daily
    limit). ``counts`` is ``{kind: {synced, failed, blocked, pending}}``.
    """

    __tablename__ = "sync_runs"
    __table_args__ = (
        Index(
            "sync_runs_one_active_idx",
            "connection_id",
            unique=True,
            postgresql_where=_ACTIVE_RUN,
            sqlite_where=_ACTIVE_RUN,
        ),
        Index(None, "connection_id", "created_at"),
        Index(None, "status", "not_before"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    # connect | ingest | schedule | manual | retry
    trigger: Mapped[str] = mapped_column(String(16))
    # queued | running | waiting | succeeded | partial | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # the kind being pushed: contact, then invoice, then bank_transaction
    phase: Mapped[str] = mapped_column(String(20), default="contact")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_released: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncBatch(Base):
    """One request to Xero, written BEFORE it is sent.

    ``members`` lists ``[record_id, version, lookup_field, lookup_value]`` in element order;
    ``body_hash`` is the sha256 of the exact bytes; ``idempotency_key`` is derived from both, so
    the same batch always carries the same key. Status: ``sending`` (written, maybe in flight),
    ``done`` (outcomes stored), ``uncertain`` (the answer was lost: reconcile before resending),
    ``reconciled``, ``released`` (never sent).
    """

    __tablename__ = "sync_batches"
    __table_args__ = (Index(None, "connection_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id"), index=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    kind: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(8))
    members: Mapped[list[Any]] = mapped_column(JSON)
    body_hash: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# The settings cache and mappings (mappings/) live beside; imported so every table registers.
from xero_connector.db import settings_models  # noqa: E402, F401
