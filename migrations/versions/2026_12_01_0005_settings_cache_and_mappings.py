"""The Xero settings cache (accounts, tax rates, tracking categories and options), the mappings,
and the organisation fields and pull bookkeeping of connections.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 19:57:45.917607
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xero_connector.db.base

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mappings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=255), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("mappings_connection_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("mappings_pkey")),
        sa.UniqueConstraint(
            "connection_id",
            "kind",
            "source_key",
            name=op.f("mappings_connection_id_kind_source_key_key"),
        ),
    )
    op.create_table(
        "xero_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=True),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("account_class", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tax_type", sa.String(length=64), nullable=True),
        sa.Column("enable_payments", sa.Boolean(), nullable=False),
        sa.Column("system_account", sa.String(length=64), nullable=True),
        sa.Column(
            "xero_updated_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("vanished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("xero_accounts_connection_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("xero_accounts_pkey")),
        sa.UniqueConstraint(
            "connection_id", "account_id", name=op.f("xero_accounts_connection_id_account_id_key")
        ),
    )
    op.create_table(
        "xero_tax_rates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("tax_type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_rate", sa.String(length=32), nullable=True),
        sa.Column("can_apply_to", sa.JSON(), nullable=False),
        sa.Column("vanished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("xero_tax_rates_connection_id_fkey")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("xero_tax_rates_pkey")),
        sa.UniqueConstraint(
            "connection_id", "tax_type", name=op.f("xero_tax_rates_connection_id_tax_type_key")
        ),
    )
    op.create_table(
        "xero_tracking_categories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("tracking_category_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("vanished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("xero_tracking_categories_connection_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("xero_tracking_categories_pkey")),
        sa.UniqueConstraint(
            "connection_id",
            "tracking_category_id",
            name=op.f("xero_tracking_categories_connection_id_tracking_category_id_key"),
        ),
    )
    op.create_table(
        "xero_tracking_options",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("tracking_category_id", sa.String(length=64), nullable=False),
        sa.Column("tracking_option_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("vanished_at", xero_connector.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("xero_tracking_options_connection_id_fkey"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("xero_tracking_options_pkey")),
        sa.UniqueConstraint(
            "connection_id",
            "tracking_option_id",
            name=op.f("xero_tracking_options_connection_id_tracking_option_id_key"),
        ),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("default_sales_tax", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("default_purchases_tax", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "settings_full_pulled_at",
                xero_connector.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "settings_pull_requested_at",
                xero_connector.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "accounts_modified_since",
                xero_connector.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("accounts_modified_since")
        batch_op.drop_column("settings_pull_requested_at")
        batch_op.drop_column("settings_full_pulled_at")
        batch_op.drop_column("default_purchases_tax")
        batch_op.drop_column("default_sales_tax")
        batch_op.drop_column("country")

    op.drop_table("xero_tracking_options")
    op.drop_table("xero_tracking_categories")
    op.drop_table("xero_tax_rates")
    op.drop_table("xero_accounts")
    op.drop_table("mappings")
