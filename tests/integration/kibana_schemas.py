"""Kibana's own OpenAPI schemas of its alert routes (vendored in tests/kibana_openapi/, each file
with its source), and checks of our answers, and of the requests the ported tests send, against
them. The documents are read as one: components, responses, examples and requests by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

DOCUMENTS = [
    Path(__file__).parent.parent / "kibana_openapi" / name
    for name in ("alert_tags_assignees.yaml", "alert_status_search.yaml")
]
SECTIONS = ("components", "responses", "examples", "requests")
# Members of a documented 200 example that only the answers to some requests carry.
ONLY_WHEN_ASKED = {"SearchAlerts": {"aggregations"}}


@cache
def document() -> dict[str, Any]:
    merged: dict[str, Any] = {section: {} for section in SECTIONS}
    merged["components"]["schemas"] = {}
    for path in DOCUMENTS:
        part = yaml.safe_load(path.read_text())
        for name, schema in part["components"]["schemas"].items():
            known = merged["components"]["schemas"].setdefault(name, schema)
            assert known == schema, f"{name} differs between the vendored documents"
        for section in SECTIONS[1:]:
            merged[section].update(part.get(section) or {})
    return merged


def assert_kibana_response(operation: str, status: int, body: Any) -> None:
    """The body is valid for Kibana's documented response of `operation` with `status`; a 200 also
    carries every key of Kibana's documented example (its schema is an open object)."""
    schema = document()["responses"][operation][status]
    validator = Draft202012Validator({**schema, "components": document()["components"]})
    problems = [error.message for error in validator.iter_errors(body)]
    assert not problems, (operation, status, problems, body)
    if status == 200:
        example = document()["examples"][operation]
        keys = set(example) - ONLY_WHEN_ASKED.get(operation, set())
        assert keys <= set(body), sorted(keys - set(body))
        if "retries" in example:
            assert set(example["retries"]) <= set(body["retries"])


def is_valid_kibana_request(schema_name: str, body: Any) -> bool:
    """Whether Kibana's request schema accepts the body (`format: nonempty` is not checked)."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document()["components"]}
    return Draft202012Validator(schema).is_valid(body)


def documented_request(name: str) -> dict[str, Any]:
    """A request body from Kibana's documented examples, verbatim."""
    return document()["requests"][name]
