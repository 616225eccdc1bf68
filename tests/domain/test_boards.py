"""Boards through the real API: scopes, periods, modes, ranks and paging."""

import asyncio
import datetime
import zoneinfo

from google.protobuf import timestamp_pb2
from origin.v1 import common_pb2, score_pb2

from tests.helpers import create_arcade, create_machine, owner_with_machine, sign_up

ENTRY = common_pb2.BOARD_MODE_EVERY_ENTRY
BEST = common_pb2.BOARD_MODE_BEST_PER_PLAYER


def _ts(value: datetime.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


async def _submit(api, machine, submission_id, value, *, user_id=None, initials=None, at=None):
    request = score_pb2.SubmitScoreRequest(submission_id=submission_id, value=value)
    if user_id:
        request.user_id = user_id
    if initials is not None:
        request.initials = initials
    if at is not None:
        request.achieve_time.CopyFrom(_ts(at))
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


async def _board(api, machine, *, scope=common_pb2.BOARD_SCOPE_MACHINE, mode=ENTRY, period=0, size=10, token="",
                 at=None):
    request = score_pb2.ListTopScoresRequest(
        game=machine.game_id,
        scope=scope,
        machine_id=machine.machine_id if scope == common_pb2.BOARD_SCOPE_MACHINE else "",
        arcade_id=machine.arcade_id if scope == common_pb2.BOARD_SCOPE_ARCADE else "",
        mode=mode,
        period=period,
        page_size=size,
        page_token=token,
    )
    if at is not None:
        request.period_time.CopyFrom(_ts(at))
    return await api.scores.ListTopScores(request)


async def test_competition_ranks(api):
    _, _, machine = await owner_with_machine(api)
    for number, value in enumerate([100, 99, 101, 100]):
        await _submit(api, machine, f"s{number}", value, initials="ABC")
    board = await _board(api, machine)
    assert [e.score.value for e in board.entries] == [101, 100, 100, 99]
    assert [e.rank for e in board.entries] == [1, 2, 2, 4]
    # Among equal scores the earlier achievement comes first.
    assert [e.score.submission_id for e in board.entries][1:3] == ["s0", "s3"]


async def test_zero_scores_are_ranked(api):
    _, _, machine = await owner_with_machine(api)
    await _submit(api, machine, "a", 0)
    await _submit(api, machine, "b", 0)
    board = await _board(api, machine)
    assert [e.rank for e in board.entries] == [1, 1]
    assert board.total_size == 2


async def test_ties_paged_two_at_a_time(api):
    _, _, machine = await owner_with_machine(api)
    for name in ("a", "b", "c"):
        await _submit(api, machine, name, 500)
    first = await _board(api, machine, size=2)
    second = await _board(api, machine, size=2, token=first.next_page_token)
    ids = [e.score.submission_id for e in first.entries] + [e.score.submission_id for e in second.entries]
    assert sorted(ids) == ["a", "b", "c"]
    assert len(ids) == 3
    assert second.next_page_token == ""
    assert [e.rank for e in [*first.entries, *second.entries]] == [1, 1, 1]


async def test_ranks_continue_across_pages(api):
    _, _, machine = await owner_with_machine(api)
    for number, value in enumerate([50, 40, 40, 40, 30, 20]):
        await _submit(api, machine, f"s{number}", value)
    ranks, token = [], ""
    while True:
        page = await _board(api, machine, size=2, token=token)
        ranks += [e.rank for e in page.entries]
        token = page.next_page_token
        if not token:
            break
    assert ranks == [1, 2, 2, 2, 5, 6]


async def test_best_per_player_keeps_best_only(api):
    owner, arcade, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _submit(api, machine, "p1", 300, user_id=player.user_id)
    await _submit(api, machine, "p2", 700, user_id=player.user_id)
    await _submit(api, machine, "p3", 500, user_id=player.user_id)
    await _submit(api, machine, "i1", 600, initials="ZED")
    best = await _board(api, machine, mode=BEST)
    assert [(e.score.value, e.score.player.user_id) for e in best.entries] == [(700, player.user_id), (600, "")]
    every = await _board(api, machine, mode=ENTRY)
    assert [e.score.value for e in every.entries] == [700, 600, 500, 300]


async def test_scopes_and_revisions_share_game(api):
    owner, arcade, first = await owner_with_machine(api)
    second = await create_machine(api, owner, arcade.id, title="Attack From Mars (1.13)")
    other_owner = await sign_up(api)
    other_arcade = await create_arcade(api, other_owner, name="Elsewhere")
    elsewhere = await create_machine(api, other_owner, other_arcade.id, title="Attack from Mars (1.13b / S1.1)")
    assert first.game_id == second.game_id == elsewhere.game_id == "attack-from-mars"

    await _submit(api, first, "a", 10)
    await _submit(api, second, "b", 20)
    await _submit(api, elsewhere, "c", 30)
    machine_board = await _board(api, first, scope=common_pb2.BOARD_SCOPE_MACHINE)
    arcade_board = await _board(api, first, scope=common_pb2.BOARD_SCOPE_ARCADE)
    global_board = await _board(api, first, scope=common_pb2.BOARD_SCOPE_GLOBAL)
    assert [e.score.value for e in machine_board.entries] == [10]
    assert [e.score.value for e in arcade_board.entries] == [20, 10]
    assert [e.score.value for e in global_board.entries] == [30, 20, 10]


async def test_local_day_on_dst_change(api):
    _, _, machine = await owner_with_machine(api, time_zone="Europe/Berlin")
    # 23:30 in Berlin on 2025-10-26 (clocks went back that night) is 22:30 UTC.
    late = datetime.datetime(2025, 10, 26, 22, 30, tzinfo=datetime.timezone.utc)
    await _submit(api, machine, "late", 42, at=late)
    day = await _board(api, machine, period=common_pb2.BOARD_PERIOD_DAY, at=late)
    assert [e.score.value for e in day.entries] == [42]
    assert day.period_start_time.ToDatetime() == datetime.datetime(2025, 10, 25, 22, 0)
    assert day.period_end_time.ToDatetime() == datetime.datetime(2025, 10, 26, 23, 0)
    # In UTC that moment is still 26 October too, but the next UTC day must not hold it.
    next_day = await _board(api, machine, period=common_pb2.BOARD_PERIOD_DAY,
                            at=late + datetime.timedelta(hours=2))
    assert list(next_day.entries) == []


async def test_past_periods_stay_queryable(api):
    _, _, machine = await owner_with_machine(api, time_zone="UTC")
    march = datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.timezone.utc)
    april = datetime.datetime(2026, 4, 2, 12, tzinfo=datetime.timezone.utc)
    await _submit(api, machine, "m", 1000, at=march)
    await _submit(api, machine, "a", 2000, at=april)
    in_march = await _board(api, machine, period=common_pb2.BOARD_PERIOD_MONTH, at=march)
    in_april = await _board(api, machine, period=common_pb2.BOARD_PERIOD_MONTH, at=april)
    all_time = await _board(api, machine)
    assert [e.score.value for e in in_march.entries] == [1000]
    assert [e.score.value for e in in_april.entries] == [2000]
    assert all_time.total_size == 2
    assert not all_time.HasField("period_start_time")
    assert not all_time.HasField("period_end_time")


async def test_large_scores_round_trip(api):
    _, _, machine = await owner_with_machine(api)
    values = [2_147_483_648, 34_567_890_120, 9_000_000_000]
    for number, value in enumerate(values):
        await _submit(api, machine, f"big{number}", value)
    board = await _board(api, machine)
    assert [e.score.value for e in board.entries] == sorted(values, reverse=True)


async def test_names_show_current_screen_name(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "oldname")
    await _submit(api, machine, "n", 5, user_id=player.user_id)
    await _submit(api, machine, "anon", 4, initials="   ")
    await db.execute("UPDATE users SET screen_name = 'newname', screen_name_key = 'newname' WHERE id = %s",
                     (player.user_id,))
    board = await _board(api, machine)
    assert [e.score.player.display_name for e in board.entries] == ["newname", "Anonymous"]


async def test_ties_paged_backwards(api):
    _, _, machine = await owner_with_machine(api)
    for name in ("a", "b", "c", "d"):
        await _submit(api, machine, name, 500 if name != "d" else 100)
    first = await _board(api, machine, size=2)
    second = await _board(api, machine, size=2, token=first.next_page_token)
    assert first.previous_page_token == ""
    back = await _board(api, machine, size=2, token=second.previous_page_token)
    assert [e.score.submission_id for e in back.entries] == [e.score.submission_id for e in first.entries]
    assert [e.rank for e in back.entries] == [1, 1]
    assert [e.rank for e in second.entries] == [1, 4]
    assert back.previous_page_token == ""


async def test_around_player_clips_at_ends(api):
    _, _, machine = await owner_with_machine(api)
    for value in range(10, 0, -1):
        await _submit(api, machine, f"s{value}", value * 100)
    board = await _board(api, machine, size=10)
    second_id = board.entries[1].score.id
    last_id = board.entries[9].score.id

    near_top = await api.scores.ListScoresAroundPlayer(
        score_pb2.ListScoresAroundPlayerRequest(
            game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id,
            mode=ENTRY, score_id=second_id, page_size=4,
        )
    )
    assert near_top.rank == 2
    assert [e.rank for e in near_top.entries] == [1, 2, 3, 4]
    assert near_top.total_size == 10

    at_bottom = await api.scores.ListScoresAroundPlayer(
        score_pb2.ListScoresAroundPlayerRequest(
            game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id,
            mode=ENTRY, score_id=last_id, page_size=4,
        )
    )
    assert at_bottom.rank == 10
    assert [e.rank for e in at_bottom.entries] == [7, 8, 9, 10]


async def test_around_player_by_user(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    for number, value in enumerate([900, 800, 700, 600, 500]):
        await _submit(api, machine, f"o{number}", value)
    await _submit(api, machine, "mine", 650, user_id=player.user_id)
    around = await api.scores.ListScoresAroundPlayer(
        score_pb2.ListScoresAroundPlayerRequest(
            game=machine.game_id, scope=common_pb2.BOARD_SCOPE_GLOBAL, user_id=player.user_id, page_size=3,
        )
    )
    assert around.rank == 4
    assert [e.score.value for e in around.entries] == [700, 650, 600]


async def test_read_board_as_of_earlier_moment(api):
    _, _, machine = await owner_with_machine(api)
    await _submit(api, machine, "early", 100)
    await asyncio.sleep(0.05)
    between = datetime.datetime.now(datetime.timezone.utc)
    await asyncio.sleep(0.05)
    await _submit(api, machine, "late", 200)
    for mode in (ENTRY, BEST):
        request = score_pb2.ListTopScoresRequest(
            game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id, mode=mode
        )
        request.read_time.CopyFrom(_ts(between))
        then = await api.scores.ListTopScores(request)
        assert [e.score.value for e in then.entries] == [100], mode
        assert then.total_size == 1


async def test_year_board_and_reset_times(api):
    _, _, machine = await owner_with_machine(api, time_zone="Europe/Berlin")
    new_year = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.timezone.utc)  # 00:30 local, 2026
    await _submit(api, machine, "ny", 77, at=new_year)
    year = await _board(api, machine, period=common_pb2.BOARD_PERIOD_YEAR, at=new_year)
    assert [e.score.value for e in year.entries] == [77]
    assert year.period_start_time.ToDatetime() == datetime.datetime(2025, 12, 31, 23, 0)
    assert year.next_reset_time.ToDatetime() > datetime.datetime.now()
    week = await _board(api, machine, period=common_pb2.BOARD_PERIOD_WEEK,
                        at=datetime.datetime(2024, 12, 31, 12, tzinfo=datetime.timezone.utc))
    local_start = week.period_start_time.ToDatetime(tzinfo=datetime.timezone.utc).astimezone(
        zoneinfo.ZoneInfo("Europe/Berlin")
    )
    assert local_start.isocalendar()[:2] == (2025, 1)
    assert (local_start.hour, local_start.minute) == (0, 0)


async def test_watched_board_read_from_snapshot(api, db):
    _, _, machine = await owner_with_machine(api)
    await _submit(api, machine, "s", 10)
    watch = api.scores.WatchBoard(
        score_pb2.WatchBoardRequest(game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE,
                                    machine_id=machine.machine_id, mode=ENTRY, page_size=10)
    )
    await asyncio.wait_for(watch.read(), 5)
    # A change behind the server's back is not seen while the snapshot is
    # current, which shows the read did not go to the database.
    await db.execute("ALTER TABLE scores DISABLE TRIGGER scores_history_tg")
    await db.execute("UPDATE scores SET value = 11")
    cached = await _board(api, machine, size=10)
    direct = await _board(api, machine, size=10, at=datetime.datetime.now(datetime.timezone.utc))
    watch.cancel()
    assert [e.score.value for e in cached.entries] == [10]
    assert [e.score.value for e in direct.entries] == [11]


async def test_watch_events(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api)
    await _submit(api, machine, "first", 100, initials="AAA")
    watch = api.scores.WatchBoard(
        score_pb2.WatchBoardRequest(game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE,
                                    machine_id=machine.machine_id, page_size=5)
    )
    initial = await asyncio.wait_for(watch.read(), 5)
    assert list(initial.events) == []

    await _submit(api, machine, "p1", 150, user_id=player.user_id)
    update = await asyncio.wait_for(watch.read(), 5)
    kinds = sorted(common_pb2.BoardEvent.Kind.Name(e.kind) for e in update.events)
    assert kinds == ["KIND_ENTERED_TOP", "KIND_NEW_LEADER"]

    await _submit(api, machine, "p2", 180, user_id=player.user_id)
    update = await asyncio.wait_for(watch.read(), 5)
    assert [common_pb2.BoardEvent.Kind.Name(e.kind) for e in update.events] == ["KIND_PERSONAL_BEST"]
    assert update.events[0].previous_rank == 1
    assert update.events[0].entry.score.value == 180
    watch.cancel()
