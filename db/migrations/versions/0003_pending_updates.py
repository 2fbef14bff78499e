"""pending_updates: the inbox of Telegram updates fetched and confirmed but not yet handled

Types are spelled out (no imports from ``db.models``), as in 0001. ``update_id`` is Telegram's own id,
so it is a plain BIGINT key, never auto-incremented.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pending_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_pending_updates")),
    )


def downgrade() -> None:
    op.drop_table("pending_updates")
