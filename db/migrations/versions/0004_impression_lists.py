"""impressions.list_id: the recommendation list each shown movie belongs to, so "more picks" can continue it

Types are spelled out (no imports from ``db.models``), as in 0001. Rows recorded before this revision
keep a NULL list id: their lists cannot be continued, and their buttons are refused as stale.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURROGATE_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("impressions") as impressions:
        impressions.add_column(sa.Column("list_id", SURROGATE_KEY, nullable=True))
        impressions.create_index(op.f("ix_impressions_list_id"), ["list_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("impressions") as impressions:
        impressions.drop_index(op.f("ix_impressions_list_id"))
        impressions.drop_column("list_id")
