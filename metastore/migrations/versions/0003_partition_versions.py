"""partition versions: mh_tables.part_version keys the per-process partition listing cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 11:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mh_tables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_version", sa.BigInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("mh_tables", schema=None) as batch_op:
        batch_op.drop_column("part_version")
