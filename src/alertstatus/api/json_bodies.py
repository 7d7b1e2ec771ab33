"""Strict JSON request bodies: what RFC 8259 calls JSON, and numbers Elasticsearch can hold.

Python's `json` module, which FastAPI uses, also reads `NaN`, `Infinity` and `-Infinity`, turns
`1e309` into an infinite float, and keeps the last of two equal keys. On the way to Elasticsearch
such floats became `null`, and Elasticsearch reads a `null` range bound as "unbounded", so "where
risk_score >= 1e309" selected every alert. Here a body with any of these is malformed JSON, answered
as each dialect answers malformed JSON (api/errors.py), before any route sees it:

- `NaN`, `Infinity`, `-Infinity`: not JSON;
- a number beyond a double's range (`1e309`), or an integer outside 64 bits (Elasticsearch's
  `long` and `unsigned_long`);
- a key given twice in one object (which value was meant?).

Routes get this parser through `StrictJsonRequest`, the request class of every dialect route
(FastAPI's documented way to change how a route reads its body: a custom `Request` in a custom
route class). Other parse failures keep their answers: nesting the parser cannot take and integers
over 4300 digits are still "There was an error parsing the body" (docs/security.md, "Limits").
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

SMALLEST_INTEGER = -(2**63)  # Elasticsearch's long
LARGEST_INTEGER = 2**64 - 1  # Elasticsearch's unsigned_long


class NotStrictJson(ValueError):
    """Valid for Python's parser, refused here; becomes a JSON syntax error."""


def _constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotStrictJson(f"number out of range: {text[:40]}")
    return value


def _integer(text: str) -> int:
    value = int(text)  # over 4300 digits: ValueError, answered as before
    if not SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
        raise NotStrictJson(f"integer out of range: {text[:40]}")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(pairs)
    if len(built) != len(pairs):
        raise NotStrictJson("a key is given twice in one object")
    return built


def strict_json(raw: bytes) -> Any:
    """`raw` parsed as strict JSON; `json.JSONDecodeError` when it is not."""
    try:
        return json.loads(
            raw,
            parse_constant=_constant,
            parse_float=_float,
            parse_int=_integer,
            object_pairs_hook=_object,
        )
    except NotStrictJson as error:
        raise json.JSONDecodeError(str(error), "", 0) from error


class StrictJsonRequest(Request):
    """A request whose `json()` is `strict_json` of its body."""

    async def json(self) -> Any:
        if not hasattr(self, "_strict_json"):
            self._strict_json = strict_json(await self.body())
        return self._strict_json
