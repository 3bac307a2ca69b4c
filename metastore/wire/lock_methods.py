"""Thrift methods for Hive Metastore locks: structs <-> ``metastore.hms.locks`` values.

A mixin of ``ThriftHandler``: it expects ``self.ms`` (the HiveMetastore) and ``self.t`` (the
thriftpy2 module). ``lock`` declares no MetaException, so the semantics raise only the declared
NoSuchTxn/TxnAborted/NoSuchLock errors for anything a client can cause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from metastore.hms.locks import LockComponent, LockInfo, LockRequest, LockStatus

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore


class LockMethods:
    ms: HiveMetastore
    t: Any

    def _lock_response(self, status: LockStatus) -> Any:
        return self.t.LockResponse(lockid=status.lock_id, state=int(status.state))

    def lock(self, rqst: Any) -> Any:
        request = LockRequest(
            components=[
                LockComponent(type=c.type, level=c.level, db_name=c.dbname, table_name=c.tablename,
                              partition_name=c.partitionname)
                for c in rqst.component or []
            ],
            user=rqst.user or "", hostname=rqst.hostname or "", agent_info=rqst.agentInfo, txn_id=rqst.txnid,
        )
        return self._lock_response(self.ms.locks.lock(request))

    def check_lock(self, rqst: Any) -> Any:
        return self._lock_response(self.ms.locks.check_lock(rqst.lockid, rqst.txnid))

    def unlock(self, rqst: Any) -> None:
        self.ms.locks.unlock(rqst.lockid)

    def heartbeat(self, ids: Any) -> None:
        self.ms.locks.heartbeat(ids.lockid if ids is not None else None, ids.txnid if ids is not None else None)

    def show_locks(self, rqst: Any) -> Any:
        rqst = rqst or self.t.ShowLocksRequest()
        infos = self.ms.locks.show_locks(rqst.dbname, rqst.tablename, rqst.partname, rqst.txnid)
        return self.t.ShowLocksResponse(locks=[self._show_locks_element(i) for i in infos])

    def _show_locks_element(self, info: LockInfo) -> Any:
        c = info.component
        return self.t.ShowLocksResponseElement(
            lockid=info.lock_id, dbname=c.db_name, tablename=c.table_name, partname=c.partition_name,
            state=int(info.state), type=int(c.type), txnid=info.txn_id, lastheartbeat=info.last_heartbeat_ms,
            acquiredat=info.acquired_ms, user=info.user, hostname=info.hostname, agentInfo=info.agent_info,
            blockedByExtId=info.blocked_by_lock_id, blockedByIntId=info.blocked_by_internal_id,
            lockIdInternal=info.internal_id,
        )
