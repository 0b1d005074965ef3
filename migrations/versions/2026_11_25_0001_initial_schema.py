"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:54:30.175714
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xero_connector.db.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=True),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("is_dev", sa.Boolean(), nullable=False),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("api_keys_pkey")),
        sa.UniqueConstraint("prefix", name=op.f("api_keys_prefix_key")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("audit_events_pkey")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("audit_events_workspace_id_at_idx"), ["workspace_id", "at"], unique=False
        )

    op.create_table(
        "oauth_states",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("data_key_wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", sa.String(length=32), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("oauth_states_pkey")),
        sa.UniqueConstraint("state_hash", name=op.f("oauth_states_state_hash_key")),
    )
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("oauth_states_workspace_id_idx"), ["workspace_id"], unique=False
        )

    op.create_table(
        "xero_grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=False),
        sa.Column("xero_user_id", sa.String(length=64), nullable=True),
        sa.Column("auth_event_id", sa.String(length=64), nullable=True),
        sa.Column("token_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("data_key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("kek_id", sa.String(length=32), nullable=True),
        sa.Column(
            "access_expires_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("refreshed_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refresh_generation", sa.Integer(), nullable=False),
        sa.Column(
            "refresh_started_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "next_attempt_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_used_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "revocation_due_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("xero_grants_pkey")),
    )
    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("xero_grants_access_expires_at_idx"), ["access_expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("xero_grants_kek_id_idx"), ["kek_id"], unique=False)
        batch_op.create_index(batch_op.f("xero_grants_status_idx"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("xero_grants_workspace_id_idx"), ["workspace_id"], unique=False
        )

    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=128), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("xero_connection_id", sa.String(length=64), nullable=False),
        sa.Column("auth_event_id", sa.String(length=64), nullable=True),
        sa.Column("tenant_name", sa.String(length=255), nullable=True),
        sa.Column("tenant_type", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("base_currency", sa.String(length=3), nullable=True),
        sa.Column(
            "settings_pulled_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "disconnected_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "remote_delete_due_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "remote_deleted_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "rate_limited_until", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["xero_grants.id"], name=op.f("connections_grant_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("connections_pkey")),
        sa.UniqueConstraint(
            "workspace_id", "tenant_id", name=op.f("connections_workspace_id_tenant_id_key")
        ),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("connections_grant_id_idx"), ["grant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("connections_remote_delete_due_at_idx"),
            ["remote_delete_due_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("connections_status_idx"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("connections_workspace_id_idx"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("connections_workspace_id_idx"))
        batch_op.drop_index(batch_op.f("connections_status_idx"))
        batch_op.drop_index(batch_op.f("connections_remote_delete_due_at_idx"))
        batch_op.drop_index(batch_op.f("connections_grant_id_idx"))

    op.drop_table("connections")
    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("xero_grants_workspace_id_idx"))
        batch_op.drop_index(batch_op.f("xero_grants_status_idx"))
        batch_op.drop_index(batch_op.f("xero_grants_kek_id_idx"))
        batch_op.drop_index(batch_op.f("xero_grants_access_expires_at_idx"))

    op.drop_table("xero_grants")
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("oauth_states_workspace_id_idx"))

    op.drop_table("oauth_states")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("audit_events_workspace_id_at_idx"))

    op.drop_table("audit_events")
    op.drop_table("api_keys")
