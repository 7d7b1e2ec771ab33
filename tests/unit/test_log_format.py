"""Log format choice: JSON for pipelines, text on a terminal, `auto` deciding by the stream."""

from __future__ import annotations

import io
import json
import logging

import pytest

from alertstatus.api.middleware import request_id
from alertstatus.observability.logs import RequestLog, configure_logging, wants_json


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    assert wants_json("auto", Terminal()) is False
    assert wants_json("auto", io.StringIO()) is True
    assert wants_json("json", Terminal()) is True
    assert wants_json("text", io.StringIO()) is False


@pytest.mark.parametrize(
    ("log_format", "stream_class"), [("json", io.StringIO), ("auto", io.StringIO)]
)
def test_json_lines_carry_the_request_fields(
    restore_root_logging, log_format, stream_class
) -> None:
    stream = stream_class()
    configure_logging(log_format, "INFO", stream=stream)
    configure_logging(log_format, "INFO", stream=stream)  # idempotent: still one handler
    entry = RequestLog(
        "rid-1",
        "POST",
        "/s/a/x",
        route="/s/{space_id}/x",
        status=200,
        duration_ms=1.5,
        update={"updated": 2, "took": 7},
    )
    logging.getLogger("alertstatus.request").info(entry.message(), extra=entry.fields())

    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["request_id"] == "rid-1" and record["update"] == {"updated": 2, "took": 7}
    assert record["message"] == "POST /s/a/x 200 1.5ms id=rid-1 updated=2 took=7"


def test_text_lines_are_for_people(restore_root_logging) -> None:
    stream = Terminal()
    configure_logging("auto", "INFO", stream=stream)
    logging.getLogger("alertstatus.request").info("GET /api/status 200 1.0ms id=x")
    text = stream.getvalue()
    assert "INFO alertstatus.request GET /api/status 200 1.0ms id=x" in text
    assert not text.lstrip().startswith("{")


def test_request_id_header_is_validated() -> None:
    def scope(value: bytes) -> dict:
        return {"headers": [(b"x-request-id", value)]}

    assert request_id(scope(b"abc-DEF_1.2:3")) == "abc-DEF_1.2:3"
    for bad in (b"", b"a b", b"a\nb", b"x" * 129, b"\xe9t\xe9", b'"quoted"'):
        assert request_id(scope(bad)) != bad.decode("latin-1")
        assert len(request_id(scope(bad))) == 36
