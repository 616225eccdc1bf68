"""ScoreService unary calls: SubmitScore with retries, ListTopScores and ListUserScores."""

import base64
import datetime
import json
import uuid

import grpc
import pytest
from origin.v1 import common_pb2, score_pb2

from server.domain import paging
from tests.helpers import create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, rpc_error, timestamp

SCORE_TABLES = ("scores", "scores_history", "board_bests", "board_bests_history")
INT64_MAX = 9_223_372_036_854_775_807
UTC = datetime.timezone.utc


def _now() -> datetime.datetime:
    return datetime.datetime.now(UTC).replace(microsecond=0)


def _global_board(**fields) -> score_pb2.ListTopScoresRequest:
    values = {"game": "attack-from-mars", "scope": common_pb2.BOARD_SCOPE_GLOBAL}
    values.update(fields)
    return score_pb2.ListTopScoresRequest(**values)


def _with_position(token: str, position) -> str:
    """Return the token with its position replaced and its query digest kept."""
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["p"] = position
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


async def _submit(api, machine, submission_id=None, value=100, **fields) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=submission_id or uuid.uuid4().hex, value=value, **fields)
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


async def test_submit_score_with_initials(api, db):
    _, arcade, machine = await owner_with_machine(api)
    achieved = _now() - datetime.timedelta(minutes=3)

    reply = await _submit(api, machine, "game-1", 1_250_000, initials="  ABC  ", achieve_time=timestamp(achieved))

    assert not reply.duplicate
    assert reply.score.id
    assert reply.score.machine_id == machine.machine_id
    assert reply.score.arcade_id == arcade.id
    assert reply.score.game_id == "attack-from-mars"
    assert reply.score.submission_id == "game-1"
    assert reply.score.value == 1_250_000
    assert reply.score.player.initials == "ABC"
    assert reply.score.player.display_name == "ABC"
    assert reply.score.player.user_id == ""
    assert reply.score.achieve_time.ToDatetime(tzinfo=UTC) == achieved
    assert (await count_rows(db, "scores"))["scores"] == 1


async def test_submit_score_for_user(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "pinqueen")

    reply = await _submit(api, machine, user_id=player.user_id)

    assert reply.score.player.user_id == player.user_id
    assert reply.score.player.display_name == "pinqueen"
    assert reply.score.player.initials == ""


async def test_submit_score_for_nobody(api):
    _, _, machine = await owner_with_machine(api)
    before = datetime.datetime.now(UTC)

    reply = await _submit(api, machine)

    assert reply.score.player.display_name == "Anonymous"
    assert abs((reply.score.achieve_time.ToDatetime(tzinfo=UTC) - before).total_seconds()) < 5


async def test_submit_score_allows_small_clock_skew(api):
    _, _, machine = await owner_with_machine(api)
    ahead = _now() + datetime.timedelta(minutes=4)

    reply = await _submit(api, machine, achieve_time=timestamp(ahead))

    assert reply.score.achieve_time.ToDatetime(tzinfo=UTC) == ahead


def _bad_time(seconds: int, nanos: int = 0):
    moment = score_pb2.SubmitScoreRequest().achieve_time
    moment.seconds, moment.nanos = seconds, nanos
    return moment


@pytest.mark.parametrize(
    "field, fields",
    [
        ("submission_id", {"submission_id": ""}),
        ("submission_id", {"submission_id": "s" * 65}),
        ("submission_id", {"submission_id": "game\n1"}),
        ("submission_id", {"submission_id": "\x00"}),
        ("value", {"value": -1}),
        ("value", {"value": -(2**63)}),
        ("user_id", {"user_id": ""}),
        ("user_id", {"user_id": "not-a-uuid"}),
        ("user_id", {"user_id": "\x00"}),
        ("initials", {"initials": "A" * 17}),
        ("initials", {"initials": "A\x00B"}),
        ("initials", {"initials": "A\x07B"}),
        ("initials", {"initials": "\x1b[31mRED"}),
        ("initials", {"initials": "AB\n"}),
        ("initials", {"initials": "\tAB"}),
        ("initials", {"initials": "A\u200bB"}),
        ("initials", {"initials": "A\u202eB"}),
        ("achieve_time", {"achieve_time": timestamp(datetime.datetime(2999, 1, 1, tzinfo=UTC))}),
        ("achieve_time", {"achieve_time": timestamp(datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC))}),
        ("achieve_time", {"achieve_time": _bad_time(253402300800)}),
        ("achieve_time", {"achieve_time": _bad_time(0, -1)}),
    ],
    ids=lambda case: repr(case)[:60],
)
async def test_submit_score_rejects_bad_field(api, db, field, fields):
    _, _, machine = await owner_with_machine(api)
    values = {"submission_id": "game-1", "value": 100}
    values.update(fields)
    before = await count_rows(db, *SCORE_TABLES)

    error = await rpc_error(api.scores.SubmitScore(score_pb2.SubmitScoreRequest(**values), metadata=machine.metadata))

    assert_invalid(error, field)
    assert await count_rows(db, *SCORE_TABLES) == before


async def test_submit_score_rejects_future_time(api, db):
    _, _, machine = await owner_with_machine(api)
    # Computed here, not in a parameter list, so the moment is six minutes after the call.
    ahead = timestamp(_now() + datetime.timedelta(minutes=6))
    before = await count_rows(db, *SCORE_TABLES)

    error = await rpc_error(_submit(api, machine, achieve_time=ahead))

    assert_invalid(error, "achieve_time")
    assert await count_rows(db, *SCORE_TABLES) == before


async def test_submit_score_unknown_user(api, db):
    _, _, machine = await owner_with_machine(api)
    before = await count_rows(db, *SCORE_TABLES)

    error = await rpc_error(_submit(api, machine, user_id=str(uuid.uuid4())))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "USER_NOT_FOUND"
    assert await count_rows(db, *SCORE_TABLES) == before


@pytest.mark.parametrize(
    "player",
    [{"initials": "ABC"}, {}, "user"],
    ids=["initials", "nobody", "user"],
)
async def test_submit_score_retry_is_duplicate(api, db, player):
    _, _, machine = await owner_with_machine(api)
    if player == "user":
        player = {"user_id": (await sign_up(api)).user_id}
    achieved = timestamp(_now() - datetime.timedelta(seconds=30))
    first = await _submit(api, machine, "game-1", 4200, achieve_time=achieved, **player)
    after_first = await count_rows(db, *SCORE_TABLES)

    retry = await _submit(api, machine, "game-1", 4200, achieve_time=achieved, **player)

    assert retry.duplicate
    assert retry.score == first.score
    assert await count_rows(db, *SCORE_TABLES) == after_first


async def test_submit_score_retry_without_time(api, db):
    _, _, machine = await owner_with_machine(api)
    first = await _submit(api, machine, "game-1", 4200, initials="ABC")

    retry = await _submit(api, machine, "game-1", 4200, initials="ABC")

    assert retry.duplicate
    assert retry.score == first.score
    assert (await count_rows(db, "scores"))["scores"] == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"value": 4201},
        {"initials": "ABD"},
        {"initials": None},
        {"initials": None, "user_id": "user"},
        {"achieve_time": timestamp(datetime.datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC))},
    ],
    ids=["value", "initials", "no initials", "user instead of initials", "achieve_time"],
)
async def test_submit_score_id_reused(api, db, changed):
    _, _, machine = await owner_with_machine(api)
    original = {"value": 4200, "initials": "ABC", "achieve_time": timestamp(datetime.datetime(2024, 5, 1, 12, tzinfo=UTC))}
    first = await _submit(api, machine, "game-1", **original)
    before = await count_rows(db, *SCORE_TABLES)
    retry = {**original, **changed}
    if retry.get("user_id") == "user":
        retry["user_id"] = (await sign_up(api)).user_id
    retry = {key: value for key, value in retry.items() if value is not None}

    error = await rpc_error(_submit(api, machine, "game-1", **retry))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "SUBMISSION_ID_REUSED"
    assert await count_rows(db, *SCORE_TABLES) == before
    stored = await (await db.execute("SELECT value, initials FROM scores WHERE id = %s", (int(first.score.id),))).fetchone()
    assert stored == (4200, "ABC")


async def test_submission_id_per_machine(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    second_machine = await create_machine(api, owner, arcade.id, "Attack From Mars (1.12)")

    first = await _submit(api, machine, "game-1", 100)
    second = await _submit(api, second_machine, "game-1", 200)

    assert not second.duplicate
    assert first.score.id != second.score.id
    assert (await count_rows(db, "scores"))["scores"] == 2


@pytest.mark.parametrize("value", [0, 2**31, 9_000_000_000, INT64_MAX], ids=str)
async def test_int64_score_round_trips(api, db, value):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)

    submitted = await _submit(api, machine, value=value, user_id=player.user_id)
    top = await api.scores.ListTopScores(_global_board())
    mine = await api.scores.ListUserScores(score_pb2.ListUserScoresRequest(user_id=player.user_id))

    assert submitted.score.value == value
    assert [entry.score.value for entry in top.entries] == [value]
    assert [score.value for score in mine.scores] == [value]
    stored = await (await db.execute("SELECT value FROM scores")).fetchone()
    assert stored[0] == value


async def test_list_top_scores_best_first(api):
    _, _, machine = await owner_with_machine(api)
    for value in (300, 9_000_000_000, 20):
        await _submit(api, machine, value=value)

    reply = await api.scores.ListTopScores(_global_board())

    assert [entry.score.value for entry in reply.entries] == [9_000_000_000, 300, 20]
    assert [entry.rank for entry in reply.entries] == [1, 2, 3]
    assert reply.total_size == 3
    assert reply.next_page_token == ""
    assert not reply.HasField("period_start_time")


@pytest.mark.parametrize(
    "field, fields",
    [
        ("game", {"game": ""}),
        ("game", {"game": "g" * 81}),
        ("game", {"game": "attack\x00from-mars"}),
        ("scope", {"scope": common_pb2.BOARD_SCOPE_UNSPECIFIED}),
        ("scope", {"scope": 99}),
        ("scope", {"scope": -1}),
        ("period", {"period": 99}),
        ("mode", {"mode": 7}),
        ("arcade_id", {"scope": common_pb2.BOARD_SCOPE_ARCADE}),
        ("arcade_id", {"scope": common_pb2.BOARD_SCOPE_ARCADE, "arcade_id": "not-a-uuid"}),
        ("machine_id", {"scope": common_pb2.BOARD_SCOPE_MACHINE}),
        ("machine_id", {"scope": common_pb2.BOARD_SCOPE_MACHINE, "machine_id": "1234"}),
        ("page_size", {"page_size": -1}),
        ("page_size", {"page_size": 101}),
        ("page_token", {"page_token": "not a token"}),
        ("page_token", {"page_token": "e30"}),
        ("period_time", {"period_time": _bad_time(253402300800)}),
        ("read_time", {"read_time": _bad_time(0, 1_000_000_000)}),
    ],
    ids=lambda case: repr(case)[:60],
)
async def test_list_top_scores_rejects_bad_field(api, db, field, fields):
    before = await count_rows(db, *SCORE_TABLES)

    error = await rpc_error(api.scores.ListTopScores(_global_board(**fields)))

    assert_invalid(error, field)
    assert await count_rows(db, *SCORE_TABLES) == before


@pytest.mark.parametrize("scope", ["arcade", "machine", "machine of another game"])
async def test_list_top_scores_unknown_place(api, scope):
    _, arcade, machine = await owner_with_machine(api)
    requests = {
        "arcade": _global_board(scope=common_pb2.BOARD_SCOPE_ARCADE, arcade_id=str(uuid.uuid4())),
        "machine": _global_board(scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=str(uuid.uuid4())),
        "machine of another game": _global_board(
            game="medieval-madness", scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id
        ),
    }
    reasons = {"arcade": "ARCADE_NOT_FOUND", "machine": "MACHINE_NOT_FOUND", "machine of another game": "MACHINE_NOT_FOUND"}

    error = await rpc_error(api.scores.ListTopScores(requests[scope]))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == reasons[scope]


async def _board_token(api, machine, **board) -> str:
    for value in (30, 20, 10):
        await _submit(api, machine, value=value)
    reply = await api.scores.ListTopScores(_global_board(page_size=1, **board))
    assert reply.next_page_token
    return reply.next_page_token


@pytest.mark.parametrize(
    "other_board",
    [
        {"scope": common_pb2.BOARD_SCOPE_ARCADE, "arcade_id": "arcade"},
        {"period": common_pb2.BOARD_PERIOD_DAY},
        {"mode": common_pb2.BOARD_MODE_EVERY_ENTRY},
    ],
    ids=["scope", "period", "mode"],
)
async def test_list_top_scores_rejects_other_boards_token(api, other_board):
    _, arcade, machine = await owner_with_machine(api)
    token = await _board_token(api, machine)
    if other_board.get("arcade_id") == "arcade":
        other_board = {**other_board, "arcade_id": arcade.id}

    error = await rpc_error(api.scores.ListTopScores(_global_board(page_size=1, page_token=token, **other_board)))

    assert_invalid(error, "page_token")


@pytest.mark.parametrize(
    "position",
    [["30", "2024-01-01T00:00:00+00:00", 1], [30, "yesterday", 1], [30], [2**64, "2024-01-01T00:00:00+00:00", 1]],
    ids=repr,
)
async def test_list_top_scores_rejects_forged_token(api, position):
    _, _, machine = await owner_with_machine(api)
    token = _with_position(await _board_token(api, machine), position)

    error = await rpc_error(api.scores.ListTopScores(_global_board(page_size=1, page_token=token)))

    assert_invalid(error, "page_token")


async def test_list_user_scores_newest_first(api):
    owner, arcade, machine = await owner_with_machine(api)
    other_machine = await create_machine(api, owner, arcade.id, "Medieval Madness")
    player, bystander = await sign_up(api), await sign_up(api)
    start = _now() - datetime.timedelta(hours=1)
    # Two scores share a moment, so pages must also break ties.
    minutes = [0, 10, 10, 20, 30]
    for n, minute in enumerate(minutes):
        source = machine if n % 2 else other_machine
        moment = timestamp(start + datetime.timedelta(minutes=minute))
        await _submit(api, source, f"game-{n}", value=n, user_id=player.user_id, achieve_time=moment)
    await _submit(api, machine, "bystander", value=99, user_id=bystander.user_id)

    seen, token = [], ""
    for _ in range(10):
        reply = await api.scores.ListUserScores(
            score_pb2.ListUserScoresRequest(user_id=player.user_id, page_size=2, page_token=token)
        )
        seen.extend(reply.scores)
        token = reply.next_page_token
        if not token:
            break

    times = [score.achieve_time.ToDatetime() for score in seen]
    assert sorted(score.value for score in seen) == [0, 1, 2, 3, 4]
    assert times == sorted(times, reverse=True)
    assert {score.player.user_id for score in seen} == {player.user_id}


async def test_list_user_scores_unknown_user(api):
    reply = await api.scores.ListUserScores(score_pb2.ListUserScoresRequest(user_id=str(uuid.uuid4())))

    assert list(reply.scores) == []
    assert reply.next_page_token == ""


@pytest.mark.parametrize(
    "field, value",
    [
        ("user_id", ""),
        ("user_id", "not-a-uuid"),
        ("page_size", -5),
        ("page_size", 101),
        ("page_token", "not a token"),
        ("page_token", "W10"),
    ],
    ids=repr,
)
async def test_list_user_scores_rejects_bad_field(api, db, field, value):
    player = await sign_up(api)
    request = score_pb2.ListUserScoresRequest(user_id=player.user_id)
    setattr(request, field, value)
    before = await count_rows(db, *SCORE_TABLES)

    error = await rpc_error(api.scores.ListUserScores(request))

    assert_invalid(error, field)
    assert await count_rows(db, *SCORE_TABLES) == before


async def test_list_user_scores_rejects_other_users_token(api):
    _, _, machine = await owner_with_machine(api)
    player, other = await sign_up(api), await sign_up(api)
    for _ in range(2):
        await _submit(api, machine, user_id=player.user_id)
    first_page = await api.scores.ListUserScores(score_pb2.ListUserScoresRequest(user_id=player.user_id, page_size=1))

    error = await rpc_error(
        api.scores.ListUserScores(
            score_pb2.ListUserScoresRequest(user_id=other.user_id, page_size=1, page_token=first_page.next_page_token)
        )
    )

    assert_invalid(error, "page_token")


@pytest.mark.parametrize(
    "position", [["yesterday", 1], ["2024-01-01T00:00:00+00:00"], ["2024-01-01T00:00:00+00:00", 2**63]], ids=repr
)
async def test_list_user_scores_rejects_forged_token(api, position):
    player = await sign_up(api)
    # The digest matches the query, so only the position can give the forgery away.
    token = paging.encode(["user-scores", player.user_id], position)

    error = await rpc_error(api.scores.ListUserScores(score_pb2.ListUserScoresRequest(user_id=player.user_id, page_token=token)))

    assert_invalid(error, "page_token")
