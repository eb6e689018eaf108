"""API tokens and the roles they carry."""

from __future__ import annotations

import enum
from collections.abc import Mapping

__all__ = ["Role", "TokenTable", "check_token"]


class Role(str, enum.Enum):
    """What a token may do.

    ``owner`` tokens own every deployment and may change them; ``read-only`` tokens may read
    everything and run replacement validations (whose ``permission`` check then fails), and
    get 403 on every other mutation.
    """

    OWNER = "owner"
    READ_ONLY = "read-only"

    def __str__(self) -> str:
        return str(self.value)


_SCHEMES = ("bearer", "token")


def check_token(token: str) -> str:
    """Return ``token`` if it can be sent in an ``Authorization`` header.

    Raises:
        ValueError: If it is empty or holds spaces.
    """
    if not token or token != token.strip() or " " in token:
        raise ValueError(f"invalid token {token!r}: tokens are non-empty, without spaces")
    return token


class TokenTable:
    """Maps tokens to roles and reads ``Authorization`` headers.

    Args:
        token: The main token, with the ``owner`` role.
        tokens: More tokens, mapped to ``"owner"`` or ``"read-only"``.

    Raises:
        ValueError: On an empty token or an unknown role.
    """

    def __init__(self, token: str, tokens: Mapping[str, str | Role] | None = None) -> None:
        roles: dict[str, Role] = {}
        for key, role in {token: Role.OWNER, **(tokens or {})}.items():
            check_token(key)
            try:
                roles[key] = Role(role)
            except ValueError:
                known = ", ".join(repr(r.value) for r in Role)
                raise ValueError(f"unknown role {role!r} for a token; roles: {known}") from None
        self._roles = roles
        self.token = token

    def revoke(self, token: str) -> None:
        """Refuse ``token`` from now on (401), as DataRobot does a rotated or expired one."""
        self._roles.pop(token, None)

    def role_for(self, authorization: str | None) -> Role | None:
        """Return the role for an ``Authorization`` header value, or None if not accepted.

        Both ``Bearer <token>`` (the documented form) and ``Token <token>`` (the official
        client's default) are accepted; the scheme is case-insensitive, as in RFC 7235.
        """
        if not authorization:
            return None
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() not in _SCHEMES:
            return None
        return self._roles.get(credentials.strip())
