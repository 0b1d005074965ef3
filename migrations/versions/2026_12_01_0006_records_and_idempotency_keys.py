"""Records (the outbox) and our own API's idempotency keys.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-01 19:56:31.462865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xero_connector.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("idempotency_keys_pkey")),
        sa.UniqueConstraint("scope", "key", name=op.f("idempotency_keys_scope_key_key")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idempotency_keys_expires_at_idx"), ["expires_at"], unique=False
        )

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("source_keys", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("xero_id", sa.String(length=64), nullable=True),
        sa.Column("synced_version", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("synced_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("records_connection_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("records_pkey")),
        sa.UniqueConstraint(
            "connection_id",
            "kind",
            "external_id",
            name=op.f("records_connection_id_kind_external_id_key"),
        ),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("records_batch_id_idx"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("records_connection_id_id_idx"), ["connection_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("records_connection_id_status_kind_id_idx"),
            ["connection_id", "status", "kind", "id"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("records_connection_id_status_kind_id_idx"))
        batch_op.drop_index(batch_op.f("records_connection_id_id_idx"))
        batch_op.drop_index(batch_op.f("records_batch_id_idx"))

    op.drop_table("records")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("idempotency_keys_expires_at_idx"))

    op.drop_table("idempotency_keys")
