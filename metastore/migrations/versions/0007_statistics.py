"""statistics: table and partition column statistics (mh_table_column_stats, mh_partition_column_stats)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_NAME = sa.Text().with_variant(sa.TEXT(collation="C"), "postgresql")


def _stat_columns() -> list[sa.Column]:
    return [
        sa.Column("col_type", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("last_analyzed", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "mh_table_column_stats",
        sa.Column("tbl_id", sa.Integer(), nullable=False),
        sa.Column("engine", _NAME, nullable=False),
        sa.Column("col_name", _NAME, nullable=False),
        *_stat_columns(),
        sa.ForeignKeyConstraint(["tbl_id"], ["mh_tables.id"], ondelete="CASCADE",
                                name=op.f("fk_mh_table_column_stats_tbl_id_mh_tables")),
        sa.PrimaryKeyConstraint("tbl_id", "engine", "col_name", name=op.f("pk_mh_table_column_stats")),
    )
    op.create_table(
        "mh_partition_column_stats",
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("engine", _NAME, nullable=False),
        sa.Column("col_name", _NAME, nullable=False),
        sa.Column("tbl_id", sa.Integer(), nullable=False),
        *_stat_columns(),
        sa.ForeignKeyConstraint(["part_id"], ["mh_partitions.id"], ondelete="CASCADE",
                                name=op.f("fk_mh_partition_column_stats_part_id_mh_partitions")),
        sa.PrimaryKeyConstraint("part_id", "engine", "col_name", name=op.f("pk_mh_partition_column_stats")),
    )
    with op.batch_alter_table("mh_partition_column_stats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mh_partition_column_stats_tbl_id_col_name"), ["tbl_id", "col_name"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mh_partition_column_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mh_partition_column_stats_tbl_id_col_name"))
    op.drop_table("mh_partition_column_stats")
    op.drop_table("mh_table_column_stats")
