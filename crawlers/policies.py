"""The crawler's change and recrawl policies (Glue's names), importable without the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UpdateBehavior(StrEnum):
    UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"
    LOG = "LOG"
    MERGE_NEW_COLUMNS = "MERGE_NEW_COLUMNS"


class DeleteBehavior(StrEnum):
    DEPRECATE_IN_DATABASE = "DEPRECATE_IN_DATABASE"
    DELETE_FROM_DATABASE = "DELETE_FROM_DATABASE"
    LOG = "LOG"


INCREMENTAL = "INCREMENTAL"
CRAWL_EVERYTHING = "CRAWL_EVERYTHING"
CRAWL_NEW_FOLDERS_ONLY = "CRAWL_NEW_FOLDERS_ONLY"
RECRAWL_BEHAVIORS = (INCREMENTAL, CRAWL_EVERYTHING, CRAWL_NEW_FOLDERS_ONLY)


@dataclass(frozen=True)
class Policy:
    update: UpdateBehavior = UpdateBehavior.UPDATE_IN_DATABASE
    delete: DeleteBehavior = DeleteBehavior.DEPRECATE_IN_DATABASE
    overwrite_edits: bool = False
    table_threshold: int | None = None
