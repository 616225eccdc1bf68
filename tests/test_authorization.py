"""Who may call each RPC: every method of every Origin service, called as every kind of caller.

The method list comes from the service descriptors, so a new RPC fails
test_callers_allowed_or_denied until it gets a row in ROWS.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import Callable

import grpc
import pytest
from origin.v1 import arcade_pb2, auth_pb2, checkin_pb2, common_pb2, machine_pb2, machine_status_pb2
from origin.v1 import second_factor_pb2, second_factor_pb2_grpc, session_pb2
from origin.v1 import account_pb2, account_pb2_grpc, api_key_pb2, api_key_pb2_grpc, staff_pb2, staff_pb2_grpc
from origin.v1 import moderation_pb2, score_pb2

from server.domain import roles, security
from tests.helpers import PASSWORD, DeviceMachine, Owner, create_arcade, create_machine, error_info, sign_up

OK = grpc.StatusCode.OK
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED

MODULES = (
    auth_pb2,
    arcade_pb2,
    machine_pb2,
    score_pb2,
    checkin_pb2,
    machine_status_pb2,
    moderation_pb2,
    session_pb2,
    second_factor_pb2,
    account_pb2,
    staff_pb2,
    api_key_pb2,
)
METHODS = {
    f"{service.name}/{method.name}": method
    for module in MODULES
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
}

# Who may call, as each RPC's contract states it.
ANYONE = "anyone"
SIGNED_IN = "any signed-in user"
OWNER = "the arcade's owner"
DEVICE = "a device"
# Signed-in users pass the access check, but the request names a session of
# none of them, so they get NOT_FOUND: nobody ends another user's session.
OWN_SESSION = "the session's user"
# Anyone passes the access check; the request carries a wrong code, so the
# callers let through get UNAUTHENTICATED with reason BAD_CODE.
ANYONE_WRONG_CODE = "anyone, with a wrong code"
# Signed-in users pass the access check, but none of them has a second factor
# on or pending, so they get FAILED_PRECONDITION.
NO_SECOND_FACTOR = "a signed-in user with a second factor"

# Expected status per caller for each kind of access. A token that is sent
# must be valid even where no token is needed.
EXPECTED = {
    ANYONE: {
        "anonymous": OK,
        "player": OK,
        "other owner": OK,
        "owner": OK,
        "device": OK,
        "revoked device": UNAUTHENTICATED,
        "unknown device": UNAUTHENTICATED,
        "garbage token": UNAUTHENTICATED,
    },
    SIGNED_IN: {
        "anonymous": UNAUTHENTICATED,
        "player": OK,
        "other owner": OK,
        "owner": OK,
        "device": PERMISSION_DENIED,
        "revoked device": UNAUTHENTICATED,
        "unknown device": UNAUTHENTICATED,
        "garbage token": UNAUTHENTICATED,
    },
    OWNER: {
        "anonymous": UNAUTHENTICATED,
        "player": PERMISSION_DENIED,
        "other owner": PERMISSION_DENIED,
        "owner": OK,
        "device": PERMISSION_DENIED,
        "revoked device": UNAUTHENTICATED,
        "unknown device": UNAUTHENTICATED,
        "garbage token": UNAUTHENTICATED,
    },
    DEVICE: {
        "anonymous": UNAUTHENTICATED,
        "player": PERMISSION_DENIED,
        "other owner": PERMISSION_DENIED,
        "owner": PERMISSION_DENIED,
        "device": OK,
        "revoked device": UNAUTHENTICATED,
        "unknown device": UNAUTHENTICATED,
        "garbage token": UNAUTHENTICATED,
    },
}


EXPECTED[OWN_SESSION] = {
    caller: grpc.StatusCode.NOT_FOUND if code == OK else code for caller, code in EXPECTED[SIGNED_IN].items()
}
EXPECTED[ANYONE_WRONG_CODE] = {caller: UNAUTHENTICATED for caller in EXPECTED[ANYONE]}
EXPECTED[NO_SECOND_FACTOR] = {
    caller: grpc.StatusCode.FAILED_PRECONDITION if code == OK else code for caller, code in EXPECTED[SIGNED_IN].items()
}

# The arcade's owner, its staff, or a platform admin.
STAFF = "the arcade's owner or staff"
# Anyone, and an API key with the boards scope of the arcade whose board the request names.
ANYONE_OR_BOARD_KEY = "anyone, or a boards key of the arcade"
# The owner or staff, and an API key with the statuses scope of the arcade.
STAFF_OR_STATUS_KEY = "the arcade's owner or staff, or a statuses key of the arcade"
# A signed-in user who owns no arcade: owners get FAILED_PRECONDITION with reason OWNS_ARCADES.
OWNS_NO_ARCADE = "a signed-in user who owns no arcade"

EXPECTED[STAFF] = {**EXPECTED[OWNER], "staff": OK}
EXPECTED[OWNS_NO_ARCADE] = {
    **EXPECTED[SIGNED_IN],
    "other owner": grpc.StatusCode.FAILED_PRECONDITION,
    "owner": grpc.StatusCode.FAILED_PRECONDITION,
}

# The callers that roles add. Staff and admins are signed-in users: where
# the arcade does not matter they fare as the player does. An admin may do
# whatever an owner may. An API key may call only the methods of its scopes
# and gets PERMISSION_DENIED everywhere else; a revoked key is rejected first.
for _access, _row in EXPECTED.items():
    _row.setdefault("staff", _row["player"])
    _row.setdefault("admin", OK if _access in (OWNER, STAFF) else _row["player"])
    _row.setdefault("api key", PERMISSION_DENIED)
    _row.setdefault("revoked api key", UNAUTHENTICATED)
EXPECTED[ANYONE_OR_BOARD_KEY] = {**EXPECTED[ANYONE], "api key": OK}
EXPECTED[STAFF_OR_STATUS_KEY] = {**EXPECTED[STAFF], "api key": OK}


@dataclasses.dataclass
class World:
    """An owner with an arcade and three machines, a second owner, a player, and every caller's metadata."""

    owner: Owner
    owner_email: str
    arcade_id: str
    device: DeviceMachine
    target: DeviceMachine
    player: Owner
    callers: dict[str, tuple]
    # Check-in codes and initials-only scores, one per caller that may use one.
    codes: list[str] = dataclasses.field(default_factory=list)
    unclaimed_score_ids: list[str] = dataclasses.field(default_factory=list)
    score_id: str = ""
    held_score_id: str = ""
    # A refresh token of the owner; a repeat within the grace period gets the same successor.
    refresh_token: str = ""
    # Held scores, one per caller that may approve one.
    held_score_ids: list[str] = dataclasses.field(default_factory=list)
    # Staff members to remove, one per caller, and a key that the owner and an admin may revoke.
    crew_user_ids: list[str] = dataclasses.field(default_factory=list)
    spare_api_key_id: str = ""


def _bearer(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


async def _build_world(api) -> World:
    owner = await sign_up(api, "arcadeowner")
    arcade = await create_arcade(api, owner)
    device = await create_machine(api, owner, arcade.id)
    # Revoke and renew calls act on `target`, so the device above keeps working.
    target = await create_machine(api, owner, arcade.id, "Medieval Madness")
    revoked = await create_machine(api, owner, arcade.id, "Twilight Zone")
    await api.machines.RevokeDeviceToken(
        machine_pb2.RevokeDeviceTokenRequest(machine_id=revoked.machine_id), metadata=owner.metadata
    )

    other_owner = await sign_up(api, "otherowner")
    await create_arcade(api, other_owner, name="Other Hall")
    player = await sign_up(api, "justaplayer")
    # An entry for the player, so reads around the player find one.
    await api.scores.SubmitScore(
        score_pb2.SubmitScoreRequest(submission_id="setup", value=500, user_id=player.user_id),
        metadata=device.metadata,
    )

    callers = {
        "anonymous": (),
        "player": player.metadata,
        "other owner": other_owner.metadata,
        "owner": owner.metadata,
        "device": device.metadata,
        "revoked device": revoked.metadata,
        "unknown device": _bearer(security.DEVICE_TOKEN_PREFIX + "A" * 43),
        "garbage token": _bearer("garbage"),
    }
    world = World(owner, "arcadeowner@example.com", arcade.id, device, target, player, callers)
    login = auth_pb2.CreateTokenRequest(email="arcadeowner@example.com", password=PASSWORD)
    world.refresh_token = (await api.auth.CreateToken(login)).refresh_token
    await _add_roles(api, world)
    await _add_at_the_machine(api, world)
    return world


async def _add_roles(api, world: World) -> None:
    """Add a staff member, an admin, crew to remove, and API keys of the owner's arcade."""
    staff_stub = staff_pb2_grpc.StaffServiceStub(api.channel)
    key_stub = api_key_pb2_grpc.ApiKeyServiceStub(api.channel)
    staff = await sign_up(api, "arcadestaff")
    admin = await sign_up(api, "platformadmin")
    await roles.do_grant_admin(api.running.deps.engine, "platformadmin@example.com")
    await staff_stub.AddStaffMember(
        staff_pb2.AddStaffMemberRequest(arcade_id=world.arcade_id, user_id=staff.user_id),
        metadata=world.owner.metadata,
    )

    all_scopes = [api_key_pb2.API_KEY_SCOPE_BOARDS_READ, api_key_pb2.API_KEY_SCOPE_MACHINE_STATUSES_READ]
    keys = []
    for name in ("partner", "revoked partner", "spare"):
        request = api_key_pb2.CreateApiKeyRequest(arcade_id=world.arcade_id, display_name=name, scopes=all_scopes)
        keys.append(await key_stub.CreateApiKey(request, metadata=world.owner.metadata))
    await key_stub.RevokeApiKey(
        api_key_pb2.RevokeApiKeyRequest(api_key_id=keys[1].api_key.api_key_id), metadata=world.owner.metadata
    )
    world.spare_api_key_id = keys[2].api_key.api_key_id

    world.callers.update(
        {
            "staff": staff.metadata,
            "admin": admin.metadata,
            "api key": (("x-api-key", keys[0].secret),),
            "revoked api key": (("x-api-key", keys[1].secret),),
        }
    )


async def _add_at_the_machine(api, world: World) -> None:
    """Add check-in codes, unclaimed scores, a score to void and a held score."""
    # Every caller uses up one code: six slots on two machines cover twelve callers.
    assert len(world.callers) <= 12, "add a machine for more check-in codes"
    for machine in (world.device, world.target):
        for slot in range(1, 7):
            reply = await api.checkins.CreateCheckInCode(
                checkin_pb2.CreateCheckInCodeRequest(player_slot=slot), metadata=machine.metadata
            )
            world.codes.append(reply.code)
    for number in range(len(world.callers) + 1):
        reply = await api.scores.SubmitScore(
            score_pb2.SubmitScoreRequest(submission_id=f"initials-{number}", value=100 + number, initials="ABC"),
            metadata=world.device.metadata,
        )
        world.unclaimed_score_ids.append(reply.score.id)
    world.score_id = world.unclaimed_score_ids.pop()

    # Scores on the target machine's game above 100 are held.
    await api.moderation.SetScoreRange(
        moderation_pb2.SetScoreRangeRequest(arcade_id=world.arcade_id, game="medieval-madness", max_value=100),
        metadata=world.owner.metadata,
    )
    held = await api.scores.SubmitScore(
        score_pb2.SubmitScoreRequest(submission_id="held", value=1000), metadata=world.target.metadata
    )
    for number in range(len(world.callers)):
        reply = await api.scores.SubmitScore(
            score_pb2.SubmitScoreRequest(submission_id=f"held-{number}", value=1000 + number),
            metadata=world.target.metadata,
        )
        world.held_score_ids.append(reply.score.id)
    world.held_score_id = held.score.id


def _fresh() -> str:
    return uuid.uuid4().hex[:12]


def _new_user(world: World) -> auth_pb2.CreateUserRequest:
    name = f"user{_fresh()}"
    return auth_pb2.CreateUserRequest(email=f"{name}@example.com", password=PASSWORD, screen_name=name)


def _arcade_board(world: World, message_type, **fields):
    return message_type(
        game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_ARCADE, arcade_id=world.arcade_id, **fields
    )


# Method -> (who may call it, a valid request for the world). Requests that
# create something are built anew for each caller.
ROWS: dict[str, tuple[str, Callable[[World], object]]] = {
    "AuthService/CreateUser": (ANYONE, _new_user),
    "AuthService/CreateToken": (
        ANYONE,
        lambda w: auth_pb2.CreateTokenRequest(email=w.owner_email, password=PASSWORD),
    ),
    "AuthService/GetCurrentUser": (SIGNED_IN, lambda w: auth_pb2.GetCurrentUserRequest()),
    "AuthService/RefreshToken": (ANYONE, lambda w: auth_pb2.RefreshTokenRequest(refresh_token=w.refresh_token)),
    "AuthService/SignOut": (SIGNED_IN, lambda w: auth_pb2.SignOutRequest()),
    "AuthService/VerifyEmail": (
        ANYONE_WRONG_CODE,
        lambda w: auth_pb2.VerifyEmailRequest(email=w.owner_email, code="000000"),
    ),
    "AuthService/SendVerificationCode": (
        ANYONE,
        lambda w: auth_pb2.SendVerificationCodeRequest(email=w.owner_email),
    ),
    "AuthService/CompleteSignIn": (
        ANYONE_WRONG_CODE,
        lambda w: auth_pb2.CompleteSignInRequest(challenge="origin_sc_" + "A" * 43, code="123456"),
    ),
    "AuthService/RequestPasswordReset": (
        ANYONE,
        lambda w: auth_pb2.RequestPasswordResetRequest(email=f"{_fresh()}@example.com"),
    ),
    "AuthService/ResetPassword": (
        ANYONE_WRONG_CODE,
        lambda w: auth_pb2.ResetPasswordRequest(link_token="A" * 43, new_password=PASSWORD),
    ),
    "AuthService/ChangePassword": (
        SIGNED_IN,
        lambda w: auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=PASSWORD),
    ),
    "AuthService/ChangeEmail": (
        SIGNED_IN,
        lambda w: auth_pb2.ChangeEmailRequest(new_email=f"{_fresh()}@example.com", password=PASSWORD),
    ),
    "AuthService/ConfirmEmailChange": (
        ANYONE_WRONG_CODE,
        lambda w: auth_pb2.ConfirmEmailChangeRequest(link_token="A" * 43),
    ),
    "SecondFactorService/EnrollSecondFactor": (
        SIGNED_IN,
        lambda w: second_factor_pb2.EnrollSecondFactorRequest(
            method=second_factor_pb2.SECOND_FACTOR_METHOD_TOTP, password=PASSWORD
        ),
    ),
    "SecondFactorService/ConfirmSecondFactor": (
        NO_SECOND_FACTOR,
        lambda w: second_factor_pb2.ConfirmSecondFactorRequest(code="123456"),
    ),
    "SecondFactorService/DisableSecondFactor": (
        NO_SECOND_FACTOR,
        lambda w: second_factor_pb2.DisableSecondFactorRequest(password=PASSWORD, code="123456"),
    ),
    "SecondFactorService/SendSecondFactorCode": (
        NO_SECOND_FACTOR,
        lambda w: second_factor_pb2.SendSecondFactorCodeRequest(),
    ),
    "SessionService/ListSessions": (SIGNED_IN, lambda w: session_pb2.ListSessionsRequest()),
    "SessionService/DeleteSession": (
        OWN_SESSION,
        lambda w: session_pb2.DeleteSessionRequest(session_id=str(uuid.uuid4())),
    ),
    "SessionService/DeleteAllSessions": (
        SIGNED_IN,
        lambda w: session_pb2.DeleteAllSessionsRequest(keep_current=True),
    ),
    "ArcadeService/CreateArcade": (
        SIGNED_IN,
        lambda w: arcade_pb2.CreateArcadeRequest(
            display_name="New Hall", latitude=50.0, longitude=8.0, time_zone="Europe/Berlin", request_id=_fresh()
        ),
    ),
    "ArcadeService/GetArcade": (ANYONE, lambda w: arcade_pb2.GetArcadeRequest(arcade_id=w.arcade_id)),
    "ArcadeService/ListNearbyArcades": (
        ANYONE,
        lambda w: arcade_pb2.ListNearbyArcadesRequest(latitude=52.52, longitude=13.405),
    ),
    "MachineService/CreateMachine": (
        OWNER,
        lambda w: machine_pb2.CreateMachineRequest(arcade_id=w.arcade_id, game_title="Cactus Canyon"),
    ),
    "MachineService/GetMachine": (STAFF, lambda w: machine_pb2.GetMachineRequest(machine_id=w.target.machine_id)),
    "MachineService/ListMachines": (STAFF, lambda w: machine_pb2.ListMachinesRequest(arcade_id=w.arcade_id)),
    "MachineService/RevokeDeviceToken": (
        OWNER,
        lambda w: machine_pb2.RevokeDeviceTokenRequest(machine_id=w.target.machine_id),
    ),
    "MachineService/RenewDeviceToken": (
        OWNER,
        lambda w: machine_pb2.RenewDeviceTokenRequest(machine_id=w.target.machine_id),
    ),
    "ScoreService/SubmitScore": (DEVICE, lambda w: score_pb2.SubmitScoreRequest(submission_id=_fresh(), value=10)),
    "ScoreService/StreamScores": (
        DEVICE,
        lambda w: score_pb2.StreamScoresRequest(score=score_pb2.SubmitScoreRequest(submission_id=_fresh(), value=10)),
    ),
    "ScoreService/ListTopScores": (ANYONE_OR_BOARD_KEY, lambda w: _arcade_board(w, score_pb2.ListTopScoresRequest)),
    "ScoreService/ListScoresAroundPlayer": (
        ANYONE_OR_BOARD_KEY,
        lambda w: _arcade_board(w, score_pb2.ListScoresAroundPlayerRequest, user_id=w.player.user_id),
    ),
    "ScoreService/ListUserScores": (ANYONE, lambda w: score_pb2.ListUserScoresRequest(user_id=w.player.user_id)),
    "ScoreService/WatchBoard": (ANYONE_OR_BOARD_KEY, lambda w: _arcade_board(w, score_pb2.WatchBoardRequest)),
    "CheckInService/CreateCheckInCode": (DEVICE, lambda w: checkin_pb2.CreateCheckInCodeRequest(player_slot=6)),
    "CheckInService/ClaimCheckIn": (SIGNED_IN, lambda w: checkin_pb2.ClaimCheckInRequest(code=w.codes.pop())),
    "CheckInService/EndCheckIns": (DEVICE, lambda w: checkin_pb2.EndCheckInsRequest()),
    "CheckInService/ClaimScore": (
        SIGNED_IN,
        lambda w: checkin_pb2.ClaimScoreRequest(score_id=w.unclaimed_score_ids.pop()),
    ),
    "MachineStatusService/ReportMachineStatus": (
        DEVICE,
        lambda w: machine_status_pb2.ReportMachineStatusRequest(state=machine_status_pb2.MACHINE_STATE_IDLE),
    ),
    "MachineStatusService/ListMachineStatuses": (
        STAFF_OR_STATUS_KEY,
        lambda w: machine_status_pb2.ListMachineStatusesRequest(arcade_id=w.arcade_id),
    ),
    "MachineStatusService/WatchMachineStatuses": (
        STAFF_OR_STATUS_KEY,
        lambda w: machine_status_pb2.WatchMachineStatusesRequest(arcade_id=w.arcade_id),
    ),
    "ModerationService/VoidScore": (
        STAFF,
        lambda w: moderation_pb2.VoidScoreRequest(score_id=w.unclaimed_score_ids.pop(), reason="test"),
    ),
    "ModerationService/ApproveScore": (
        STAFF,
        lambda w: moderation_pb2.ApproveScoreRequest(score_id=w.held_score_ids.pop()),
    ),
    "ModerationService/ListHeldScores": (STAFF, lambda w: moderation_pb2.ListHeldScoresRequest(arcade_id=w.arcade_id)),
    "ModerationService/SetScoreRange": (
        OWNER,
        lambda w: moderation_pb2.SetScoreRangeRequest(arcade_id=w.arcade_id, game="attack-from-mars", max_value=10**12),
    ),
    "ModerationService/SetClaimWindow": (
        OWNER,
        lambda w: moderation_pb2.SetClaimWindowRequest(arcade_id=w.arcade_id, claim_window={"seconds": 3600}),
    ),
    "AccountService/UpdateScreenName": (
        SIGNED_IN,
        lambda w: account_pb2.UpdateScreenNameRequest(screen_name=f"renamed{_fresh()}"),
    ),
    "AccountService/DeleteAccount": (OWNS_NO_ARCADE, lambda w: account_pb2.DeleteAccountRequest(password=PASSWORD)),
    "AccountService/ExportAccountData": (SIGNED_IN, lambda w: account_pb2.ExportAccountDataRequest()),
    "StaffService/AddStaffMember": (
        OWNER,
        lambda w: staff_pb2.AddStaffMemberRequest(arcade_id=w.arcade_id, user_id=w.player.user_id),
    ),
    "StaffService/RemoveStaffMember": (
        OWNER,
        lambda w: staff_pb2.RemoveStaffMemberRequest(arcade_id=w.arcade_id, user_id=w.crew_user_ids.pop()),
    ),
    "StaffService/ListStaffMembers": (OWNER, lambda w: staff_pb2.ListStaffMembersRequest(arcade_id=w.arcade_id)),
    "ApiKeyService/CreateApiKey": (
        OWNER,
        lambda w: api_key_pb2.CreateApiKeyRequest(
            arcade_id=w.arcade_id, display_name="another partner", scopes=[api_key_pb2.API_KEY_SCOPE_BOARDS_READ]
        ),
    ),
    "ApiKeyService/ListApiKeys": (OWNER, lambda w: api_key_pb2.ListApiKeysRequest(arcade_id=w.arcade_id)),
    "ApiKeyService/RevokeApiKey": (
        OWNER,
        lambda w: api_key_pb2.RevokeApiKeyRequest(api_key_id=w.spare_api_key_id),
    ),
}


async def _add_crew(api, world: World) -> None:
    """Add one staff member per caller, so each caller allowed to remove one finds one left."""
    staff_stub = staff_pb2_grpc.StaffServiceStub(api.channel)
    for _ in world.callers:
        created = await api.auth.CreateUser(_new_user(world))
        await staff_stub.AddStaffMember(
            staff_pb2.AddStaffMemberRequest(arcade_id=world.arcade_id, user_id=created.user.id),
            metadata=world.owner.metadata,
        )
        world.crew_user_ids.append(created.user.id)


# Extra set-up for the rows whose requests use up something only they need.
PREPARE = {"StaffService/RemoveStaffMember": _add_crew}


@dataclasses.dataclass(frozen=True)
class Outcome:
    code: grpc.StatusCode
    message: str = ""
    reason: str = ""


def _failure(error: grpc.aio.AioRpcError) -> Outcome:
    info = error_info(error)
    return Outcome(error.code(), error.details() or "", info.reason if info else "")


async def _first_message(call, request=None) -> Outcome:
    """Read a stream's first message, or its error, then cancel the stream."""
    try:
        if request is not None:
            # The write raises InvalidStateError when the server has already
            # ended the call. read() then raises the call's error.
            with contextlib.suppress(asyncio.InvalidStateError):
                await call.write(request)
        message = await call.read()
    except grpc.aio.AioRpcError as error:
        return _failure(error)
    finally:
        call.cancel()
    if message is grpc.aio.EOF:
        raise AssertionError("the stream ended without a message or an error")
    return Outcome(OK)


async def _call(api, method: str, request, metadata) -> Outcome:
    service, name = method.split("/")
    stub = {
        "AuthService": api.auth,
        "ArcadeService": api.arcades,
        "MachineService": api.machines,
        "ScoreService": api.scores,
        "CheckInService": api.checkins,
        "MachineStatusService": api.statuses,
        "ModerationService": api.moderation,
        "SessionService": api.sessions,
        "SecondFactorService": second_factor_pb2_grpc.SecondFactorServiceStub(api.channel),
        "AccountService": account_pb2_grpc.AccountServiceStub(api.channel),
        "StaffService": staff_pb2_grpc.StaffServiceStub(api.channel),
        "ApiKeyService": api_key_pb2_grpc.ApiKeyServiceStub(api.channel),
    }
    rpc = getattr(stub[service], name)
    descriptor = METHODS[method]

    if descriptor.client_streaming and descriptor.server_streaming:
        return await _first_message(rpc(metadata=metadata, timeout=10), request)
    if descriptor.server_streaming:
        return await _first_message(rpc(request, metadata=metadata, timeout=10))
    if descriptor.client_streaming:
        raise AssertionError(f"{method}: no RPC streams only requests; teach _call how to call it")
    try:
        await rpc(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return _failure(error)
    return Outcome(OK)


@pytest.mark.parametrize("method", sorted(METHODS))
async def test_callers_allowed_or_denied(api, method):
    if method not in ROWS:
        pytest.fail(f"{method} has no row in ROWS: add who may call it and a valid request")
    access, make_request = ROWS[method]
    world = await _build_world(api)
    if method in PREPARE:
        await PREPARE[method](api, world)

    outcomes = {caller: await _call(api, method, make_request(world), metadata) for caller, metadata in world.callers.items()}

    assert {caller: outcome.code for caller, outcome in outcomes.items()} == EXPECTED[access]
    # A revoked token and one that never existed must look the same.
    assert outcomes["revoked device"].message == outcomes["unknown device"].message
    assert outcomes["revoked device"].reason == "BAD_DEVICE_TOKEN"
    assert outcomes["unknown device"].reason == "BAD_DEVICE_TOKEN"
    assert outcomes["revoked api key"].reason == "BAD_API_KEY"


def test_rows_match_services():
    assert sorted(ROWS) == sorted(METHODS)


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "bearer-abc"],
)
async def test_malformed_authorization_header(api, authorization):
    request = arcade_pb2.ListNearbyArcadesRequest(latitude=52.52, longitude=13.405)

    outcome = await _call(api, "ArcadeService/ListNearbyArcades", request, (("authorization", authorization),))

    assert outcome.code == UNAUTHENTICATED
    assert outcome.reason == "BAD_AUTHORIZATION"


async def test_expired_access_token(api):
    owner = await sign_up(api)
    settings = api.running.deps.settings
    expired = security.issue_access_token(
        api.running.deps.jwt_secret, settings.jwt_issuer, uuid.UUID(owner.user_id), -60
    )

    outcome = await _call(api, "AuthService/GetCurrentUser", auth_pb2.GetCurrentUserRequest(), _bearer(expired.token))

    assert outcome.code == UNAUTHENTICATED


@pytest.mark.parametrize(
    "secret, issuer",
    [("another-secret-" + "y" * 32, None), (None, "someone-else")],
    ids=["foreign secret", "foreign issuer"],
)
async def test_foreign_access_token(api, secret, issuer):
    owner = await sign_up(api)
    deps = api.running.deps
    token = security.issue_access_token(
        secret or deps.jwt_secret, issuer or deps.settings.jwt_issuer, uuid.UUID(owner.user_id), 60
    )
    genuine = await _call(api, "AuthService/GetCurrentUser", auth_pb2.GetCurrentUserRequest(), owner.metadata)

    outcome = await _call(api, "AuthService/GetCurrentUser", auth_pb2.GetCurrentUserRequest(), _bearer(token.token))

    assert genuine.code == OK
    assert outcome.code == UNAUTHENTICATED
