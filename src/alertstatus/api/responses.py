"""Small HTTP helpers shared by every dialect."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

JSON_MEDIA_TYPE = "application/json; charset=utf-8"


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response serialised with orjson."""
    return Response(orjson.dumps(body), status_code=status, media_type=JSON_MEDIA_TYPE)


def raw_json_response(raw: bytes, status: int = 200) -> Response:
    """Bytes that already are JSON (Elasticsearch's own answer), passed on unchanged."""
    return Response(raw, status_code=status, media_type=JSON_MEDIA_TYPE)
