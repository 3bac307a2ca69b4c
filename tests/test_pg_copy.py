"""Whole partition listings through PostgreSQL binary COPY: the same rows as the ordinary fetch."""

from __future__ import annotations

import struct

import pytest
import sqlalchemy as sa

from metastore.store import pg_copy
from metastore.store.engine import create_engine


def _stream(rows: list[tuple[int, bytes | None, int]], id_width: int = 4) -> bytes:
    out = [pg_copy.SIGNATURE, struct.pack(">ii", 0, 0)]
    for ident, body, cd in rows:
        out.append(struct.pack(">h", 3))
        out.append(struct.pack(">ii", 4, ident) if id_width == 4 else struct.pack(">iq", 8, ident))
        out.append(struct.pack(">i", -1) if body is None else struct.pack(">i", len(body)) + body)
        out.append(struct.pack(">ii", 4, cd))
    out.append(struct.pack(">h", -1))
    return b"".join(out)


def test_parse_listing_reads_ids_bodies_nulls_and_bigint_ids():
    rows = pg_copy.parse_listing(_stream([(1, b"\x0b\x00", 7), (2, None, 7), (3, b"", 9)]))
    assert [(i, n, None if b is None else bytes(b), c) for i, n, b, c in rows] == [
        (1, None, b"\x0b\x00", 7), (2, None, None, 7), (3, None, b"", 9)]
    big = pg_copy.parse_listing(_stream([(2**40, b"x", 1)], id_width=8))
    assert (big[0][0], bytes(big[0][2])) == (2**40, b"x")


def test_parse_listing_rejects_what_is_not_its_layout():
    with pytest.raises(ValueError, match="bad signature"):
        pg_copy.parse_listing(b"id,wire\n1,x\n")
    wrong = pg_copy.SIGNATURE + struct.pack(">iih", 0, 0, 2)
    with pytest.raises(ValueError, match="expected 3"):
        pg_copy.parse_listing(wrong)


def test_copy_listing_returns_what_a_plain_select_returns(make_db_url):
    engine = create_engine(make_db_url("postgres"))
    meta = sa.MetaData()
    rows_table = sa.Table("copy_rows", meta, sa.Column("id", sa.Integer, primary_key=True),
                          sa.Column("name", sa.Text), sa.Column("wire", sa.LargeBinary), sa.Column("cd_id", sa.Integer))
    meta.create_all(engine)
    data = [{"id": i, "name": f"k={i:05d}", "wire": None if i % 97 == 0 else bytes(range(i % 256)) * 3,
             "cd_id": i % 3} for i in range(1, 3001)]
    with engine.begin() as conn:
        conn.execute(rows_table.insert(), data)
    query = (sa.select(rows_table.c.id, rows_table.c.wire, rows_table.c.cd_id)
             .where(rows_table.c.name >= "k=00100").order_by(rows_table.c.name.desc()))
    with engine.connect() as conn:
        copied = pg_copy.copy_listing(conn, query)
        plain = conn.execute(query).all()
    assert len(copied) == len(plain) == 2901
    assert [(i, None if b is None else bytes(b), c) for i, _, b, c in copied] == [
        (r.id, None if r.wire is None else bytes(r.wire), r.cd_id) for r in plain]
    engine.dispose()
