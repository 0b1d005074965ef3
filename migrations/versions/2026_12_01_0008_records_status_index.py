"""Index records by status and last change, for the outbox gauges of ``/metrics``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("records_status_updated_at_idx"), ["status", "updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("records_status_updated_at_idx"))
