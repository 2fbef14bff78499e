"""users.question_round: which round of questions a "which movie?" button belongs to

/cancel starts a new round, so the buttons of the questions it cancelled can be refused while the
buttons of questions asked later work. BIGINT: a user's rounds start at the clock in Unix milliseconds,
so an account created again after /forget never reuses a round its old buttons carry. Types are spelled out (no imports from ``db.models``), as in
0001; the column goes through batch mode, as in 0002, so SQLite gets the same schema as PostgreSQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        # SQLite's INTEGER is 64-bit already, and the models say so the same way
        round_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
        users.add_column(sa.Column("question_round", round_type, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_column("question_round")
