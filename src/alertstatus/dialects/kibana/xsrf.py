"""Kibana's XSRF protection: state-changing requests must carry `kbn-xsrf` (or `kbn-version`).

Opt-in per router or route with `dependencies=[Depends(require_xsrf)]`: Kibana's own
`signals/status` documentation sends no header, so that route does not use it.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

XSRF_HEADERS = ("kbn-xsrf", "kbn-version")
SAFE_METHODS = frozenset({"GET", "HEAD"})
XSRF_MESSAGE = "Request must contain a kbn-xsrf header."


async def require_xsrf(request: Request) -> None:
    """400 in Kibana's platform shape when a non-GET request has neither header (any value)."""
    if request.method in SAFE_METHODS:
        return
    if not any(header in request.headers for header in XSRF_HEADERS):
        raise HTTPException(status_code=400, detail=XSRF_MESSAGE)
