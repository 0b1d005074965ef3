"""The Xero settings cache of each connection and the workspace's mappings onto it.

Cached rows are never deleted by a pull: what Xero stopped listing is kept with status
``DELETED`` and ``vanished_at`` set, so a mapping pointing at it reads as drifted with a reason
instead of pointing at nothing. A pull writes
only the rows whose content changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xero_connector.db.base import Base, UTCDateTime, new_id, utcnow

# Every unique key starts with connection_id, which serves as its index too.
CONNECTION_FK = "connections.id"


class XeroAccount(Base):
    """One account of the organisation's chart, as the last pull saw it."""

    __tablename__ = "xero_accounts"
    __table_args__ = (UniqueConstraint("connection_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey(CONNECTION_FK))
    account_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(150))
    type: Mapped[str] = mapped_column(String(32))
    account_class: Mapped[str | None] = mapped_column(String(32))
    # ACTIVE | ARCHIVED | DELETED (also: no longer listed by Xero, see vanished_at)
    status: Mapped[str] = mapped_column(String(16))
    tax_type: Mapped[str | None] = mapped_column(String(64))
    enable_payments: Mapped[bool] = mapped_column(Boolean, default=False)
    system_account: Mapped[str | None] = mapped_column(String(64))
    xero_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class XeroTaxRate(Base):
    """One tax rate; ``can_apply_to`` lists the account classes its ``CanApplyTo*`` flags allow."""

    __tablename__ = "xero_tax_rates"
    __table_args__ = (UniqueConstraint("connection_id", "tax_type"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey(CONNECTION_FK))
    tax_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(150))
    # ACTIVE | DELETED | ARCHIVED | PENDING
    status: Mapped[str] = mapped_column(String(16))
    # A decimal as text (4 dp from Xero): SQLite has no exact decimal type.
    effective_rate: Mapped[str | None] = mapped_column(String(32))
    can_apply_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class XeroTrackingCategory(Base):
    """One tracking category (its options are ``XeroTrackingOption`` rows)."""

    __tablename__ = "xero_tracking_categories"
    __table_args__ = (UniqueConstraint("connection_id", "tracking_category_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey(CONNECTION_FK))
    tracking_category_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class XeroTrackingOption(Base):
    """One option of a tracking category."""

    __tablename__ = "xero_tracking_options"
    __table_args__ = (UniqueConstraint("connection_id", "tracking_option_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey(CONNECTION_FK))
    tracking_category_id: Mapped[str] = mapped_column(String(64))
    tracking_option_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Mapping(Base):
    """``(kind, source_key) -> target`` for one connection.

    ``target`` is the normalised Xero target (``{account_id}``, ``{tax_type}``,
    ``{tracking_category_id, tracking_option_id}``); ``snapshot`` is what that target looked like
    when the mapping was stored (type, class, tax applicability, names), so a later change at
    Xero reads as drift.
    """

    __tablename__ = "mappings"
    __table_args__ = (UniqueConstraint("connection_id", "kind", "source_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    connection_id: Mapped[str] = mapped_column(ForeignKey(CONNECTION_FK))
    kind: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(255))
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
