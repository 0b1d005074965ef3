"""Index the look-ups of the shared-connection rules: connections by Xero connection id, grants by
Xero user.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:36:23.142400
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("connections_xero_connection_id_idx"), ["xero_connection_id"], unique=False
        )

    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("xero_grants_xero_user_id_idx"), ["xero_user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("xero_grants_xero_user_id_idx"))

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("connections_xero_connection_id_idx"))
