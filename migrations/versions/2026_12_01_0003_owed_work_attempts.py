"""Count the attempts of owed disconnect work; let used OAuth states drop their sealed secret;
index what the sweeper looks up (owed revocations, stale states).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("remote_delete_attempts", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revocation_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            batch_op.f("xero_grants_revocation_due_at_idx"), ["revocation_due_at"], unique=False
        )

    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.alter_column("secret_ciphertext", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("data_key_wrapped", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.alter_column("kek_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index(
            batch_op.f("oauth_states_expires_at_idx"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    # A used state has no secret left: those rows cannot satisfy NOT NULL again.
    op.execute("DELETE FROM oauth_states WHERE secret_ciphertext IS NULL")
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("oauth_states_expires_at_idx"))
        batch_op.alter_column("kek_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("data_key_wrapped", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("secret_ciphertext", existing_type=sa.LargeBinary(), nullable=False)

    with op.batch_alter_table("xero_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("xero_grants_revocation_due_at_idx"))
        batch_op.drop_column("revocation_attempts")

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("remote_delete_attempts")
