"""Task ids and the progress report of one `_update_by_query` task."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from alertstatus.errors import InvalidTaskId

# Elasticsearch's `<node id>:<task number>`: a node id is URL-safe base64, a number a long.
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}:[0-9]{1,19}")


def validate_task_id(task_id: str) -> str:
    if not _TASK_ID.fullmatch(task_id):
        raise InvalidTaskId("must be <node id>:<task number>, as returned by the status route")
    return task_id


class TaskProgress(BaseModel):
    """Where a status change task stands; `response` is the raw `_update_by_query` answer."""

    task: str
    done: bool
    failed: bool
    canceled: bool = False
    total: int = 0
    updated: int = 0
    noops: int = 0
    version_conflicts: int = 0
    batches: int = 0
    elapsed_seconds: float = Field(description="Running time so far (or in all, once done).")
    response: dict[str, Any] | None = Field(
        default=None, description="Elasticsearch's `_update_by_query` response, once done."
    )
    error: dict[str, Any] | None = Field(default=None, description="The task's error, if any.")


class TaskCanceled(BaseModel):
    task: str
    canceled: bool = True
