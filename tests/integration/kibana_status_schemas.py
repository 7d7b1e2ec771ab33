"""Kibana's own OpenAPI schemas of the alert status and search routes (vendored in
tests/kibana_openapi/alert_status_search.yaml, with their source), and checks of our answers and of
the requests the ported tests send against them."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

DOCUMENT = Path(__file__).parent.parent / "kibana_openapi" / "alert_status_search.yaml"
# Members of a documented 200 example that only answers to some requests carry.
ONLY_WHEN_ASKED = {"SearchAlerts": {"aggregations"}}
# Our formatter (api/errors.py) writes the location; Kibana's text follows it.
REQUEST_BODY_PREFIX = re.compile(r"^\[request body\](: |\.)")


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text())


def assert_kibana_response(operation: str, status: int, body: Any) -> None:
    """The body is valid for Kibana's documented response of `operation` with `status`; a 200 also
    carries every top-level key of Kibana's documented example (its schema is an open object)."""
    schema = document()["responses"][operation][status]
    validator = Draft202012Validator({**schema, "components": document()["components"]})
    problems = [error.message for error in validator.iter_errors(body)]
    assert not problems, (operation, status, problems, body)
    if status == 200:
        example = set(document()["examples"][operation]) - ONLY_WHEN_ASKED.get(operation, set())
        assert example <= set(body), sorted(example - set(body))


def is_valid_kibana_request(schema_name: str, body: Any) -> bool:
    """Whether Kibana's request schema accepts the body (`format: nonempty` is not checked)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document()["components"]}
    return Draft202012Validator(schema).is_valid(body)


def documented_request(name: str) -> dict[str, Any]:
    return document()["requests"][name]


def kibana_text(message: str) -> str:
    """A validation message without the `[request body]` location our formatter writes."""
    assert REQUEST_BODY_PREFIX.match(message), message
    return REQUEST_BODY_PREFIX.sub("", message, count=1)
