"""gRPC-Web on the gateway's port: binary and text modes, unary and server streaming, errors in trailers."""

import asyncio
import base64

import pytest
from google.rpc import error_details_pb2
from origin.v1 import auth_pb2, common_pb2, score_pb2

from tests.gateway import grpcweb_client
from tests.gateway.grpcweb_client import FrameDecoder, call, frame, request_body, request_headers
from tests.gateway.rest import create_arcade, create_machine, sign_up
from tests.helpers import PASSWORD

AUTH = "/origin.v1.AuthService"
SCORES = "/origin.v1.ScoreService"


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
async def test_unary_call(http, text):
    request = auth_pb2.CreateUserRequest(email="web@example.com", password=PASSWORD, screen_name="Webber")
    reply = await call(http, f"{AUTH}/CreateUser", request.SerializeToString(), text=text)
    assert reply.http_status == 200
    assert reply.headers["content-type"] == ("application/grpc-web-text+proto" if text else "application/grpc-web+proto")
    assert reply.trailers.code == 0
    assert len(reply.messages) == 1
    assert auth_pb2.CreateUserResponse.FromString(reply.messages[0]).user.screen_name == "Webber"


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
async def test_metadata_in_headers(http, text):
    user = await sign_up(http)
    headers = {"Authorization": f"Bearer {user.token}", "X-Request-Id": "web-7"}
    reply = await call(http, f"{AUTH}/GetCurrentUser", b"", text=text, headers=headers)
    assert reply.trailers.code == 0
    assert auth_pb2.GetCurrentUserResponse.FromString(reply.messages[0]).user.id == user.user_id
    assert reply.headers["x-request-id"] == "web-7"


async def test_error_trailers_carry_status_details(http):
    reply = await call(http, f"{AUTH}/GetCurrentUser", b"")
    assert reply.http_status == 200
    assert reply.messages == []
    assert reply.trailers.code == 16
    assert reply.trailers.message == "this call needs a user access token"
    status = reply.trailers.status()
    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)
    assert info.reason == "UNAUTHENTICATED"


async def test_message_is_percent_encoded(http):
    request = auth_pb2.CreateUserRequest(email="nope", password=PASSWORD, screen_name="abc")
    reply = await call(http, f"{AUTH}/CreateUser", request.SerializeToString())
    assert reply.trailers.code == 3
    assert "%" not in reply.trailers.message
    assert "invalid email" in reply.trailers.message


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
async def test_server_streaming_watch(api, http, text):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    request = score_pb2.WatchBoardRequest(game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_GLOBAL)
    decoder = FrameDecoder(text)

    async with asyncio.timeout(10):
        body = request_body([request.SerializeToString()], text)
        async with http.stream("POST", f"{SCORES}/WatchBoard", content=body, headers=request_headers(text)) as reply:
            chunks = reply.aiter_bytes()
            while not decoder.messages:
                decoder.feed(await anext(chunks))
            first = score_pb2.WatchBoardResponse.FromString(decoder.messages[0])
            assert first.snapshot.board.game == "attack-from-mars"

            submitted = await http.post("/v1/scores", json={"submissionId": "w1", "value": "777"}, headers=machine.headers)
            assert submitted.status_code == 200
            while len(decoder.messages) < 2:
                decoder.feed(await anext(chunks))
            second = score_pb2.WatchBoardResponse.FromString(decoder.messages[1])
            assert second.snapshot.entries[0].score.value == 777
            assert api.running.deps.hub.watcher_count() == 1

    for _ in range(50):
        if api.running.deps.hub.watcher_count() == 0:
            break
        await asyncio.sleep(0.02)
    assert api.running.deps.hub.watcher_count() == 0


async def test_streaming_error_arrives_in_trailer(http):
    request = score_pb2.WatchBoardRequest(game="attack-from-mars")
    reply = await call(http, f"{SCORES}/WatchBoard", request.SerializeToString())
    assert reply.messages == []
    assert reply.trailers.code == 3


async def test_client_stream_in_one_body(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    scores = [
        score_pb2.StreamScoresRequest(score=score_pb2.SubmitScoreRequest(submission_id=f"s{i}", value=i * 100))
        for i in (1, 2)
    ]
    reply = await call(
        http, f"{SCORES}/StreamScores", *(s.SerializeToString() for s in scores), headers=machine.headers
    )
    assert reply.trailers.code == 0
    answers = [score_pb2.StreamScoresResponse.FromString(m) for m in reply.messages]
    assert [a.submission_id for a in answers] == ["s1", "s2"]
    assert [a.score.value for a in answers] == [100, 200]


async def test_text_body_of_several_base64_chunks(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    # Each frame is base64-encoded on its own, so padding appears mid-body.
    chunks = [
        base64.b64encode(frame(score_pb2.StreamScoresRequest(score=score_pb2.SubmitScoreRequest(submission_id=name, value=1)).SerializeToString()))
        for name in ("ab", "c")
    ]
    assert b"=" in chunks[0]
    headers = request_headers(True, machine.headers)
    reply = await http.post(f"{SCORES}/StreamScores", content=b"".join(chunks), headers=headers)
    decoder = FrameDecoder(True)
    decoder.feed(reply.content)
    assert decoder.trailers.code == 0
    assert [score_pb2.StreamScoresResponse.FromString(m).submission_id for m in decoder.messages] == ["ab", "c"]


async def test_unknown_method_is_unimplemented(http):
    reply = await call(http, "/origin.v1.AuthService/Nope", b"")
    assert reply.trailers.code == 12


async def test_path_that_is_no_method_is_unimplemented(http):
    reply = await call(http, "/v1/users", b"")
    assert reply.trailers.code == 12
    assert reply.headers["grpc-status"] == "12"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\x00\x00\x00", 3),
        (b"\x00\x00\x00\x00\x09abc", 3),
        (frame(b"x", flag=1), 12),
        (frame(b"", flag=0x80), 3),
    ],
    ids=["short-header", "short-frame", "compressed", "trailer-in-request"],
)
async def test_malformed_frames(http, body, code):
    reply = await http.post(f"{AUTH}/CreateUser", content=body, headers=request_headers(False))
    assert reply.status_code == 200
    assert reply.headers["grpc-status"] == str(code)
    decoder = FrameDecoder(False)
    decoder.feed(reply.content)
    assert decoder.trailers.code == code


async def test_bad_base64_is_invalid_argument(http):
    reply = await http.post(f"{AUTH}/CreateUser", content=b"!!!!", headers=request_headers(True))
    assert reply.headers["grpc-status"] == "3"


async def test_json_subtype_is_415(http):
    reply = await http.post(f"{AUTH}/CreateUser", content=b"{}", headers={"Content-Type": "application/grpc-web+json"})
    assert reply.status_code == 415


def test_client_decoder_handles_split_text():
    decoder = grpcweb_client.FrameDecoder(True)
    encoded = base64.b64encode(frame(b"hello")) + base64.b64encode(frame(b"grpc-status: 0\r\n", flag=0x80))
    for index in range(0, len(encoded), 3):
        decoder.feed(encoded[index : index + 3])
    assert decoder.messages == [b"hello"]
    assert decoder.trailers.code == 0
