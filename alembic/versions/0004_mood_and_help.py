"""turns.mood (the customer's state per turn); practice_sessions.mode and help_events (hints, repeats)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=16), nullable=False, server_default="practice"))
        batch_op.add_column(sa.Column("help_events", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mood", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("mood")
    with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
        batch_op.drop_column("help_events")
        batch_op.drop_column("mode")
