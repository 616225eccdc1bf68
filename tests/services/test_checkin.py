"""CheckInService: claim codes, check-ins on the device stream, slot scores and claiming scores later."""

import asyncio
import datetime
import hashlib
import uuid

import grpc
import pytest
from origin.v1 import checkin_pb2, common_pb2, score_pb2

from server.domain.checkins import CODE_ALPHABET
from tests import conftest
from tests.helpers import create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, rpc_error, timestamp

CHECK_IN_TABLES = ("check_in_codes", "check_in_codes_history", "check_ins", "check_ins_history")
SCORE_TABLES = ("scores", "scores_history", "board_bests")
UTC = datetime.timezone.utc


async def _code(api, machine, slot=1) -> checkin_pb2.CreateCheckInCodeResponse:
    request = checkin_pb2.CreateCheckInCodeRequest(player_slot=slot)
    return await api.checkins.CreateCheckInCode(request, metadata=machine.metadata)


async def _claim(api, player, code: str) -> checkin_pb2.ClaimCheckInResponse:
    return await api.checkins.ClaimCheckIn(checkin_pb2.ClaimCheckInRequest(code=code), metadata=player.metadata)


async def _check_in(api, machine, player, slot=1) -> checkin_pb2.ClaimCheckInResponse:
    return await _claim(api, player, (await _code(api, machine, slot)).code)


async def _submit(api, machine, value=100, submission_id=None, **fields) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=submission_id or uuid.uuid4().hex, value=value, **fields)
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


async def _next_check_in(call) -> checkin_pb2.CheckIn:
    response = await asyncio.wait_for(call.read(), 10)
    assert response.WhichOneof("result") == "check_in", response
    return response.check_in


async def test_create_code_stores_only_hash(api, db):
    _, _, machine = await owner_with_machine(api)

    reply = await _code(api, machine, slot=3)

    assert len(reply.code) == 8
    assert set(reply.code) <= set(CODE_ALPHABET)
    assert reply.qr_payload == f"origin://checkin/{reply.code}"
    assert reply.player_slot == 3
    lifetime = reply.expire_time.ToDatetime(tzinfo=UTC) - datetime.datetime.now(UTC)
    assert datetime.timedelta(seconds=100) < lifetime <= datetime.timedelta(seconds=120)
    rows = await (await db.execute("SELECT code_hash, player_slot FROM check_in_codes")).fetchall()
    assert rows == [(hashlib.sha256(reply.code.encode()).digest(), 3)]


@pytest.mark.parametrize("slot", [0, 7, -1])
async def test_create_code_rejects_bad_slot(api, db, slot):
    _, _, machine = await owner_with_machine(api)

    error = await rpc_error(_code(api, machine, slot))

    assert_invalid(error, "player_slot")
    assert (await count_rows(db, "check_in_codes"))["check_in_codes"] == 0


async def test_new_code_replaces_unclaimed_code(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    first = await _code(api, machine, 2)
    await _code(api, machine, 2)

    error = await rpc_error(_claim(api, player, first.code))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "CHECK_IN_CODE_NOT_FOUND"


async def test_claim_notifies_open_stream(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "ada")
    stream = api.scores.StreamScores(metadata=machine.metadata)
    code = await _code(api, machine, slot=2)

    claimed = await _claim(api, player, code.qr_payload.lower())
    notice = await _next_check_in(stream)
    stream.cancel()

    assert claimed.check_in.player_slot == 2
    assert claimed.check_in.user_id == player.user_id
    assert claimed.machine.id == machine.machine_id
    assert notice.user_id == player.user_id
    assert notice.screen_name == "ada"
    assert notice.player_slot == 2
    assert not notice.HasField("end_time")


async def test_stream_starts_with_open_check_ins(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _check_in(api, machine, player, slot=4)

    stream = api.scores.StreamScores(metadata=machine.metadata)
    notice = await _next_check_in(stream)
    stream.cancel()

    assert (notice.player_slot, notice.user_id) == (4, player.user_id)


async def test_stream_answers_code_request(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    stream = api.scores.StreamScores(metadata=machine.metadata)

    await stream.write(score_pb2.StreamScoresRequest(check_in_code=checkin_pb2.CreateCheckInCodeRequest(player_slot=5)))
    response = await asyncio.wait_for(stream.read(), 10)
    await stream.write(score_pb2.StreamScoresRequest(check_in_code=checkin_pb2.CreateCheckInCodeRequest(player_slot=9)))
    rejected = await asyncio.wait_for(stream.read(), 10)
    await _claim(api, player, response.check_in_code.code)
    notice = await _next_check_in(stream)
    stream.cancel()

    assert response.submission_id == ""
    assert response.check_in_code.player_slot == 5
    assert rejected.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert notice.player_slot == 5


@pytest.mark.parametrize("code", ["", "ABC", "0OIL1234", "ABCDEFGHJ", "origin://checkin/"])
async def test_claim_rejects_malformed_code(api, db, code):
    player = await sign_up(api)

    error = await rpc_error(_claim(api, player, code))

    assert_invalid(error, "code")
    assert (await count_rows(db, "check_ins"))["check_ins"] == 0


async def test_code_works_once(api, db):
    _, _, machine = await owner_with_machine(api)
    first, second = await sign_up(api), await sign_up(api)
    code = await _code(api, machine)

    await _claim(api, first, code.code)
    error = await rpc_error(_claim(api, second, code.code))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "CHECK_IN_CODE_NOT_FOUND"
    assert (await count_rows(db, "check_ins"))["check_ins"] == 1


async def test_device_cannot_claim(api, db):
    _, _, machine = await owner_with_machine(api)
    code = await _code(api, machine)

    error = await rpc_error(api.checkins.ClaimCheckIn(checkin_pb2.ClaimCheckInRequest(code=code.code),
                                                       metadata=machine.metadata))

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await count_rows(db, "check_ins"))["check_ins"] == 0


async def test_code_expires(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, check_in_code_seconds=0.3)
    async with conftest.serving(database_url, settings) as api:
        _, _, machine = await owner_with_machine(api)
        player = await sign_up(api)
        code = await _code(api, machine)
        await asyncio.sleep(0.5)

        error = await rpc_error(_claim(api, player, code.code))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "CHECK_IN_CODE_NOT_FOUND"


async def test_failed_claims_are_limited(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, check_in_max_failures=3)
    async with conftest.serving(database_url, settings) as api:
        _, _, machine = await owner_with_machine(api)
        guesser, bystander = await sign_up(api), await sign_up(api)
        for _ in range(3):
            assert (await rpc_error(_claim(api, guesser, "ABCDEFGH"))).code() == grpc.StatusCode.NOT_FOUND
        valid = await _code(api, machine)

        blocked = await rpc_error(_claim(api, guesser, valid.code))
        # The bystander calls from the same address, whose failures count too.
        same_address = await rpc_error(_claim(api, bystander, valid.code))

    assert blocked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(blocked).reason == "TOO_MANY_FAILED_CLAIMS"
    assert same_address.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_slot_score_belongs_to_checked_in_player(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "bea")
    await _check_in(api, machine, player, slot=2)

    claimed = await _submit(api, machine, 5000, player_slot=2, initials="XYZ")
    unclaimed = await _submit(api, machine, 4000, player_slot=3, initials="QQQ")

    assert claimed.score.player.user_id == player.user_id
    assert claimed.score.player.display_name == "bea"
    assert claimed.score.player.initials == ""
    assert unclaimed.score.player.user_id == ""
    assert unclaimed.score.player.initials == "QQQ"
    slots = await (await db.execute("SELECT player_slot FROM scores ORDER BY id")).fetchall()
    assert slots == [(2,), (3,)]


@pytest.mark.parametrize("fields", [{"player_slot": 7}, {"player_slot": -1}, {"player_slot": 1, "user_id": str(uuid.uuid4())}])
async def test_submit_rejects_bad_player_slot(api, db, fields):
    _, _, machine = await owner_with_machine(api)

    error = await rpc_error(_submit(api, machine, **fields))

    assert_invalid(error, "player_slot")
    assert (await count_rows(db, *SCORE_TABLES)) == dict.fromkeys(SCORE_TABLES, 0)


async def test_slot_retry_after_check_out_is_duplicate(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _check_in(api, machine, player, slot=1)
    first = await _submit(api, machine, 900, "game-7", player_slot=1)
    await api.checkins.EndCheckIns(checkin_pb2.EndCheckInsRequest(), metadata=machine.metadata)

    retry = await _submit(api, machine, 900, "game-7", player_slot=1)

    assert retry.duplicate
    assert retry.score.id == first.score.id
    assert retry.score.player.user_id == player.user_id
    assert (await count_rows(db, "scores"))["scores"] == 1


async def test_claim_elsewhere_releases_old_slot(api, db):
    owner, arcade, first_machine = await owner_with_machine(api)
    second_machine = await create_machine(api, owner, arcade.id, "Medieval Madness")
    player = await sign_up(api)
    await _check_in(api, first_machine, player, slot=1)
    stream = api.scores.StreamScores(metadata=first_machine.metadata)
    assert (await _next_check_in(stream)).player_slot == 1

    await _check_in(api, second_machine, player, slot=2)
    ended = await _next_check_in(stream)
    stream.cancel()
    old_slot = await _submit(api, first_machine, 10, player_slot=1)

    assert ended.HasField("end_time")
    assert ended.user_id == player.user_id
    assert old_slot.score.player.user_id == ""
    reasons = await (await db.execute("SELECT machine_id::text, end_reason FROM check_ins ORDER BY id")).fetchall()
    assert reasons == [(first_machine.machine_id, "replaced"), (second_machine.machine_id, None)]


async def test_new_claim_of_slot_replaces_player(api, db):
    _, _, machine = await owner_with_machine(api)
    first, second = await sign_up(api), await sign_up(api)
    await _check_in(api, machine, first, slot=1)

    await _check_in(api, machine, second, slot=1)
    score = await _submit(api, machine, 10, player_slot=1)

    assert score.score.player.user_id == second.user_id
    open_rows = await (await db.execute("SELECT count(*) FROM check_ins WHERE end_time IS NULL")).fetchone()
    assert open_rows[0] == 1


async def test_end_check_ins_of_one_slot(api, db):
    _, _, machine = await owner_with_machine(api)
    first, second = await sign_up(api), await sign_up(api)
    await _check_in(api, machine, first, slot=1)
    await _check_in(api, machine, second, slot=2)

    reply = await api.checkins.EndCheckIns(checkin_pb2.EndCheckInsRequest(player_slot=1), metadata=machine.metadata)
    after_first = await _submit(api, machine, 10, player_slot=1)
    still_second = await _submit(api, machine, 10, player_slot=2)

    assert [check_in.player_slot for check_in in reply.check_ins] == [1]
    assert reply.check_ins[0].HasField("end_time")
    assert after_first.score.player.user_id == ""
    assert still_second.score.player.user_id == second.user_id


async def test_end_check_ins_rejects_bad_slot(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _check_in(api, machine, player, slot=1)

    error = await rpc_error(
        api.checkins.EndCheckIns(checkin_pb2.EndCheckInsRequest(player_slot=7), metadata=machine.metadata)
    )

    assert_invalid(error, "player_slot")
    open_rows = await (await db.execute("SELECT count(*) FROM check_ins WHERE end_time IS NULL")).fetchone()
    assert open_rows[0] == 1


async def test_check_in_expires(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, check_in_seconds=0.3)
    async with conftest.serving(database_url, settings) as api:
        _, _, machine = await owner_with_machine(api)
        player = await sign_up(api)
        await _check_in(api, machine, player, slot=1)
        during = await _submit(api, machine, 10, player_slot=1)
        await asyncio.sleep(0.5)

        after = await _submit(api, machine, 10, player_slot=1)

    assert during.score.player.user_id == player.user_id
    assert after.score.player.user_id == ""


async def test_check_ins_kept_for_attendance(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _check_in(api, machine, player, slot=1)
    await api.checkins.EndCheckIns(checkin_pb2.EndCheckInsRequest(), metadata=machine.metadata)

    rows = await (await db.execute("SELECT user_id::text, end_reason FROM check_ins")).fetchall()
    versions = await (await db.execute("SELECT end_reason FROM check_ins_history ORDER BY history_id")).fetchall()

    assert rows == [(player.user_id, "ended")]
    assert versions == [(None,), ("ended",)]


def _best_board(**fields) -> score_pb2.ListTopScoresRequest:
    return score_pb2.ListTopScoresRequest(game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_GLOBAL, **fields)


async def test_claim_score_moves_board_entry(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "cai")
    await _submit(api, machine, 300, user_id=player.user_id)
    initials = await _submit(api, machine, 800, initials="CAI")
    lower = await _submit(api, machine, 100, initials="CAI")

    claimed = await api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=initials.score.id),
                                            metadata=player.metadata)
    await api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=lower.score.id), metadata=player.metadata)
    board = await api.scores.ListTopScores(_best_board())

    assert claimed.score.player.user_id == player.user_id
    assert claimed.score.player.initials == "CAI"
    assert claimed.score.player.display_name == "cai"
    # One entry for the player, with the best of the three scores.
    assert [(entry.score.value, entry.score.player.user_id) for entry in board.entries] == [(800, player.user_id)]
    keys = await (await db.execute("SELECT DISTINCT player_key FROM board_bests")).fetchall()
    assert keys == [(f"user:{player.user_id}",)]


@pytest.mark.parametrize("score_id", ["", "abc", "99999999999999999999"])
async def test_claim_score_rejects_bad_id(api, db, score_id):
    player = await sign_up(api)

    error = await rpc_error(api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=score_id),
                                                    metadata=player.metadata))

    assert_invalid(error, "score_id")


async def test_claim_score_preconditions(api):
    owner, arcade, machine = await owner_with_machine(api)
    player, other = await sign_up(api), await sign_up(api)
    own = await _submit(api, machine, 10, user_id=other.user_id)
    old = await _submit(api, machine, 10, initials="OLD",
                        achieve_time=timestamp(datetime.datetime.now(UTC) - datetime.timedelta(days=2)))

    async def reason(score_id):
        error = await rpc_error(api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=score_id),
                                                        metadata=player.metadata))
        return error.code(), error_info(error).reason

    assert await reason(own.score.id) == (grpc.StatusCode.FAILED_PRECONDITION, "SCORE_ALREADY_CLAIMED")
    assert await reason(old.score.id) == (grpc.StatusCode.FAILED_PRECONDITION, "CLAIM_WINDOW_CLOSED")
    assert await reason("123456") == (grpc.StatusCode.NOT_FOUND, "SCORE_NOT_FOUND")
