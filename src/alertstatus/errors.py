"""Every error the service raises on purpose, under one base that carries an HTTP status and a code.

The engine, the gateway and the domains raise these; they never build responses. The HTTP edge
(`api/errors.py`) renders them in each dialect's shape, looking a renderer up along the class
hierarchy, so a new subclass is answered correctly before anyone writes a renderer for it.
`status` is what Kibana (or the dialect) answers with; `code` is a stable name for logs and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar


class AlertstatusError(Exception):
    """The base of every deliberate error: `message` is the text a caller may see."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


# --- bad input: 400, nothing was sent to Elasticsearch -------------------------------------------


class InvalidInput(AlertstatusError, ValueError):
    """Well-formed JSON that is not acceptable; refused before any I/O."""

    status = 400
    code = "invalid_input"


class InvalidSpaceId(InvalidInput):
    """A space id outside Kibana's rules; never reaches an index name."""

    code = "invalid_space_id"


class StatusChangeError(InvalidInput):
    """A status change that cannot be made as asked (e.g. an unknown closing reason)."""

    code = "invalid_status_change"


class QueryRefused(StatusChangeError):
    """A selection query outside the allow-list or over a bound (engine/guard.py)."""

    code = "query_refused"


class EmptySearch(QueryRefused):
    """A signals search with nothing to search for (Kibana's route-level 400)."""

    code = "empty_search"


class UnsupportedByCluster(StatusChangeError):
    """The request needs a feature the cluster's engine lacks (runtime fields before
    Elasticsearch 7.11, or on OpenSearch); refused before anything is sent."""

    code = "unsupported_by_cluster"


class SpaceLimitReached(InvalidInput):
    """A write would create a new space's alerts index past `ALERTSTATUS_MAX_SPACES`."""

    code = "space_limit_reached"


class KqlInvalid(InvalidInput):
    """A KQL text outside the supported subset (engine/kql.py); the message says what and where."""

    code = "kql_invalid"


class KqlUnknownField(KqlInvalid):
    """A KQL text naming a field outside its vocabulary's allow-list."""

    code = "kql_unknown_field"


class InvalidCursor(InvalidInput):
    """A paging cursor that this service did not hand out (or that was altered)."""

    code = "invalid_cursor"


class SelectionTooLarge(InvalidInput):
    """More alert ids than one request may carry (a setting)."""

    code = "selection_too_large"


class InvalidArrays(InvalidInput):
    """Kibana's route-level 400 for tags and assignees: a list of messages."""

    code = "invalid_arrays"

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class InvalidTaskId(InvalidInput):
    """A task id that is not `node:number`; it never reaches a URL."""

    code = "invalid_task_id"


class TimeParseError(InvalidInput):
    """A time that is neither ISO-8601 nor date math; the message says what is accepted."""

    code = "invalid_time"


class QueryFileError(InvalidInput):
    """A `--query-file` that cannot be read or is not one JSON object."""

    code = "invalid_query_file"


# --- not found: 404 ------------------------------------------------------------------------------


class NotFound(AlertstatusError, LookupError):
    status = 404
    code = "not_found"


class AlertNotFound(NotFound):
    """Some requested alerts do not exist in the space (`missing` keeps the request's order)."""

    code = "alert_not_found"

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(f"alerts not found: {', '.join(missing)}")
        self.missing = tuple(missing)


class TaskNotFound(NotFound):
    """No such task, or not a status change of the requested space."""

    code = "task_not_found"


# --- load: 429 and 503 around a status write (docs/performance.md, docs/reliability.md) ----------


class Overloaded(AlertstatusError):
    """Too many status writes already running and waiting (engine/admission.py): refused before
    anything is recorded or sent; every dialect answers 429 with `Retry-After`."""

    status = 429
    code = "overloaded"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChangeNotVisible(AlertstatusError):
    """The status change was made, but the refresh that makes it visible to search failed or
    timed out (engine/refreshes.py). Sending the request again is safe."""

    status = 503
    code = "change_not_visible"

    def __init__(self, cause: str) -> None:
        super().__init__(
            "The status change was applied but is not yet visible to search: "
            f"{cause}; it appears at the index's next refresh, and sending the request again "
            "is safe"
        )
        self.cause = cause


# --- spaces: Kibana's Spaces API (spaces/) ------------------------------------------------------


class SpaceNotFound(NotFound):
    """No such space, or one that was deleted; Kibana's message is the bare reason phrase."""

    code = "space_not_found"

    def __init__(self) -> None:
        super().__init__("Not Found")


class SpaceConflict(AlertstatusError):
    """A space with this id exists already (or changed while it was being written)."""

    status = 409
    code = "space_conflict"


class SpaceRefused(InvalidInput):
    """A space change Kibana refuses after validation (the reserved space, `projectRouting`)."""

    code = "space_refused"


# --- who may call: 401 and 403 -------------------------------------------------------------------


class AuthError(AlertstatusError):
    """Authentication failed. `message` is Kibana's wording; `detail` the short text of
    `{"detail": ...}` dialects. Neither ever carries a credential."""

    status = 401
    code = "unauthenticated"
    detail: ClassVar[str] = "Not authenticated"


class Unauthenticated(AuthError):
    pass


class Forbidden(AuthError):
    status = 403
    code = "forbidden"
    detail = "Not enough permissions"


class CsrfRejected(Forbidden):
    """A cookie-authenticated change without a valid `X-CSRF-Token`."""

    code = "csrf_rejected"
    detail = "CSRF token missing or invalid"


class SessionNotRenewable(Forbidden):
    """A cookie session asked for a new session: only a header credential starts one, so a
    session never outlives the credential it was started with."""

    code = "session_not_renewable"


# --- rules: Kibana's alerting saved objects ------------------------------------------------------


class RuleError(AlertstatusError):
    """A rule request that cannot be served."""

    status = 400
    code = "rule_error"


class RuleInvalid(RuleError):
    code = "rule_invalid"


class KqlError(RuleInvalid):
    code = "kql_syntax"

    def __init__(self, message: str) -> None:
        super().__init__(f"KQLSyntaxError: {message}")


class RuleNotFound(RuleError):
    status = 404
    code = "rule_not_found"

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Saved object [alert/{rule_id}] not found")


class RuleConflict(RuleError):
    """The rule changed since it was read (optimistic concurrency), or the id is taken."""

    status = 409
    code = "rule_conflict"

    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Saved object [alert/{rule_id}] conflict")


# --- per-alert workflow (UTMStack, CHAD) ---------------------------------------------------------


class ForbiddenTransition(AlertstatusError):
    """CHAD's transition rules refuse the change (409, like a state conflict)."""

    status = 409
    code = "forbidden_transition"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"Invalid status transition from {current} to {target}")
        self.current, self.target = current, target


class UpdateFailed(AlertstatusError):
    """Elasticsearch refused one alert's update (its `_bulk` item failed)."""

    code = "update_failed"


class SeedError(AlertstatusError, RuntimeError):
    """Elasticsearch refused some of the seeded alerts; the message carries its first reason."""

    code = "seed_failed"
