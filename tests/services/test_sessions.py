"""Sessions: refresh-token rotation, reuse detection, the grace period, listing and ending sessions."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import jwt
import pytest
from origin.v1 import auth_pb2, session_pb2

from server.domain import security
from tests.helpers import PASSWORD, error_info, sign_up
from tests.services.support import assert_invalid, rpc_error


def _bearer(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


async def _log_in(api, email: str) -> auth_pb2.CreateTokenResponse:
    return await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=PASSWORD))


async def _refresh(api, token: str):
    return await api.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=token))


async def _live_tokens(db, session_id: str) -> int:
    row = await (
        await db.execute(
            """
            SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
            WHERE t.session_id = %s AND t.rotated_time IS NULL AND s.end_time IS NULL
            """,
            (session_id,),
        )
    ).fetchone()
    return row[0]


async def test_refresh_rotates_token(api, db):
    owner = await sign_up(api, "ann")
    first = await _log_in(api, "ann@example.com")

    second = await _refresh(api, first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    me = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(second.access_token))
    assert me.user.id == owner.user_id
    stored = await (await db.execute("SELECT token_hash FROM refresh_tokens")).fetchall()
    assert all(second.refresh_token.encode() not in bytes(row[0]) for row in stored)


async def test_concurrent_refreshes_one_live_member(api, db):
    await sign_up(api, "ann")
    first = await _log_in(api, "ann@example.com")

    replies = await asyncio.gather(*(_refresh(api, first.refresh_token) for _ in range(2)))

    assert replies[0].refresh_token == replies[1].refresh_token
    assert await _live_tokens(db, first.session_id) == 1
    third = await _refresh(api, replies[0].refresh_token)
    assert await _live_tokens(db, first.session_id) == 1
    assert third.refresh_token != replies[0].refresh_token


async def test_reuse_after_grace_ends_family(api, db):
    await sign_up(api, "ann")
    first = await _log_in(api, "ann@example.com")
    second = await _refresh(api, first.refresh_token)
    await db.execute("UPDATE refresh_tokens SET rotated_time = rotated_time - interval '1 hour' WHERE rotated_time IS NOT NULL")

    reuse = await rpc_error(_refresh(api, first.refresh_token))
    successor = await rpc_error(_refresh(api, second.refresh_token))
    access = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(second.access_token)))

    assert reuse.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(reuse).reason == "BAD_REFRESH_TOKEN"
    assert error_info(successor).reason == "BAD_REFRESH_TOKEN"
    assert access.code() == grpc.StatusCode.UNAUTHENTICATED
    row = await (await db.execute("SELECT end_reason FROM sessions WHERE id = %s", (first.session_id,))).fetchone()
    assert row[0] == "reuse"


async def test_reuse_after_successor_used_ends_family(api, db):
    await sign_up(api, "ann")
    first = await _log_in(api, "ann@example.com")
    second = await _refresh(api, first.refresh_token)
    await _refresh(api, second.refresh_token)

    reuse = await rpc_error(_refresh(api, first.refresh_token))

    assert error_info(reuse).reason == "BAD_REFRESH_TOKEN"
    assert await _live_tokens(db, first.session_id) == 0


@pytest.mark.parametrize("token", ["garbage", "origin_rt_" + "A" * 43])
async def test_unknown_refresh_token(api, token):
    error = await rpc_error(_refresh(api, token))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_REFRESH_TOKEN"


async def test_empty_refresh_token(api):
    error = await rpc_error(_refresh(api, ""))

    assert_invalid(error, "refresh_token")


async def test_expired_refresh_token(api, db):
    await sign_up(api, "ann")
    first = await _log_in(api, "ann@example.com")
    await db.execute("UPDATE refresh_tokens SET expire_time = clock_timestamp() - interval '1 second'")

    error = await rpc_error(_refresh(api, first.refresh_token))

    assert error_info(error).reason == "BAD_REFRESH_TOKEN"


async def test_list_and_delete_session(api):
    owner = await sign_up(api, "ann")
    other = await _log_in(api, "ann@example.com")

    listed = await api.sessions.ListSessions(session_pb2.ListSessionsRequest(), metadata=owner.metadata)
    await api.sessions.DeleteSession(session_pb2.DeleteSessionRequest(session_id=other.session_id), metadata=owner.metadata)
    after = await api.sessions.ListSessions(session_pb2.ListSessionsRequest(), metadata=owner.metadata)
    ended = await rpc_error(_refresh(api, other.refresh_token))
    access = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(other.access_token)))

    assert len(listed.sessions) == 2
    assert [s.current for s in listed.sessions].count(True) == 1
    assert all(s.client_address == "127.0.0.1" for s in listed.sessions)
    assert [s.session_id for s in after.sessions] != [other.session_id]
    assert len(after.sessions) == 1
    assert error_info(ended).reason == "BAD_REFRESH_TOKEN"
    assert access.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_delete_other_users_session(api):
    owner = await sign_up(api, "ann")
    other = await sign_up(api, "bob")
    bob = await _log_in(api, "bob@example.com")

    error = await rpc_error(
        api.sessions.DeleteSession(session_pb2.DeleteSessionRequest(session_id=bob.session_id), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "SESSION_NOT_FOUND"
    await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=other.metadata)


@pytest.mark.parametrize("value", ["", "nope"])
async def test_delete_session_bad_id(api, value):
    owner = await sign_up(api)

    error = await rpc_error(
        api.sessions.DeleteSession(session_pb2.DeleteSessionRequest(session_id=value), metadata=owner.metadata)
    )

    assert_invalid(error, "session_id")


@pytest.mark.parametrize("keep_current, expected", [(True, 2), (False, 3)])
async def test_delete_all_sessions(api, keep_current, expected):
    owner = await sign_up(api, "ann")
    others = [await _log_in(api, "ann@example.com") for _ in range(2)]

    reply = await api.sessions.DeleteAllSessions(
        session_pb2.DeleteAllSessionsRequest(keep_current=keep_current), metadata=owner.metadata
    )

    assert reply.ended_count == expected
    for other in others:
        assert error_info(await rpc_error(_refresh(api, other.refresh_token))).reason == "BAD_REFRESH_TOKEN"
    current = api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=owner.metadata)
    if keep_current:
        await current
    else:
        assert (await rpc_error(current)).code() == grpc.StatusCode.UNAUTHENTICATED


async def test_sign_out_ends_current_session(api):
    await sign_up(api, "ann")
    tokens = await _log_in(api, "ann@example.com")

    await api.auth.SignOut(auth_pb2.SignOutRequest(), metadata=_bearer(tokens.access_token))

    access = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(tokens.access_token)))
    refresh = await rpc_error(_refresh(api, tokens.refresh_token))
    assert access.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(refresh).reason == "BAD_REFRESH_TOKEN"


def _claims(deps, user_id, session_id, **changes) -> dict:
    import datetime

    now = datetime.datetime.now(datetime.timezone.utc)
    claims = {
        "iss": deps.settings.jwt_issuer,
        "aud": security.JWT_AUDIENCE,
        "sub": user_id,
        "sid": session_id,
        "iat": now,
        "exp": now + datetime.timedelta(minutes=5),
        "typ": "access",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "orig"},
        {"iss": "origin-evil"},
        {"iss": "xoriginx"},
        {"iss": "ORIGIN"},
        {"iss": "Origin"},
        {"iss": None},
        {"aud": "other-api"},
        {"aud": None},
        {"exp": None},
        {"iat": None},
        {"sub": None},
        {"typ": None},
        {"typ": "refresh"},
        {"sid": None},
    ],
    ids=repr,
)
async def test_access_token_claims_strict(api, changes):
    await sign_up(api, "ann")
    tokens = await _log_in(api, "ann@example.com")
    deps = api.running.deps
    user_id = jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"]
    genuine = _claims(deps, user_id, tokens.session_id)
    forged = jwt.encode(_claims(deps, user_id, tokens.session_id, **changes), deps.jwt_secret, algorithm="HS256")

    await api.auth.GetCurrentUser(
        auth_pb2.GetCurrentUserRequest(), metadata=_bearer(jwt.encode(genuine, deps.jwt_secret, algorithm="HS256"))
    )
    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(forged)))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_access_token_alg_none(api):
    await sign_up(api, "ann")
    tokens = await _log_in(api, "ann@example.com")
    deps = api.running.deps
    user_id = jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"]
    forged = jwt.encode(_claims(deps, user_id, tokens.session_id), None, algorithm="none")

    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(forged)))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_access_token_session_of_other_user(api):
    await sign_up(api, "ann")
    bob = await sign_up(api, "bob")
    ann = await _log_in(api, "ann@example.com")
    deps = api.running.deps
    forged = jwt.encode(_claims(deps, bob.user_id, ann.session_id), deps.jwt_secret, algorithm="HS256")

    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(forged)))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert uuid.UUID(bob.user_id)
