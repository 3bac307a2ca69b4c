"""locks: mh_locks holds Hive Metastore locks (lock / check_lock / unlock / heartbeat / show_locks)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NAME = sa.Text().with_variant(sa.TEXT(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mh_locks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ext_id", sa.BigInteger(), nullable=False),
        sa.Column("component", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("type", sa.SmallInteger(), nullable=False),
        sa.Column("db_name", _NAME, nullable=False),
        sa.Column("table_name", _NAME, nullable=True),
        sa.Column("partition_name", _NAME, nullable=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("txn_id", sa.BigInteger(), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("hostname", sa.Text(), nullable=False),
        sa.Column("agent_info", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("acquired_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_heartbeat_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_locks")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mh_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mh_locks_ext_id"), ["ext_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mh_locks_db_name_table_name"), ["db_name", "table_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_mh_locks_last_heartbeat_ms"), ["last_heartbeat_ms"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mh_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mh_locks_last_heartbeat_ms"))
        batch_op.drop_index(batch_op.f("ix_mh_locks_db_name_table_name"))
        batch_op.drop_index(batch_op.f("ix_mh_locks_ext_id"))
    op.drop_table("mh_locks")
