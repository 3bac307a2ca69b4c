"""Thrift methods of Hive's transaction API, as far as clients need them for non-ACID tables.

metahive runs no ACID transactions, so it never has an open one. What readers ask answers
consistently with that: ``get_open_txns*`` report none, ``get_valid_write_ids`` reports every write
of a table as committed (high-water mark = the table's write id), and anything naming a transaction
id (``commit_txn``, ``abort_txn(s)``, ``heartbeat_txn_range``, ``allocate_table_write_ids``) gets
the declared ``NoSuchTxnException`` at once, as ``lock`` already does. ``open_txns`` and
``add_dynamic_partitions`` are not implemented: they answer ``UNKNOWN_METHOD`` (the processor's
"Invalid method name"), the reply an old Java metastore gives, so ACID writers fail fast instead
of writing data no reader could see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from metastore.exceptions import InvalidInputError, NoSuchTxnError

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore

NO_ACID = "metahive does not run ACID transactions (open_txns is not supported); use non-transactional tables"


def _no_such(ids: Iterable[int | None]) -> NoSuchTxnError:
    listed = ", ".join(f"txnid:{i}" for i in ids) or "(none given)"
    return NoSuchTxnError(f"No such transaction {listed}: {NO_ACID}")


class TxnMethods:
    ms: HiveMetastore
    t: Any

    def get_open_txns(self) -> Any:
        return self.t.GetOpenTxnsResponse(txn_high_water_mark=0, open_txns=[], abortedBits=b"")

    def get_open_txns_req(self, getOpenTxnsRequest: Any) -> Any:  # noqa: N803
        return self.get_open_txns()

    def get_open_txns_info(self) -> Any:
        return self.t.GetOpenTxnsInfoResponse(txn_high_water_mark=0, open_txns=[])

    def commit_txn(self, rqst: Any) -> None:
        raise _no_such([rqst.txnid if rqst is not None else None])

    def abort_txn(self, rqst: Any) -> None:
        raise _no_such([rqst.txnid if rqst is not None else None])

    def abort_txns(self, rqst: Any) -> None:
        raise _no_such(rqst.txn_ids or [] if rqst is not None else [])

    def heartbeat_txn_range(self, txns: Any) -> Any:
        ids = set(range(txns.min, txns.max + 1)) if txns is not None and txns.max - txns.min < 100_000 else set()
        return self.t.HeartbeatTxnRangeResponse(aborted=set(), nosuch=ids)

    def allocate_table_write_ids(self, rqst: Any) -> Any:
        raise _no_such(rqst.txnIds or [] if rqst is not None else [])

    def get_valid_write_ids(self, rqst: Any) -> Any:
        result = []
        for full_name in (rqst.fullTableNames if rqst is not None else None) or []:
            db, dot, name = full_name.partition(".")
            if not dot:
                raise InvalidInputError(f"Table name '{full_name}' in get_valid_write_ids must be <db>.<table>")
            table = self.ms.get_table(db, name)
            result.append(self.t.TableValidWriteIds(
                fullTableName=f"{table.db_name}.{table.table_name}", writeIdHighWaterMark=max(table.write_id or 0, 0),
                invalidWriteIds=[], abortedBits=b"",
            ))
        return self.t.GetValidWriteIdsResponse(tblValidWriteIds=result)
