"""users.question_round becomes BIGINT: rounds now start at the clock, in Unix milliseconds

A user created again after /forget starts at the clock's round, later than any round the forgotten
account's "which movie?" buttons carry, so those buttons can never apply to the new account. Types are
spelled out (no imports from ``db.models``), as in 0001. SQLite is left alone: its INTEGER is 64-bit,
and batch mode would recreate ``users``, whose drop cascades to every row about the users.

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
    if op.get_bind().dialect.name != "sqlite":  # SQLite's INTEGER holds 64 bits already
        op.alter_column("users", "question_round", existing_type=sa.Integer(), type_=sa.BigInteger(),
                        existing_nullable=False, existing_server_default="0")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("UPDATE users SET question_round = 0")  # milliseconds do not fit INTEGER
        op.alter_column("users", "question_round", existing_type=sa.BigInteger(), type_=sa.Integer(),
                        existing_nullable=False, existing_server_default="0")
