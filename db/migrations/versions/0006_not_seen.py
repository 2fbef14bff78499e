"""not_seen: the onboarding cards a user answered "haven't seen", so they are never offered again

Not the dismissals table: "haven't seen" is no "not interested", and the movie stays recommendable.
Types are spelled out (no imports from ``db.models``), as in 0001, whose dismissals table this mirrors.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "not_seen",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("movie_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_not_seen_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "movie_id", name=op.f("pk_not_seen")),
    )


def downgrade() -> None:
    op.drop_table("not_seen")
