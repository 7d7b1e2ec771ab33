"""The analyst console under `/app`: static files only, from an allow-list.

The console is a page and a few ES modules (src/alertstatus/console/, docs/console.md) that call
the public API like any client, with a cookie session and its CSRF token. So this module serves
files and nothing else: no template, no data, no route that could act on alerts. Only the files
named in CONSOLE_FILES are served; any other path under `/app` answers 404, and every answer
carries a Content-Security-Policy that lets the page load only from this origin.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route, Router

log = logging.getLogger(__name__)

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
# npm ci (Makefile) installs the pinned front-end dependencies here (package-lock.json).
NODE_MODULES = CONSOLE_DIR / "node_modules"

# URL path under /app -> file. The page's own files, then the one vendored library.
CONSOLE_FILES: dict[str, Path] = {
    "": CONSOLE_DIR / "index.html",
    "console.css": CONSOLE_DIR / "console.css",
    **{f"js/{path.name}": path for path in sorted((CONSOLE_DIR / "js").glob("*.js"))},
    "vendor/chart.umd.min.js": NODE_MODULES / "chart.js" / "dist" / "chart.umd.min.js",
}

# Scripts, styles, images and API calls from this origin only; no frames, no plugins, no inline
# script. Chart.js draws on a canvas and sets styles through the CSSOM, which this allows.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def missing_files() -> list[str]:
    """Console files that are not on disk (the vendored library before `npm ci`)."""
    return [name or "index.html" for name, path in CONSOLE_FILES.items() if not path.is_file()]


async def console_file(request: Request) -> Response:
    path = CONSOLE_FILES.get(request.path_params.get("path", ""))
    if path is None or not path.is_file():
        return PlainTextResponse("Not Found", status_code=404, headers=SECURITY_HEADERS)
    # The page is revalidated on every load, so a new version of the service serves new files.
    headers = {**SECURITY_HEADERS, "cache-control": "no-cache"}
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)


def console_router() -> Router:
    """Mounted at `/app` by the app (api/app.py)."""
    if missing := missing_files():
        log.warning("console files missing (run `make run` or npm ci): %s", ", ".join(missing))
    return Router(
        routes=[
            Route("/", console_file, methods=["GET", "HEAD"]),
            Route("/{path:path}", console_file, methods=["GET", "HEAD"]),
        ]
    )
