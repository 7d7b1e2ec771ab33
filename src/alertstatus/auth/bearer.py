"""Bearer JWTs (UTMStack, CHAD): signature, `exp`, `nbf`, `iss`, `aud` checked by PyJWT.

Keys come from settings: an HS256 shared secret, a PEM public key (RS256/ES256), or a JWKS file
(keys chosen by the token's `kid`). HS256 is accepted only with the shared secret, never with a
public key, so a token cannot be signed with the public key as an HMAC secret.
`aud`: with `ALERTSTATUS_JWT_AUDIENCE` set it must name it; without, a token that names any
audience is refused (it was issued for another service), and one without `aud` is accepted.
Claims (names configurable): `sub` = who, `role` = viewer|analyst|admin (or a list, `ROLE_`
prefixes allowed; the highest counts), `spaces` = list of space ids or `"*"` (absent = default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt

from alertstatus.auth.models import Principal, Role
from alertstatus.engine.model import DEFAULT_SPACE
from alertstatus.errors import Forbidden, Unauthenticated
from alertstatus.settings import Settings

HMAC_ALGORITHMS = ["HS256"]


def refused(why: str) -> Unauthenticated:
    """Our own reasons to refuse a token: fixed texts."""
    return Unauthenticated(f"Unable to authenticate: invalid token ({why})")


# PyJWT errors whose messages are fixed texts (or name a claim we require): safe to pass on.
SAFE_TOKEN_ERRORS = (
    jwt.ImmatureSignatureError,
    jwt.MissingRequiredClaimError,
    jwt.InvalidIssuerError,
    jwt.InvalidAudienceError,
    jwt.InvalidSignatureError,
    jwt.InvalidAlgorithmError,
)


class BearerVerifier:
    """Verifies bearer tokens against the keys configured in settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = settings.jwt_secret
        self.public_key = _read(settings.jwt_public_key_file)
        jwks = _read(settings.jwt_jwks_file)
        self.jwks_keys = jwt.PyJWKSet.from_json(jwks).keys if jwks else []

    @property
    def configured(self) -> bool:
        return bool(self.secret or self.public_key or self.jwks_keys)

    def _key_and_algorithms(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm in HMAC_ALGORITHMS:
            if not self.secret:
                raise refused("HMAC tokens are not accepted")
            return self.secret, HMAC_ALGORITHMS
        if self.jwks_keys:
            kid = header.get("kid")
            for key in self.jwks_keys:
                if kid is None or key.key_id == kid:
                    return key.key, self.settings.jwt_algorithms
            raise refused("no key for this token")
        if self.public_key:
            return self.public_key, self.settings.jwt_algorithms
        raise refused("algorithm not accepted")

    def authenticate(self, token: str) -> Principal:
        if not self.configured:
            raise Unauthenticated("Unable to authenticate: bearer tokens are not configured")
        try:
            key, algorithms = self._key_and_algorithms(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway,
                options={
                    "require": ["exp"]
                    + (["iss"] if self.settings.jwt_issuer else [])
                    + (["aud"] if self.settings.jwt_audience else []),
                },
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthenticated("Unable to authenticate: token has expired") from error
        except SAFE_TOKEN_ERRORS as error:  # fixed texts about the token's own claims
            raise Unauthenticated(f"Unable to authenticate: invalid token ({error})") from error
        except jwt.PyJWTError as error:  # others may quote the token or an object's repr
            raise Unauthenticated("Unable to authenticate: invalid token") from error
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        name = claims.get(self.settings.jwt_name_claim)
        if not isinstance(name, str) or not name:
            raise Unauthenticated("Unable to authenticate: token names no subject")
        raw_roles = claims.get(self.settings.jwt_role_claim)
        candidates = raw_roles if isinstance(raw_roles, list) else [raw_roles]
        roles = [role for role in map(Role.parse, candidates) if role is not None]
        if not roles:
            raise Forbidden("Not enough permissions")
        spaces = claims.get(self.settings.jwt_spaces_claim, [DEFAULT_SPACE])
        if spaces == "*" or (isinstance(spaces, list) and "*" in spaces):
            allowed = None
        elif isinstance(spaces, list) and all(isinstance(space, str) for space in spaces):
            allowed = frozenset(spaces)
        else:
            allowed = frozenset()
        return Principal(
            name=name,
            role=max(roles, key=lambda r: r.rank),
            spaces=allowed,
            via="jwt",
            expires_at=float(claims["exp"]),
        )


def _read(path: Path | None) -> str | None:
    return path.read_text(encoding="utf-8") if path else None
