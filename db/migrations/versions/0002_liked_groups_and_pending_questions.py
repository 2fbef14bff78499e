"""liked onboarding groups, and users.pending_questions (the questions awaiting each user's answer)

Types are spelled out (no imports from ``db.models``), as in 0001. The new users column goes through
batch mode so SQLite, which cannot alter a column in place, gets the same schema as PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURROGATE_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "liked_groups",
        sa.Column("id", SURROGATE_KEY, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("movie_ids", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _user_fk("liked_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liked_groups")),
        sa.UniqueConstraint("user_id", "movie_ids", name=op.f("uq_liked_groups_user_id_movie_ids")),
    )
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("pending_questions", sa.String(length=64), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_column("pending_questions")
    op.drop_table("liked_groups")
