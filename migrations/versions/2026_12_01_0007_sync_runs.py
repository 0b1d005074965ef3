"""Sync runs (one active per connection) and sync batches (written before they are sent).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:57:35.814694
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xero_connector.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("lease_until", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("not_before", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_released", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("sync_runs_connection_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("sync_runs_pkey")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("sync_runs_connection_id_created_at_idx"),
            ["connection_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "sync_runs_one_active_idx",
            ["connection_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('queued', 'running', 'waiting')"),
            sqlite_where=sa.text("status IN ('queued', 'running', 'waiting')"),
        )
        batch_op.create_index(
            batch_op.f("sync_runs_status_not_before_idx"), ["status", "not_before"], unique=False
        )

    op.create_table(
        "sync_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("sync_batches_connection_id_fkey")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_runs.id"], name=op.f("sync_batches_run_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("sync_batches_pkey")),
    )
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("sync_batches_connection_id_status_idx"),
            ["connection_id", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("sync_batches_run_id_idx"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("sync_batches_run_id_idx"))
        batch_op.drop_index(batch_op.f("sync_batches_connection_id_status_idx"))

    op.drop_table("sync_batches")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("sync_runs_status_not_before_idx"))
        batch_op.drop_index(
            "sync_runs_one_active_idx",
            postgresql_where=sa.text("status IN ('queued', 'running', 'waiting')"),
            sqlite_where=sa.text("status IN ('queued', 'running', 'waiting')"),
        )
        batch_op.drop_index(batch_op.f("sync_runs_connection_id_created_at_idx"))

    op.drop_table("sync_runs")
