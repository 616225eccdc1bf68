"""The caller of an RPC: anonymous, a signed-in user, a machine's device, or a partner's API key."""

from __future__ import annotations

import dataclasses
import uuid

from server.errors import PermissionDenied, Unauthenticated


@dataclasses.dataclass(frozen=True)
class Device:
    machine_id: uuid.UUID
    arcade_id: uuid.UUID
    game_id: str
    time_zone: str


@dataclasses.dataclass(frozen=True)
class ApiKey:
    """A partner API key that authenticated the call: one arcade, a set of scope names."""

    key_id: uuid.UUID
    arcade_id: uuid.UUID
    scopes: frozenset[str]


@dataclasses.dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID | None = None
    device: Device | None = None
    # The session of a user's access token.
    session_id: uuid.UUID | None = None
    api_key: ApiKey | None = None

    @property
    def kind(self) -> str:
        if self.user_id is not None:
            return "user"
        if self.device is not None:
            return "device"
        if self.api_key is not None:
            return "api_key"
        return "anonymous"

    def describe(self) -> str:
        """Return a short label for logs: the ID a token resolved to, never the token."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        if self.device is not None:
            return f"machine:{self.device.machine_id}"
        if self.api_key is not None:
            return f"api_key:{self.api_key.key_id}"
        return "anonymous"

    def require_user(self) -> uuid.UUID:
        if self.user_id is None:
            if self.device is not None:
                raise PermissionDenied("this call needs a user access token, not a device token")
            if self.api_key is not None:
                raise PermissionDenied("this call needs a user access token, not an API key")
            raise Unauthenticated("this call needs a user access token")
        return self.user_id

    def require_device(self) -> Device:
        if self.device is None:
            if self.user_id is not None:
                raise PermissionDenied("this call needs a device token, not a user access token")
            if self.api_key is not None:
                raise PermissionDenied("this call needs a device token, not an API key")
            raise Unauthenticated("this call needs a device token")
        return self.device


ANONYMOUS = Caller()
