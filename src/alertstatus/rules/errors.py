"""Errors of the rules domain; the Kibana dialect renders them in its platform shape."""

from __future__ import annotations


class RuleError(Exception):
    """A rule request that cannot be served; `status` is the HTTP status Kibana answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleInvalid(RuleError):
    status = 400


class RuleNotFound(RuleError):
    status = 404

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Saved object [alert/{rule_id}] not found")


class RuleConflict(RuleError):
    """The rule changed since it was read (optimistic concurrency), or the id is taken."""

    status = 409

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Saved object [alert/{rule_id}] conflict")
