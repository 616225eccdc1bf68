"""ModerationService: voids with board repair, plausible ranges, held scores, claim windows."""

import asyncio
import datetime
import uuid

import grpc
import pytest
from google.protobuf import duration_pb2
from origin.v1 import checkin_pb2, common_pb2, moderation_pb2, score_pb2

from tests.helpers import create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, database_now, rpc_error, timestamp

BOARD_TABLES = ("scores", "scores_history", "board_bests", "board_bests_history")


async def _submit(api, machine, value, **fields) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=value, **fields)
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


async def _void(api, caller, score_id, reason="tilted the machine") -> moderation_pb2.VoidScoreResponse:
    request = moderation_pb2.VoidScoreRequest(score_id=score_id, reason=reason)
    return await api.moderation.VoidScore(request, metadata=caller.metadata)


async def _set_range(api, owner, arcade_id, low, high, game="attack-from-mars"):
    request = moderation_pb2.SetScoreRangeRequest(arcade_id=arcade_id, game=game, min_value=low, max_value=high)
    return await api.moderation.SetScoreRange(request, metadata=owner.metadata)


def _board(mode=common_pb2.BOARD_MODE_BEST_PER_PLAYER, **fields) -> score_pb2.ListTopScoresRequest:
    return score_pb2.ListTopScoresRequest(
        game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_GLOBAL, mode=mode, **fields
    )


def _values(reply) -> list[int]:
    return [entry.score.value for entry in reply.entries]


async def test_void_falls_back_to_next_best(api, db):
    owner, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    best = await _submit(api, machine, 900, user_id=player.user_id)
    await _submit(api, machine, 500, user_id=player.user_id)
    await _submit(api, machine, 700, initials="ZZZ")
    before_void = await database_now(db)

    reply = await _void(api, owner, best.score.id)
    best_board = await api.scores.ListTopScores(_board())
    every_entry = await api.scores.ListTopScores(_board(common_pb2.BOARD_MODE_EVERY_ENTRY))
    as_of = await api.scores.ListTopScores(_board(common_pb2.BOARD_MODE_EVERY_ENTRY, read_time=timestamp(before_void)))

    assert reply.score.status == common_pb2.SCORE_STATUS_VOIDED
    assert _values(best_board) == [700, 500]
    assert best_board.total_size == 2
    assert _values(every_entry) == [700, 500]
    assert _values(as_of) == [900, 700, 500]
    machine_board = await api.scores.ListTopScores(
        score_pb2.ListTopScoresRequest(game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_MACHINE,
                                       machine_id=machine.machine_id, period=common_pb2.BOARD_PERIOD_DAY)
    )
    assert _values(machine_board) == [700, 500]


async def test_void_keeps_who_and_why_in_history(api, db):
    owner, _, machine = await owner_with_machine(api)
    score = await _submit(api, machine, 900, initials="AAA")

    await _void(api, owner, score.score.id, "  sensor fault  ")

    rows = await (await db.execute(
        "SELECT status, moderator_id::text, moderation_reason FROM scores_history WHERE id = %s ORDER BY history_id",
        (int(score.score.id),),
    )).fetchall()
    assert rows == [("accepted", None, None), ("voided", owner.user_id, "sensor fault")]
    assert (await count_rows(db, "board_bests"))["board_bests"] == 0


async def test_void_of_only_score_empties_player_entry(api):
    owner, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    score = await _submit(api, machine, 900, user_id=player.user_id)

    await _void(api, owner, score.score.id)
    error = await rpc_error(api.scores.ListScoresAroundPlayer(score_pb2.ListScoresAroundPlayerRequest(
        game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_GLOBAL, user_id=player.user_id)))

    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_watcher_sees_void(api):
    owner, _, machine = await owner_with_machine(api)
    score = await _submit(api, machine, 900, initials="AAA")
    await _submit(api, machine, 400, initials="BBB")
    watch = api.scores.WatchBoard(score_pb2.WatchBoardRequest(game="attack-from-mars",
                                                              scope=common_pb2.BOARD_SCOPE_GLOBAL))
    first = await asyncio.wait_for(watch.read(), 10)

    await _void(api, owner, score.score.id)
    second = await asyncio.wait_for(watch.read(), 10)
    watch.cancel()

    assert [entry.score.value for entry in first.snapshot.entries] == [900, 400]
    assert [entry.score.value for entry in second.snapshot.entries] == [400]


async def test_void_authorization(api, db):
    owner, _, machine = await owner_with_machine(api)
    other_owner, _, _ = await owner_with_machine(api, name="Other Hall")
    player = await sign_up(api)
    score = await _submit(api, machine, 900, user_id=player.user_id)

    by_player = await rpc_error(_void(api, player, score.score.id))
    by_other = await rpc_error(_void(api, other_owner, score.score.id))
    by_device = await rpc_error(_void(api, machine, score.score.id))

    assert by_player.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(by_player).reason == "NOT_ARCADE_OWNER"
    assert by_other.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(by_other).reason == "NOT_ARCADE_OWNER"
    assert by_device.code() == grpc.StatusCode.PERMISSION_DENIED
    status = await (await db.execute("SELECT status FROM scores")).fetchone()
    assert status == ("accepted",)


@pytest.mark.parametrize(
    "score_id, reason, field",
    [("", "cheat", "score_id"), ("abc", "cheat", "score_id"), ("1", "", "reason"), ("1", "   ", "reason"),
     ("1", "x" * 501, "reason"), ("1", "bad\x07", "reason")],
)
async def test_void_rejects_bad_input(api, db, score_id, reason, field):
    owner, _, machine = await owner_with_machine(api)
    await _submit(api, machine, 900, initials="AAA")
    before = await count_rows(db, *BOARD_TABLES)

    error = await rpc_error(_void(api, owner, score_id, reason))

    assert_invalid(error, field)
    assert await count_rows(db, *BOARD_TABLES) == before


async def test_void_twice_and_unknown(api):
    owner, _, machine = await owner_with_machine(api)
    score = await _submit(api, machine, 900, initials="AAA")
    await _void(api, owner, score.score.id)

    again = await rpc_error(_void(api, owner, score.score.id))
    missing = await rpc_error(_void(api, owner, "987654"))

    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(again).reason == "SCORE_VOIDED"
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(missing).reason == "SCORE_NOT_FOUND"


async def test_voided_score_cannot_be_claimed(api):
    owner, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    score = await _submit(api, machine, 900, initials="AAA")
    await _void(api, owner, score.score.id)

    error = await rpc_error(api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=score.score.id),
                                                    metadata=player.metadata))

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "SCORE_VOIDED"


async def test_score_outside_range_is_held(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    await _set_range(api, owner, arcade.id, 1_000, 5_000_000_000)

    held = await _submit(api, machine, 9_000_000_000, initials="HAX")
    low = await _submit(api, machine, 10, initials="LOW")
    fine = await _submit(api, machine, 2_000_000, initials="OK")
    board = await api.scores.ListTopScores(_board(common_pb2.BOARD_MODE_EVERY_ENTRY))
    listed = await api.moderation.ListHeldScores(moderation_pb2.ListHeldScoresRequest(arcade_id=arcade.id),
                                                 metadata=owner.metadata)

    assert held.score.status == common_pb2.SCORE_STATUS_HELD
    assert low.score.status == common_pb2.SCORE_STATUS_HELD
    assert fine.score.status == common_pb2.SCORE_STATUS_ACCEPTED
    assert _values(board) == [2_000_000]
    assert [score.id for score in listed.scores] == [held.score.id, low.score.id]
    assert (await count_rows(db, "board_bests"))["board_bests"] == 15


async def test_held_retry_is_duplicate(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    await _set_range(api, owner, arcade.id, 0, 100)
    request = score_pb2.SubmitScoreRequest(submission_id="big", value=1000, initials="BIG")

    first = await api.scores.SubmitScore(request, metadata=machine.metadata)
    retry = await api.scores.SubmitScore(request, metadata=machine.metadata)

    assert retry.duplicate
    assert retry.score.id == first.score.id
    assert retry.score.status == common_pb2.SCORE_STATUS_HELD
    assert (await count_rows(db, "scores"))["scores"] == 1


async def test_approve_and_reject_held(api):
    owner, arcade, machine = await owner_with_machine(api)
    await _set_range(api, owner, arcade.id, 0, 100)
    keep = await _submit(api, machine, 5000, initials="YES")
    drop = await _submit(api, machine, 7000, initials="NO")

    approved = await api.moderation.ApproveScore(moderation_pb2.ApproveScoreRequest(score_id=keep.score.id),
                                                 metadata=owner.metadata)
    rejected = await _void(api, owner, drop.score.id, "impossible score")
    board = await api.scores.ListTopScores(_board())
    held = await api.moderation.ListHeldScores(moderation_pb2.ListHeldScoresRequest(arcade_id=arcade.id),
                                               metadata=owner.metadata)
    again = await rpc_error(api.moderation.ApproveScore(moderation_pb2.ApproveScoreRequest(score_id=keep.score.id),
                                                        metadata=owner.metadata))

    assert approved.score.status == common_pb2.SCORE_STATUS_ACCEPTED
    assert rejected.score.status == common_pb2.SCORE_STATUS_VOIDED
    assert _values(board) == [5000]
    assert list(held.scores) == []
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(again).reason == "SCORE_NOT_HELD"


async def test_held_list_pages(api):
    owner, arcade, machine = await owner_with_machine(api)
    await _set_range(api, owner, arcade.id, 0, 1)
    ids = [(await _submit(api, machine, 100 + n, initials="P")).score.id for n in range(3)]
    request = moderation_pb2.ListHeldScoresRequest(arcade_id=arcade.id, page_size=2)

    first = await api.moderation.ListHeldScores(request, metadata=owner.metadata)
    request.page_token = first.next_page_token
    second = await api.moderation.ListHeldScores(request, metadata=owner.metadata)

    assert [score.id for score in first.scores] == ids[:2]
    assert [score.id for score in second.scores] == ids[2:]
    assert second.next_page_token == ""


@pytest.mark.parametrize(
    "fields, field",
    [({"game": ""}, "game"), ({"min_value": -1}, "min_value"), ({"min_value": 10, "max_value": 5}, "max_value"),
     ({"arcade_id": "nope"}, "arcade_id")],
)
async def test_set_range_rejects_bad_input(api, db, fields, field):
    owner, arcade, _ = await owner_with_machine(api)
    values = {"arcade_id": arcade.id, "game": "attack-from-mars", "min_value": 0, "max_value": 100, **fields}

    error = await rpc_error(api.moderation.SetScoreRange(moderation_pb2.SetScoreRangeRequest(**values),
                                                         metadata=owner.metadata))

    assert_invalid(error, field)
    assert (await count_rows(db, "score_ranges"))["score_ranges"] == 0


async def test_set_range_checks_owner_and_game(api, db):
    owner, arcade, _ = await owner_with_machine(api)
    other = await sign_up(api)

    unknown_game = await rpc_error(_set_range(api, owner, arcade.id, 0, 10, game="no-such-game"))
    not_owner = await rpc_error(_set_range(api, other, arcade.id, 0, 10))

    assert unknown_game.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(unknown_game).reason == "GAME_NOT_FOUND"
    assert not_owner.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await count_rows(db, "score_ranges"))["score_ranges"] == 0


async def test_claim_window_set_by_owner(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    player = await sign_up(api)
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30)
    score = await _submit(api, machine, 900, initials="OLD", achieve_time=timestamp(old))
    window = duration_pb2.Duration(seconds=48 * 3600)

    reply = await api.moderation.SetClaimWindow(moderation_pb2.SetClaimWindowRequest(arcade_id=arcade.id,
                                                                                     claim_window=window),
                                                metadata=owner.metadata)
    claimed = await api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=score.score.id),
                                            metadata=player.metadata)

    assert reply.claim_window.seconds == 48 * 3600
    assert claimed.score.player.user_id == player.user_id


@pytest.mark.parametrize(
    "window",
    [None, duration_pb2.Duration(seconds=-1), duration_pb2.Duration(seconds=31 * 24 * 3600),
     duration_pb2.Duration(seconds=10, nanos=5)],
)
async def test_claim_window_rejects_bad_input(api, db, window):
    owner, arcade, _ = await owner_with_machine(api)
    request = moderation_pb2.SetClaimWindowRequest(arcade_id=arcade.id)
    if window is not None:
        request.claim_window.CopyFrom(window)

    error = await rpc_error(api.moderation.SetClaimWindow(request, metadata=owner.metadata))

    assert_invalid(error, "claim_window")
    assert (await count_rows(db, "arcade_score_rules"))["arcade_score_rules"] == 0


async def test_other_machines_arcade_scores_stay(api):
    owner, arcade, machine = await owner_with_machine(api)
    second = await create_machine(api, owner, arcade.id)
    player = await sign_up(api)
    voided = await _submit(api, machine, 900, user_id=player.user_id)
    await _submit(api, second, 600, user_id=player.user_id)

    await _void(api, owner, voided.score.id)
    arcade_board = await api.scores.ListTopScores(score_pb2.ListTopScoresRequest(
        game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_ARCADE, arcade_id=arcade.id))
    first_machine = await api.scores.ListTopScores(score_pb2.ListTopScoresRequest(
        game="attack-from-mars", scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id))

    assert _values(arcade_board) == [600]
    assert _values(first_machine) == []
