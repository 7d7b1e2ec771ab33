"""Comments on alerts (CHAD's `/comments`, and the comment a CHAD status change carries).

Kibana keeps no comments on alerts (cases do that), so they live in an index of our own,
`.alertstatus-comments`, one document per comment, keyed to the alert's `_id` and space.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alertstatus.engine.history import HIDDEN_INDEX_SETTINGS
from alertstatus.engine.scripts import utc_now_iso
from alertstatus.es.gateway import Gateway

COMMENTS_INDEX = ".alertstatus-comments"
MAX_COMMENTS_READ = 10_000

COMMENTS_MAPPING = {
    "dynamic": False,
    "properties": {
        "alert_id": {"type": "keyword"},
        "space_id": {"type": "keyword"},
        "user": {"type": "keyword"},
        "created_at": {"type": "date"},
        "text": {"type": "text", "index": False},
    },
}


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    alert_id: str
    user: str | None
    text: str
    created_at: str


class CommentStore:
    """Writes and reads comments; the index is created on first use."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._index_ready = False

    async def _ensure_index(self) -> None:
        if not self._index_ready:
            await self.gateway.create_index(
                COMMENTS_INDEX, {"settings": HIDDEN_INDEX_SETTINGS, "mappings": COMMENTS_MAPPING}
            )
            self._index_ready = True

    async def add(
        self, space_id: str, alert_ids: Sequence[str], user: str | None, text: str
    ) -> list[Comment | None]:
        """One comment per alert in one `_bulk`; None where Elasticsearch refused it."""
        await self._ensure_index()
        now = utc_now_iso()
        comments = [
            Comment(f"comment-{uuid.uuid4().hex[:16]}", alert_id, user, text, now)
            for alert_id in alert_ids
        ]
        lines: list[dict[str, Any]] = []
        for comment in comments:
            lines.append({"create": {"_index": COMMENTS_INDEX, "_id": comment.id}})
            lines.append(
                {
                    "alert_id": comment.alert_id,
                    "space_id": space_id,
                    "user": comment.user,
                    "text": text,
                    "created_at": now,
                }
            )
        items = (await self.gateway.bulk(lines, refresh=True)).json()["items"]
        return [
            None if "error" in item["create"] else comment
            for comment, item in zip(comments, items, strict=True)
        ]

    async def of_alert(self, space_id: str, alert_id: str) -> list[Comment]:
        """The comments of one alert (by `_id`), oldest first."""
        await self._ensure_index()
        filters = [{"term": {"alert_id": alert_id}}, {"term": {"space_id": space_id}}]
        body = {
            "size": MAX_COMMENTS_READ,
            "query": {"bool": {"filter": filters}},
            "sort": [{"created_at": "asc"}],
        }
        hits = (await self.gateway.search(COMMENTS_INDEX, body)).json()["hits"]["hits"]
        return [
            Comment(
                hit["_id"],
                alert_id,
                hit["_source"]["user"],
                hit["_source"]["text"],
                hit["_source"]["created_at"],
            )
            for hit in hits
        ]
