"""crawlers: folder state for incremental recrawls, written-table records, definitions, runs, connections

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_NAME = sa.Text().with_variant(sa.TEXT(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mh_crawler_folders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawler", _NAME, nullable=False),
        sa.Column("location", _NAME, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_crawler_folders")),
        sa.UniqueConstraint("crawler", "location", name=op.f("uq_mh_crawler_folders_crawler_location")),
    )
    op.create_table(
        "mh_crawler_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawler", _NAME, nullable=False),
        sa.Column("db_name", _NAME, nullable=False),
        sa.Column("table_name", _NAME, nullable=False),
        sa.Column("written", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_crawler_tables")),
        sa.UniqueConstraint("crawler", "db_name", "table_name",
                            name=op.f("uq_mh_crawler_tables_crawler_db_name_table_name")),
    )
    op.create_table(
        "mh_crawlers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("schedule", sa.Text(), nullable=True),
        sa.Column("next_fire_ms", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.Text(), server_default="READY", nullable=False),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column("owner_host", sa.Text(), nullable=True),
        sa.Column("owner_pid", sa.Integer(), nullable=True),
        sa.Column("heartbeat_ms", sa.BigInteger(), nullable=True),
        sa.Column("phase", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_crawlers")),
        sa.UniqueConstraint("name", name=op.f("uq_mh_crawlers_name")),
    )
    op.create_table(
        "mh_crawler_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("crawler", _NAME, nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("trigger", sa.Text(), nullable=False),
        sa.Column("started_ms", sa.BigInteger(), nullable=False),
        sa.Column("ended_ms", sa.BigInteger(), nullable=True),
        sa.Column("metrics", sa.Text(), nullable=True),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_crawler_runs")),
        sa.UniqueConstraint("run_id", name=op.f("uq_mh_crawler_runs_run_id")),
    )
    with op.batch_alter_table("mh_crawler_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mh_crawler_runs_crawler_started_ms"), ["crawler", "started_ms"],
                              unique=False)
    op.create_table(
        "mh_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("password_env", sa.Text(), nullable=True),
        sa.Column("password_file", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_mh_connections_name")),
    )


def downgrade() -> None:
    op.drop_table("mh_connections")
    with op.batch_alter_table("mh_crawler_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mh_crawler_runs_crawler_started_ms"))
    op.drop_table("mh_crawler_runs")
    op.drop_table("mh_crawlers")
    op.drop_table("mh_crawler_tables")
    op.drop_table("mh_crawler_folders")
