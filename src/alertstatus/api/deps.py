"""What a route may declare in its signature: typed aliases, so a route reads `principal: Analyst`
and `service: StatusServiceDep` instead of a chain of `Depends(...)`.

- Who calls: `Viewer`, `Analyst`, `Admin` (authenticated, holding at least that role in the
  request's space), `Caller` (any authenticated caller; for routes about the caller, not a space),
  `SpaceAdmin` (an admin, whichever the request's space: the spaces routes check the space they
  act on themselves),
  `RuleWriter` (admin plus Kibana's `kbn-xsrf` header), `CallerIfAny` (public routes). Who the
  caller is was settled from the headers before the body was read (api/authentication.py).
- Where: `SpaceId`, the space of the request: the `/s/{space_id}` segment (api/spaces.py), or the
  space a dialect is configured to work in (`configured_space`), else Kibana's `default`.
- With what: one alias per service of the composition root (`alertstatus.services`), which
  `create_app` keeps as one typed object on `app.state.services`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from alertstatus.api.authentication import (
    REQUIRED_ROLE_ATTRIBUTE,
    authenticated_or_none,
    principal_of,
)
from alertstatus.api.middleware import request_id
from alertstatus.auth.models import Principal, Role
from alertstatus.auth.service import Authenticator
from alertstatus.engine.history import StatusHistory
from alertstatus.engine.model import DEFAULT_SPACE, validate_space_id
from alertstatus.engine.service import StatusService
from alertstatus.engine.tags import AlertFieldsService
from alertstatus.engine.workflow import WorkflowService
from alertstatus.errors import Forbidden
from alertstatus.observability.logs import note_caller
from alertstatus.observability.metrics import Metrics
from alertstatus.rules.service import RuleService
from alertstatus.services import Services
from alertstatus.settings import Settings
from alertstatus.spaces.service import SpaceService
from alertstatus.tasks.service import TaskService

T = TypeVar("T")

# --- services -------------------------------------------------------------------------------------


async def services(request: Request) -> Services:
    """The process's services (`create_app` builds them at start-up)."""
    built: Services | None = getattr(request.app.state, "services", None)
    if built is None:
        raise RuntimeError("the app has not started: services are built in its lifespan")
    return built


ServicesDep = Annotated[Services, Depends(services)]


async def settings(request: Request) -> Settings:
    """The app's settings; known before start-up (auth checks run even without a cluster)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(settings)]


async def metrics(request: Request) -> Metrics:
    """The app's Prometheus registry (observability/metrics.py), one per app."""
    return request.app.state.metrics


MetricsDep = Annotated[Metrics, Depends(metrics)]


def from_services(part: Callable[[Services], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency yielding one part of the services."""

    async def dependency(request: Request) -> T:
        return part(await services(request))

    return dependency


StatusServiceDep = Annotated[StatusService, Depends(from_services(lambda built: built.status))]
WorkflowServiceDep = Annotated[
    WorkflowService, Depends(from_services(lambda built: built.workflow))
]
AlertFieldsServiceDep = Annotated[
    AlertFieldsService, Depends(from_services(lambda built: built.alert_fields))
]
TaskServiceDep = Annotated[TaskService, Depends(from_services(lambda built: built.tasks))]
StatusHistoryDep = Annotated[StatusHistory, Depends(from_services(lambda built: built.history))]
RuleServiceDep = Annotated[RuleService, Depends(from_services(lambda built: built.rules))]
SpaceServiceDep = Annotated[SpaceService, Depends(from_services(lambda built: built.spaces))]
AuthenticatorDep = Annotated[
    Authenticator, Depends(from_services(lambda built: built.authenticator))
]


# --- the space of a request -----------------------------------------------------------------------

SPACE_STATE_KEY = "space_id"


async def space_of(request: Request) -> str:
    """The space this request acts in, validated before it can reach an index name."""
    bound = getattr(request.state, SPACE_STATE_KEY, None)
    if isinstance(bound, str):
        return bound
    return validate_space_id(request.path_params.get("space_id", DEFAULT_SPACE))


def configured_space(read: Callable[[Settings], str]) -> Callable[[Request], Awaitable[None]]:
    """A router dependency for dialects whose space is a setting (UTMStack, CHAD).

    It runs before the route's own dependencies, so authorization checks that very space.
    """

    async def bind(request: Request) -> None:
        setattr(request.state, SPACE_STATE_KEY, validate_space_id(read(await settings(request))))

    return bind


async def current_request_id(request: Request) -> str:
    """The id the observability middleware echoes in `X-Request-Id`: kept in the status history."""
    known = request.scope.get("state", {}).get("request_id")
    return known if isinstance(known, str) else request_id(request.scope)


SpaceId = Annotated[str, Depends(space_of)]
RequestId = Annotated[str, Depends(current_request_id)]


# --- who calls ------------------------------------------------------------------------------------


async def caller_if_any(request: Request) -> Principal | None:
    """The authenticated caller, or None: for routes anyone may call that show callers more."""
    return authenticated_or_none(request.scope)


CallerIfAny = Annotated[Principal | None, Depends(caller_if_any)]


def require(
    role: Role, *, in_space: bool = True, refusal: Callable[[Request], str] | None = None
) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that yields the caller when they hold `role` in the request's space.

    `in_space=False` for routes about the caller rather than a space's data (whoami, sessions),
    or that check the space they act on themselves (spaces). `refusal` words the 403 of a caller
    without the role where Kibana words it its own way.
    """

    async def dependency(request: Request) -> Principal:
        principal = principal_of(request.scope)  # settled from the headers (api/authentication.py)
        if not principal.role.allows(role):
            raise Forbidden(
                refusal(request)
                if refusal is not None
                else f"API [{request.method} {request.url.path}] is unauthorized for user, "
                f"this action is granted by the role [{role.value}]"
            )
        space_id = await space_of(request) if in_space else DEFAULT_SPACE
        note_caller(actor=principal.name, space=space_id)
        if in_space and not principal.may_enter(space_id):
            raise Forbidden(f"Unauthorized to access space [{space_id[:100]}]")
        return principal

    setattr(dependency, REQUIRED_ROLE_ATTRIBUTE, role)  # routes with it need a caller
    dependency.in_space = in_space  # type: ignore[attr-defined]
    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Analyst = Annotated[Principal, Depends(require(Role.ANALYST))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Caller = Annotated[Principal, Depends(require(Role.VIEWER, in_space=False))]


SPACE_ACTIONS = {"POST": "create", "PUT": "update", "DELETE": "delete"}


def space_management_refusal(request: Request) -> str:
    """Kibana's spaces client refuses a change of spaces in these words."""
    return f"Unauthorized to {SPACE_ACTIONS.get(request.method, 'manage')} spaces"


SpaceAdmin = Annotated[
    Principal,
    Depends(require(Role.ADMIN, in_space=False, refusal=space_management_refusal)),
]


@dataclass(frozen=True, slots=True)
class Change:
    """Who changes alerts, in which space, in which request: what the status history keeps."""

    principal: Principal
    space_id: str
    request_id: str


async def analyst_change(principal: Analyst, space_id: SpaceId, request_id: RequestId) -> Change:
    return Change(principal, space_id, request_id)


AnalystChange = Annotated[Change, Depends(analyst_change)]

# --- Kibana's XSRF rule ---------------------------------------------------------------------------

XSRF_HEADERS = ("kbn-xsrf", "kbn-version")
SAFE_METHODS = frozenset({"GET", "HEAD"})
XSRF_MESSAGE = "Request must contain a kbn-xsrf header."


async def require_xsrf(request: Request) -> None:
    """Kibana's rule: a state-changing request carries `kbn-xsrf` or `kbn-version` (any value).

    Kibana's own `signals/status` documentation sends no such header, so only the rule routes use
    it (docs/security.md).
    """
    if request.method in SAFE_METHODS:
        return
    if not any(header in request.headers for header in XSRF_HEADERS):
        raise HTTPException(status_code=400, detail=XSRF_MESSAGE)


async def rule_writer(principal: Admin, _: Annotated[None, Depends(require_xsrf)]) -> Principal:
    """Rules are admin-only to change; the XSRF check comes after authentication, as in Kibana."""
    return principal


RuleWriter = Annotated[Principal, Depends(rule_writer)]


@dataclass(frozen=True, slots=True)
class SpaceRules:
    """The rule service, the request's space and who acts: what every rule route needs."""

    service: RuleService
    space_id: str
    actor: str | None


async def rules_to_read(
    principal: Viewer, space_id: SpaceId, service: RuleServiceDep
) -> SpaceRules:
    return SpaceRules(service, space_id, principal.actor)


async def rules_to_write(
    principal: RuleWriter, space_id: SpaceId, service: RuleServiceDep
) -> SpaceRules:
    return SpaceRules(service, space_id, principal.actor)


RulesToRead = Annotated[SpaceRules, Depends(rules_to_read)]
RulesToWrite = Annotated[SpaceRules, Depends(rules_to_write)]
