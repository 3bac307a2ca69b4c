"""Migration 0005 creates the change log and its views, and downgrades cleanly, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from metastore.store import migrate
from metastore.store.engine import create_engine

VIEWS = {"mh_audit_changes", "mh_audit_items", "mh_audit_column_changes"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_downgrade_upgrade(backend, make_db_url):
    engine = create_engine(make_db_url(backend))
    try:
        migrate.upgrade(engine, "0005")
        inspector = sa.inspect(engine)
        assert "mh_changes" in inspector.get_table_names()
        assert VIEWS <= set(inspector.get_view_names())
        assert {tuple(i["column_names"]) for i in inspector.get_indexes("mh_changes")} == {
            ("event_time",), ("db_name", "table_name", "id")}
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO mh_changes (event_time, operation, actor, db_name, table_name, version, kinds, diff) "
                "VALUES (1700000000, 'ALTER_TABLE', 'a', 'd', 't', 2, ',column_retyped,', "
                "'[{\"kind\":\"column_retyped\",\"name\":\"x\",\"old\":\"int\",\"new\":\"bigint\"}]')"))
            rows = conn.execute(sa.text(
                "SELECT column_name, change, old_type, new_type, version FROM mh_audit_column_changes")).all()
        assert [tuple(r) for r in rows] == [("x", "column_retyped", "int", "bigint", 2)]
        command_downgrade(engine)
        inspector = sa.inspect(engine)
        assert "mh_changes" not in inspector.get_table_names()
        assert not VIEWS & set(inspector.get_view_names())
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def command_downgrade(engine: sa.Engine) -> None:
    from alembic import command

    config = migrate._config()  # noqa: SLF001 - the same configuration upgrade uses
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
