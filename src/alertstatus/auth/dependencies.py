"""FastAPI dependencies: `Depends(require(Role.ANALYST))` authenticates and authorizes a route.

The space comes from the route's `{space_id}` path parameter (Kibana's default space otherwise),
so a caller bound to other spaces is refused before anything reaches Elasticsearch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from alertstatus.auth.models import Principal, Role
from alertstatus.auth.service import ANONYMOUS, Credentials
from alertstatus.auth.sessions import COOKIE_NAME, CSRF_HEADER
from alertstatus.engine.model import DEFAULT_SPACE
from alertstatus.errors import Forbidden, Unauthenticated
from alertstatus.observability.logs import note_caller


async def authenticate(request: Request) -> Principal:
    authenticator = getattr(request.app.state, "authenticator", None)
    if authenticator is None:
        if not request.app.state.settings.auth_enabled:
            return ANONYMOUS
        raise Unauthenticated("Unauthorized")
    credentials = Credentials(
        request.method,
        request.headers.get("authorization"),
        request.cookies.get(COOKIE_NAME),
        request.headers.get(CSRF_HEADER),
    )
    return await authenticator.authenticate(credentials)


def require(role: Role, *, in_space: bool = True) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that yields the caller when they hold `role` in the requested space.

    `in_space=False` for routes about the caller rather than a space's data (whoami, sessions).
    """

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if not principal.role.allows(role):
            raise Forbidden(
                f"API [{request.method} {request.url.path}] is unauthorized for user, "
                f"this action is granted by the role [{role.value}]"
            )
        space_id = request.path_params.get("space_id", DEFAULT_SPACE)
        note_caller(actor=principal.name, space=space_id)
        if in_space and not principal.may_enter(space_id):
            raise Forbidden(f"Unauthorized to access space [{space_id[:100]}]")
        return principal

    dependency.required_role = role  # type: ignore[attr-defined]  # read by the auth matrix
    dependency.in_space = in_space  # type: ignore[attr-defined]
    return dependency
