"""audit: change log, table versions and notification events

mh_changes holds one row per catalog change (also the HMS notification log); the views
mh_audit_changes, mh_audit_items and mh_audit_column_changes answer audit questions in plain SQL,
with the same columns on SQLite and PostgreSQL (docs/audit.md).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NAME = sa.Text().with_variant(sa.TEXT(collation="C"), "postgresql")

# The dialect-specific parts of the views: a readable timestamp and the JSON diff items as rows.
_CHANGED_AT = {
    "sqlite": "datetime(c.event_time, 'unixepoch')",
    "postgresql": "to_timestamp(c.event_time)",
}
_ITEMS = {
    "sqlite": (
        "json_each(c.diff) AS j",
        "json_extract(j.value, '$.kind')", "json_extract(j.value, '$.name')",
        "json_extract(j.value, '$.old')", "json_extract(j.value, '$.new')",
    ),
    "postgresql": (
        "LATERAL jsonb_array_elements(c.diff::jsonb) AS j(value)",
        "j.value->>'kind'", "j.value->>'name'", "j.value->>'old'", "j.value->>'new'",
    ),
}


def _views(dialect: str) -> list[str]:
    changed_at = _CHANGED_AT[dialect]
    source, kind, name, old, new = _ITEMS[dialect]
    return [
        f"""CREATE VIEW mh_audit_changes AS
            SELECT c.id AS event_id, c.event_time, {changed_at} AS changed_at, c.actor, c.operation,
                   c.db_name, c.table_name, c.version, c.run_id, c.kinds
            FROM mh_changes c""",
        f"""CREATE VIEW mh_audit_items AS
            SELECT c.id AS event_id, c.event_time, {changed_at} AS changed_at, c.actor, c.operation,
                   c.db_name, c.table_name, c.version, c.run_id,
                   {kind} AS kind, {name} AS name, {old} AS old_value, {new} AS new_value
            FROM mh_changes c, {source}""",
        """CREATE VIEW mh_audit_column_changes AS
            SELECT event_id, event_time, changed_at, actor, db_name, table_name, version, run_id,
                   name AS column_name, kind AS change,
                   CASE WHEN kind = 'column_comment_changed' THEN NULL ELSE old_value END AS old_type,
                   CASE WHEN kind = 'column_comment_changed' THEN NULL ELSE new_value END AS new_type,
                   CASE WHEN kind = 'column_comment_changed' THEN old_value END AS old_comment,
                   CASE WHEN kind = 'column_comment_changed' THEN new_value END AS new_comment
            FROM mh_audit_items
            WHERE kind IN ('column_added', 'column_removed', 'column_retyped', 'column_comment_changed')""",
    ]


def upgrade() -> None:
    op.create_table(
        "mh_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_time", sa.BigInteger(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("db_name", _NAME, nullable=False),
        sa.Column("table_name", _NAME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mh_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mh_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mh_changes_event_time"), ["event_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_mh_changes_db_name_table_name_version"),
                              ["db_name", "table_name", "version"], unique=False)
    for statement in _views(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for view in ("mh_audit_column_changes", "mh_audit_items", "mh_audit_changes"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    with op.batch_alter_table("mh_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mh_changes_db_name_table_name_version"))
        batch_op.drop_index(batch_op.f("ix_mh_changes_event_time"))
    op.drop_table("mh_changes")
