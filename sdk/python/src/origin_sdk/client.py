"""`OriginClient`: the asyncio client for apps, scoreboards, tools and partners.

    async with OriginClient("127.0.0.1:50051") as client:
        await client.sign_in("ada@example.com", "correct horse battery")
        me = await client.current_user()

Every unary call, through the helpers or through the raw stubs in
`client.stubs`, gets a deadline and the access token. The token is refreshed
shortly before it expires, and once more after an UNAUTHENTICATED. A call
that fails with UNAVAILABLE is retried up to `RetryPolicy.max_attempts`
times in all with the same `x-request-id`, and a failed call raises a typed
exception from `origin_sdk.errors`. Streaming raw calls get the token and
request ID only, and raise grpc.aio.AioRpcError, which
`errors.from_rpc_error` converts.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence
from typing import TypeVar

import grpc
from origin.v1 import (
    arcade_pb2,
    arcade_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    checkin_pb2_grpc,
    common_pb2,
    game_pb2_grpc,
    machine_pb2,
    machine_pb2_grpc,
    machine_status_pb2_grpc,
    moderation_pb2_grpc,
    score_pb2,
    score_pb2_grpc,
    second_factor_pb2_grpc,
    session_pb2_grpc,
)

from origin_sdk import _interceptors, errors
from origin_sdk.device import build_request
from origin_sdk.retry import RetryPolicy
from origin_sdk.session import DEFAULT_REFRESH_MARGIN_SECONDS, SecondFactorChallenge, Session, SessionKeeper
from origin_sdk.watch import BoardWatch

StubT = TypeVar("StubT")

# Seconds a unary call may take, its retries included, unless the call sets
# its own `timeout`.
DEFAULT_TIMEOUT_SECONDS = 10.0

# gRPC's own reconnect backoff starts at 1 s and grows to 120 s (gRPC's
# doc/connection-backoff.md). That would keep a client offline long after
# the server is back, so these bounds match the retry policy instead.
_CHANNEL_OPTIONS = {
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 5000,
}


@dataclasses.dataclass
class Stubs:
    """The generated stubs of the main services, over the client's channel.

    `service(StubClass)` makes any other one, such as
    `stubs.service(staff_pb2_grpc.StaffServiceStub)`.
    """

    auth: auth_pb2_grpc.AuthServiceStub
    arcades: arcade_pb2_grpc.ArcadeServiceStub
    machines: machine_pb2_grpc.MachineServiceStub
    scores: score_pb2_grpc.ScoreServiceStub
    games: game_pb2_grpc.GameServiceStub
    sessions: session_pb2_grpc.SessionServiceStub
    checkins: checkin_pb2_grpc.CheckInServiceStub
    statuses: machine_status_pb2_grpc.MachineStatusServiceStub
    moderation: moderation_pb2_grpc.ModerationServiceStub
    second_factor: second_factor_pb2_grpc.SecondFactorServiceStub
    channel: grpc.aio.Channel

    def service(self, stub_class: Callable[[grpc.aio.Channel], StubT]) -> StubT:
        """Return a stub of any generated service class over the same channel and rules."""
        return stub_class(self.channel)

    @classmethod
    def over(cls, channel: grpc.aio.Channel) -> Stubs:
        return cls(
            auth=auth_pb2_grpc.AuthServiceStub(channel),
            arcades=arcade_pb2_grpc.ArcadeServiceStub(channel),
            machines=machine_pb2_grpc.MachineServiceStub(channel),
            scores=score_pb2_grpc.ScoreServiceStub(channel),
            games=game_pb2_grpc.GameServiceStub(channel),
            sessions=session_pb2_grpc.SessionServiceStub(channel),
            checkins=checkin_pb2_grpc.CheckInServiceStub(channel),
            statuses=machine_status_pb2_grpc.MachineStatusServiceStub(channel),
            moderation=moderation_pb2_grpc.ModerationServiceStub(channel),
            second_factor=second_factor_pb2_grpc.SecondFactorServiceStub(channel),
            channel=channel,
        )


@dataclasses.dataclass(frozen=True)
class SignInResult:
    """The outcome of `sign_in`: a session, or a challenge that needs a second-factor code."""

    session: Session | None
    second_factor: SecondFactorChallenge | None = None

    @property
    def needs_second_factor(self) -> bool:
        return self.second_factor is not None


@dataclasses.dataclass(frozen=True)
class RegisteredMachine:
    """A newly registered machine and its device token, which the server shows only once."""

    machine: common_pb2.Machine
    device_token: str

    def __repr__(self) -> str:
        return f"RegisteredMachine(machine_id={self.machine.id!r})"


class OriginClient:
    """An asyncio client of one Origin server.

    `target` is host:port. The channel uses TLS when `tls` is true or when
    `root_certificates` is given, as PEM bytes to trust instead of the
    system's roots. `credentials` replaces both with ready channel
    credentials. Otherwise the channel is plaintext, for local servers.

    Sign in with `sign_in`, or pass a stored `session`, or a fixed `token`
    such as a device token. `on_session_change` is called with every new
    session (after sign-in and each refresh) and with None after sign-out,
    so an app can store it.

    The channel opens on first use, inside the running event loop, and
    `close()` (or leaving `async with`) closes it.
    """

    def __init__(
        self,
        target: str,
        *,
        tls: bool = False,
        root_certificates: bytes | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        timeout: float | None = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy | None = None,
        session: Session | None = None,
        token: str | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN_SECONDS,
        on_session_change: Callable[[Session | None], None] | None = None,
        channel_options: Sequence[tuple[str, object]] = (),
    ):
        if credentials is None and (tls or root_certificates is not None):
            credentials = grpc.ssl_channel_credentials(root_certificates=root_certificates)
        self.target = target
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._credentials = credentials
        self._channel_options = list({**_CHANNEL_OPTIONS, **dict(channel_options)}.items())
        self._keeper = SessionKeeper(
            self._refresh, session=session, token=token, refresh_margin=refresh_margin, on_change=on_session_change
        )
        self._challenge: SecondFactorChallenge | None = None
        self._channel: grpc.aio.Channel | None = None
        self._stubs: Stubs | None = None
        self._closed = False

    async def __aenter__(self) -> OriginClient:
        self._open()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    @property
    def stubs(self) -> Stubs:
        """The raw stubs, for every RPC without a helper here."""
        return self._open()

    @property
    def channel(self) -> grpc.aio.Channel:
        """The gRPC channel, with the client's interceptors."""
        return self._open().channel

    @property
    def session(self) -> Session | None:
        """The current session, or None before sign-in and after sign-out."""
        return self._keeper.session

    async def close(self) -> None:
        """Close the channel for good; calls still running fail with CANCELLED."""
        self._closed = True
        if self._channel is not None:
            await self._channel.close()
        self._channel = self._stubs = None

    # Accounts and sign-in.

    async def sign_up(self, email: str, password: str, screen_name: str, *, phone_number: str = "") -> common_pb2.User:
        """Create an account (CreateUser) and return its profile. It does not sign in.

        The server mails a verification code to the address. Raises
        InvalidArgument for a malformed field and AlreadyExists (reason
        SCREEN_NAME_TAKEN) for a taken screen name.
        """
        request = auth_pb2.CreateUserRequest(
            email=email, password=password, screen_name=screen_name, phone_number=phone_number
        )
        return (await self.stubs.auth.CreateUser(request)).user

    async def sign_in(self, email: str, password: str) -> SignInResult:
        """Sign in with email and password (CreateToken).

        When the account has a second factor on, the result carries a
        challenge instead of a session: call `complete_sign_in` with a code.
        Raises Unauthenticated (reason BAD_CREDENTIALS) for a wrong pair.
        """
        response = await self.stubs.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=password))
        if response.second_factor_challenge:
            self._challenge = _challenge_from(response)
            return SignInResult(session=None, second_factor=self._challenge)

        self._challenge = None
        session = Session.from_response(response)
        self._keeper.set_session(session)
        return SignInResult(session=session)

    async def complete_sign_in(self, code: str, challenge: SecondFactorChallenge | None = None) -> Session:
        """Finish a sign-in that returned a second-factor challenge (CompleteSignIn).

        `code` is a TOTP, email or recovery code; `challenge` defaults to the
        one the last `sign_in` returned. Raises Unauthenticated with reason
        BAD_CODE or BAD_CHALLENGE when the server rejects them.
        """
        challenge = challenge or self._challenge
        if challenge is None:
            raise ValueError("no second-factor challenge is waiting; call sign_in first")
        request = auth_pb2.CompleteSignInRequest(challenge=challenge.challenge, code=code)
        response = await self.stubs.auth.CompleteSignIn(request)
        self._challenge = None
        session = Session.from_response(response)
        self._keeper.set_session(session)
        return session

    async def sign_out(self) -> None:
        """End the session on the server (SignOut) and forget its tokens."""
        try:
            await self.stubs.auth.SignOut(auth_pb2.SignOutRequest())
        finally:
            self._keeper.set_session(None)

    async def current_user(self) -> common_pb2.User:
        """Return the signed-in user's profile (GetCurrentUser)."""
        return (await self.stubs.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())).user

    # Arcades and machines.

    async def create_arcade(
        self,
        display_name: str,
        time_zone: str,
        *,
        address: str = "",
        latitude: float = 0.0,
        longitude: float = 0.0,
        request_id: str = "",
    ) -> common_pb2.Arcade:
        """Create an arcade owned by the signed-in user and return it.

        `time_zone` is an IANA name such as "Europe/Berlin"; the arcade's
        daily, weekly and monthly boards roll over at its local midnight.
        Without `request_id` the client makes one, so its own retries never
        create a second arcade.
        """
        request = arcade_pb2.CreateArcadeRequest(
            display_name=display_name, time_zone=time_zone, address=address,
            latitude=latitude, longitude=longitude, request_id=request_id,
        )
        return (await self.stubs.arcades.CreateArcade(request)).arcade

    async def register_machine(
        self, arcade_id: str, game_title: str, *, display_name: str = "", opdb_id: str = "", request_id: str = ""
    ) -> RegisteredMachine:
        """Register a machine in an arcade the user owns and return it with its device token.

        `game_title` includes the software revision, such as "Attack From
        Mars (1.13b)". Store the device token on the machine: the server keeps
        only its hash. Raises NotFound for an unknown arcade and
        PermissionDenied when the user does not own it.
        """
        request = machine_pb2.CreateMachineRequest(
            arcade_id=arcade_id, game_title=game_title, display_name=display_name,
            opdb_id=opdb_id, request_id=request_id,
        )
        response = await self.stubs.machines.CreateMachine(request)
        return RegisteredMachine(machine=response.machine, device_token=response.device_token)

    # Scores and boards.

    async def submit_score(self, submission_id: str, value: int, **fields) -> score_pb2.SubmitScoreResponse:
        """Submit one score with the client's device token (SubmitScore).

        Takes the keyword arguments of `origin_sdk.device.build_request`
        (initials, user_id, achieve_time, player_slot). A retry with the same
        `submission_id` returns the first result with `duplicate` set. A
        device that sends many scores should use `DeviceClient`, whose outbox
        survives restarts.
        """
        return await self.stubs.scores.SubmitScore(build_request(submission_id, value, **fields))

    async def list_top_scores(
        self,
        game: str,
        scope: common_pb2.BoardScope = common_pb2.BOARD_SCOPE_GLOBAL,
        *,
        arcade_id: str = "",
        machine_id: str = "",
        period: common_pb2.BoardPeriod = common_pb2.BOARD_PERIOD_UNSPECIFIED,
        mode: common_pb2.BoardMode = common_pb2.BOARD_MODE_UNSPECIFIED,
        page_size: int = 0,
        page_token: str = "",
    ) -> score_pb2.ListTopScoresResponse:
        """Return one page of a board, best first (ListTopScores).

        `scope` is a BoardScope value; BOARD_SCOPE_ARCADE needs `arcade_id`
        and BOARD_SCOPE_MACHINE needs `machine_id`. Unset `period` means all
        time; unset `page_size` means 10.
        """
        request = score_pb2.ListTopScoresRequest(
            game=game, scope=scope, arcade_id=arcade_id, machine_id=machine_id,
            period=period, mode=mode, page_size=page_size, page_token=page_token,
        )
        return await self.stubs.scores.ListTopScores(request)

    def watch_board(
        self,
        game: str,
        scope: common_pb2.BoardScope = common_pb2.BOARD_SCOPE_GLOBAL,
        *,
        arcade_id: str = "",
        machine_id: str = "",
        period: common_pb2.BoardPeriod = common_pb2.BOARD_PERIOD_UNSPECIFIED,
        mode: common_pb2.BoardMode = common_pb2.BOARD_MODE_UNSPECIFIED,
        page_size: int = 0,
        max_reconnects: int | None = None,
    ) -> BoardWatch:
        """Watch the top of a board: `async for update in client.watch_board(...)`.

        Selects the board as `list_top_scores` does. See BoardWatch for
        reconnects and what each update carries.
        """
        request = score_pb2.WatchBoardRequest(
            game=game, scope=scope, arcade_id=arcade_id, machine_id=machine_id,
            period=period, mode=mode, page_size=page_size,
        )
        return BoardWatch(lambda: self.stubs.scores, request, max_reconnects=max_reconnects)

    # Internals.

    def _open(self) -> Stubs:
        # A watch that reconnects after close() must fail, not open a new channel.
        if self._closed:
            raise RuntimeError(f"the OriginClient for {self.target} is closed")
        if self._stubs is None:
            interceptors = [
                _interceptors.UnaryUnaryPolicy(self._keeper, self.timeout, self.retry),
                _interceptors.UnaryStreamMetadata(self._keeper),
                _interceptors.StreamUnaryMetadata(self._keeper),
                _interceptors.StreamStreamMetadata(self._keeper),
            ]
            if self._credentials is None:
                self._channel = grpc.aio.insecure_channel(
                    self.target, options=self._channel_options, interceptors=interceptors
                )
            else:
                self._channel = grpc.aio.secure_channel(
                    self.target, self._credentials, options=self._channel_options, interceptors=interceptors
                )
            self._stubs = Stubs.over(self._channel)
        return self._stubs

    async def _refresh(self, refresh_token: str) -> Session:
        response = await self.stubs.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=refresh_token))
        return Session.from_response(response)


def _challenge_from(response: auth_pb2.CreateTokenResponse) -> SecondFactorChallenge:
    expire_time = None
    if response.HasField("second_factor_challenge_expire_time"):
        expire_time = response.second_factor_challenge_expire_time.ToDatetime(tzinfo=datetime.timezone.utc)
    return SecondFactorChallenge(
        challenge=response.second_factor_challenge,
        methods=tuple(response.second_factor_methods),
        expire_time=expire_time,
    )


__all__ = ["OriginClient", "RegisteredMachine", "Session", "SignInResult", "Stubs", "errors"]
