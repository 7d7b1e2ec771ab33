"""Logs: one line per request, JSON for log pipelines, readable text on a terminal.

The request being served is a `RequestLog` in a context variable: the middleware opens it, the
auth dependency names the actor and space, the engine's observer adds the `_update_by_query`
counts, and the middleware writes it as one line when the response is done.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any, Literal, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from alertstatus.engine.model import StatusChange
from alertstatus.engine.outcome import UpdateCounts

LogFormat = Literal["auto", "json", "text"]
REQUEST_LOGGER = "alertstatus.request"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
# uvicorn adds an ANSI-coloured copy of its messages: noise in a JSON line
JSON_RESERVED = (*RESERVED_ATTRS, "color_message")

QUIET_LOGGERS = ("elastic_transport", "uvicorn.access")

request_logger = logging.getLogger(REQUEST_LOGGER)


@dataclass(slots=True)
class RequestLog:
    """What the one log line of a request says."""

    request_id: str
    method: str
    path: str
    route: str | None = None
    dialect: str | None = None
    space: str | None = None
    actor: str | None = None
    status: int | None = None
    duration_ms: float | None = None
    update: dict[str, int] | None = None  # the `_update_by_query` counts and took, if any

    def message(self) -> str:
        text = f"{self.method} {self.path} {self.status} {self.duration_ms}ms id={self.request_id}"
        if self.update:
            text += " " + " ".join(f"{key}={value}" for key, value in self.update.items())
        return text

    def fields(self) -> dict[str, Any]:
        return asdict(self)


current_request: ContextVar[RequestLog | None] = ContextVar("current_request", default=None)


def note_caller(*, actor: str | None, space: str | None) -> None:
    """Record who asked and for which space on the request being served (if any)."""
    if (entry := current_request.get()) is not None:
        entry.actor, entry.space = actor, space


def note_update(change: StatusChange, counts: UpdateCounts) -> None:
    """Add an `_update_by_query`'s counts to the request being served (summed over calls)."""
    entry = current_request.get()
    if entry is None:
        return
    totals = entry.update or {}
    for key, value in asdict(counts).items():
        totals[key] = totals.get(key, 0) + value
    entry.update = totals
    entry.space = entry.space or change.space_id


class _TaggedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs, so a second call replaces it instead of adding."""


def wants_json(log_format: LogFormat, stream: TextIO) -> bool:
    if log_format == "auto":
        isatty = getattr(stream, "isatty", None)
        return not (callable(isatty) and isatty())
    return log_format == "json"


def formatter(json_lines: bool) -> logging.Formatter:
    if json_lines:
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            reserved_attrs=JSON_RESERVED,
            timestamp="time",  # ISO-8601 in UTC
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(
    log_format: LogFormat = "auto", level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Log to stderr (JSON unless it is a terminal, for `auto`); safe to call more than once."""
    stream = stream or sys.stderr
    handler = _TaggedHandler(stream)
    handler.setFormatter(formatter(wants_json(log_format, stream)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _TaggedHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("alertstatus").setLevel(level.upper())
    for chatty in QUIET_LOGGERS:  # one line per Elasticsearch call would drown the request lines
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def write_request_line(entry: RequestLog) -> None:
    level = logging.ERROR if (entry.status or 500) >= 500 else logging.INFO
    request_logger.log(level, entry.message(), extra=entry.fields())
