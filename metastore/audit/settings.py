"""Audit settings, read from the server configuration (``metahive serve --audit-...``)."""

from __future__ import annotations

from dataclasses import dataclass

ENABLED_KEY = "metahive.audit.enabled"
MAX_VERSIONS_KEY = "metahive.audit.max-versions-per-table"
MAX_EVENTS_KEY = "hive.metastore.max.event.response"  # the Java server's cap on get_next_notification
DEFAULT_MAX_EVENTS = 10_000


@dataclass(frozen=True, slots=True)
class AuditSettings:
    enabled: bool = True  # record changes (off only to measure what recording costs)
    max_versions: int | None = None  # versions kept per table; older ones are pruned on write
    max_events: int = DEFAULT_MAX_EVENTS  # most notification events one call returns

    @classmethod
    def from_config(cls, config: dict[str, str]) -> AuditSettings:
        max_versions = int(config.get(MAX_VERSIONS_KEY) or 0)
        if max_versions < 0:
            raise ValueError(f"{MAX_VERSIONS_KEY} must be 0 (keep all) or a positive number, got {max_versions}")
        return cls(
            enabled=config.get(ENABLED_KEY, "true").strip().lower() != "false",
            max_versions=max_versions or None,
            max_events=max(1, int(config.get(MAX_EVENTS_KEY) or DEFAULT_MAX_EVENTS)),
        )
