"""Kibana's own OpenAPI schemas of the tags and assignees routes (vendored in tests/kibana_openapi/,
with their source), and a check of our answers against them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

DOCUMENT = Path(__file__).parent.parent / "kibana_openapi" / "alert_tags_assignees.yaml"


@cache
def document() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text())


def assert_kibana_response(operation: str, status: int, body: Any) -> None:
    """The body is valid for Kibana's documented response of `operation` with `status`; a 200 also
    carries every key of Kibana's documented example (its schema is an open object)."""
    schema = document()["responses"][operation][status]
    validator = Draft202012Validator({**schema, "components": document()["components"]})
    problems = [error.message for error in validator.iter_errors(body)]
    assert not problems, (operation, status, problems, body)
    if status == 200:
        example = document()["examples"][operation]
        assert set(example) <= set(body), sorted(set(example) - set(body))
        assert set(example["retries"]) <= set(body["retries"])


def is_valid_kibana_request(schema_name: str, body: Any) -> bool:
    """Whether Kibana's request schema accepts the body (`format: nonempty` is not checked)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document()["components"]}
    return Draft202012Validator(schema).is_valid(body)
