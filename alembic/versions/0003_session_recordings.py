"""practice_sessions: the call's recording (file, length, size, offset); turns.typed

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audio_file", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("audio_seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("audio_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("audio_offset", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("typed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("typed")
    with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
        batch_op.drop_column("audio_offset")
        batch_op.drop_column("audio_bytes")
        batch_op.drop_column("audio_seconds")
        batch_op.drop_column("audio_file")
