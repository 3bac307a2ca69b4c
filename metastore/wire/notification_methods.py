"""Thrift methods of the HMS notification log, served from the audit change log.

A mixin of ``ThriftHandler`` (expects ``self.ms`` and ``self.t``). Event objects inside messages
are encoded as the Java server does: the Thrift struct in Thrift's JSON protocol.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from metastore.audit.messages import MESSAGE_FORMAT, message
from metastore.audit.records import StoredChange
from metastore.wire.convert import to_thrift
from metastore.wire.tjson import dumps as thrift_json

if TYPE_CHECKING:
    from metastore.hms.service import HiveMetastore

CATALOG = "hive"


def _encode(obj: Any) -> str:
    return thrift_json(to_thrift(obj))


class NotificationMethods:
    ms: HiveMetastore
    t: Any

    def _event(self, change: StoredChange) -> Any:
        return self.t.NotificationEvent(
            eventId=change.event_id, eventTime=int(change.event_time), eventType=change.operation,
            dbName=change.db_name, tableName=change.table_name, message=message(change, _encode),
            messageFormat=MESSAGE_FORMAT, catName=CATALOG,
        )

    def get_current_notificationEventId(self) -> Any:  # noqa: N802
        return self.t.CurrentNotificationEventId(eventId=self.ms.audit.current_event_id())

    def get_next_notification(self, rqst: Any) -> Any:
        # Hive 4 clients may also filter by database, tables and types (fields absent in older IDLs).
        changes = self.ms.audit.next_events(
            rqst.lastEvent, rqst.maxEvents, getattr(rqst, "eventTypeSkipList", None) or [],
            db=getattr(rqst, "dbName", None), tables=getattr(rqst, "tableNames", None) or [],
            types=getattr(rqst, "eventTypeList", None) or [],
        )
        return self.t.NotificationEventResponse(events=[self._event(c) for c in changes])

    def get_notification_events_count(self, rqst: Any) -> Any:
        count = self.ms.audit.count_events(rqst.fromEventId, rqst.dbName, getattr(rqst, "toEventId", None),
                                           getattr(rqst, "limit", None))
        return self.t.NotificationEventsCountResponse(eventsCount=count)
