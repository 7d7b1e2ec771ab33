"""A validation failure of the query model becomes one readable refusal.

Pydantic reports every problem with a location inside its own schema (union tags, wrapper
functions); callers should read the JSON path of *their* request instead. One error is chosen,
the guard's own before any generic one, and its path is rebuilt from the location.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from alertstatus.engine.querymodel.base import INVALID, REFUSED
from alertstatus.errors import QueryRefused

# Location parts that are the model's, not the request's: `<tags>`, `function-wrap[...]`, `[key]`.
_INTERNAL = re.compile(
    r"^(<.*>|\[key\]|(function-(wrap|after|before|plain)|list|dict|union|tagged-union|nullable)"
    r"\[.*\])$",
    re.DOTALL,
)
_PART_LENGTH = 100


def json_path(root: str, location: Sequence[int | str]) -> str:
    """`query.bool.filter[0].term.host.name` from a pydantic location."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _INTERNAL.match(part):
            path += ("." if path else "") + part[:_PART_LENGTH]
    return path or "body"


def refusal(error: ValidationError, root: str) -> QueryRefused:
    """The QueryRefused a model validation error stands for."""
    details = error.errors(include_url=False, include_input=False)
    ours = [detail for detail in details if detail["type"] in (REFUSED, INVALID)]
    chosen: Any = (ours or details)[0]
    if chosen["type"] == REFUSED:
        return QueryRefused(chosen["msg"])
    path = json_path(root, chosen["loc"])
    match chosen["type"]:
        case "extra_forbidden":
            return QueryRefused(f"[{path}] is not allowed")
        case "missing":
            return QueryRefused(f"[{path}] is required")
    return QueryRefused(f"[{path}]: {chosen['msg']}")
