"""Sign-in state: the tokens of a session, kept fresh for the client's calls."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
from collections.abc import Awaitable, Callable

import grpc

from origin_sdk import errors
from origin_sdk._interceptors import ANONYMOUS_METHODS, TokenSource

logger = logging.getLogger("origin_sdk.client")

# Refresh this long before the access token expires, or after half its
# lifetime when that is shorter, so a call never leaves with a token that
# runs out in flight.
DEFAULT_REFRESH_MARGIN_SECONDS = 60.0


@dataclasses.dataclass(frozen=True)
class Session:
    """The tokens of one signed-in session.

    `access_expire_time` is computed from `expires_in` with this machine's
    clock, so a skewed clock does not make the client refresh too late. Store
    a Session (it contains secrets) to sign in again without a password:
    `OriginClient(..., session=stored)`.
    """

    access_token: str
    refresh_token: str
    access_expire_time: datetime.datetime
    # The access token's lifetime in seconds, as the server issued it.
    lifetime_seconds: float
    session_id: str = ""

    @classmethod
    def from_response(cls, response) -> Session:
        """Build a Session from a CreateToken, CompleteSignIn or RefreshToken response."""
        now = datetime.datetime.now(datetime.timezone.utc)
        return cls(
            access_token=response.access_token,
            refresh_token=response.refresh_token,
            access_expire_time=now + datetime.timedelta(seconds=response.expires_in),
            lifetime_seconds=float(response.expires_in),
            session_id=response.session_id,
        )

    def needs_refresh(self, margin_seconds: float, now: datetime.datetime | None = None) -> bool:
        """Tell whether the access token expires within the refresh margin."""
        now = now or datetime.datetime.now(datetime.timezone.utc)
        margin = min(margin_seconds, self.lifetime_seconds / 2)
        return self.access_expire_time - now <= datetime.timedelta(seconds=margin)

    def __repr__(self) -> str:
        # Tokens are secrets, so they stay out of logs and tracebacks.
        return f"Session(session_id={self.session_id!r}, access_expire_time={self.access_expire_time.isoformat()})"


@dataclasses.dataclass(frozen=True)
class SecondFactorChallenge:
    """A sign-in that waits for a second-factor code (pass it to `complete_sign_in`)."""

    challenge: str
    # SecondFactorMethod values that `CompleteSignIn` accepts for it.
    methods: tuple[int, ...]
    expire_time: datetime.datetime | None

    def __repr__(self) -> str:
        return f"SecondFactorChallenge(methods={self.methods!r}, expire_time={self.expire_time!r})"


class SessionKeeper(TokenSource):
    """Holds the session or a fixed token (a device token, say) and refreshes the session.

    A lock makes concurrent calls share one refresh, because the server
    treats a second use of a refresh token outside its grace period as
    theft and ends the session.
    """

    def __init__(
        self,
        refresh: Callable[[str], Awaitable[Session]],
        *,
        session: Session | None = None,
        token: str | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        on_change: Callable[[Session | None], None] | None = None,
    ):
        if session is not None and token is not None:
            raise ValueError("pass either session or token, not both")
        self._refresh = refresh
        self._session = session
        self._token = token
        self._margin = refresh_margin
        self._on_change = on_change
        self._lock: asyncio.Lock | None = None

    @property
    def session(self) -> Session | None:
        return self._session

    def set_session(self, session: Session | None) -> None:
        self._session = session
        self._token = None
        if self._on_change is not None:
            self._on_change(session)

    async def bearer_token(self, method: str) -> str | None:
        if method in ANONYMOUS_METHODS:
            return None
        if self._token is not None:
            return self._token
        session = self._session
        if session is None:
            return None
        if session.needs_refresh(self._margin):
            session = await self._refresh_once(session.access_token)
        return session.access_token

    async def refresh_rejected(self, rejected: str) -> bool:
        if self._session is None or not self._session.refresh_token:
            return False
        try:
            await self._refresh_once(rejected)
        except errors.OriginError as error:
            logger.warning("refreshing the session after a rejected access token failed: %s", error)
            return False
        return True

    async def _refresh_once(self, stale_token: str) -> Session:
        """Refresh unless another call already replaced `stale_token` meanwhile."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            current = self._session
            if current is None:
                raise errors.Unauthenticated(grpc.StatusCode.UNAUTHENTICATED, "signed out while the call was waiting")
            if current.access_token != stale_token and not current.needs_refresh(self._margin):
                return current
            refreshed = await self._refresh(current.refresh_token)
            self.set_session(refreshed)
            logger.info("refreshed the access token of session %s", refreshed.session_id)
            return refreshed
