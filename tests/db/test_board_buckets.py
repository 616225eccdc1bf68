"""board_buckets: the per-board histograms behind ranks and board sizes stay
equal to counting the boards, through submits, improvements, voids, approvals
and claims, and ranks read from them match competition ranking."""

import uuid

from origin.v1 import checkin_pb2, common_pb2, moderation_pb2, score_pb2

from server.db.boards import bucket_of, bucket_params
from tests.helpers import owner_with_machine, sign_up

EDGE_VALUES = [0, 1, 255, 511, 512, 513, 1023, 1024, 2**31 - 1, 2**31, 34_567_890_120, 2**62, 2**63 - 1]


async def _submit(api, machine, value, **fields) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=value, **fields)
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


async def _void(api, owner, score_id):
    request = moderation_pb2.VoidScoreRequest(score_id=score_id, reason="tilted the machine")
    await api.moderation.VoidScore(request, metadata=owner.metadata)


async def _bucket_rows(db) -> set[tuple]:
    cursor = await db.execute(
        "SELECT board, period_start, level, bucket, entries FROM board_buckets WHERE entries > 0"
    )
    return set(await cursor.fetchall())


async def _rebuilt_rows(db) -> set[tuple]:
    """Recount every board from scratch inside a transaction that rolls back."""
    async with db.transaction(force_rollback=True):
        await db.execute("SELECT board_buckets_rebuild_v1()")
        return await _bucket_rows(db)


async def _octave_totals(db) -> dict[tuple, int]:
    cursor = await db.execute(
        "SELECT board, period_start, sum(entries)::bigint FROM board_buckets WHERE level = 0 GROUP BY 1, 2"
    )
    return {(board, start): total for board, start, total in await cursor.fetchall()}


async def _counted_totals(db) -> dict[tuple, int]:
    """Count(*) of every board: board_bests rows, and accepted scores per every-entry board."""
    cursor = await db.execute(
        """
        SELECT board, period_start, count(*) FROM board_bests GROUP BY 1, 2
        UNION ALL
        SELECT e.board, e.period_start, count(*)
        FROM scores s CROSS JOIN LATERAL score_entry_boards_v1(s) e
        WHERE s.status = 'accepted' GROUP BY 1, 2
        """
    )
    return {(board, start): total for board, start, total in await cursor.fetchall()}


async def test_bucket_numbers_match_sql(db):
    cursor = await db.execute("SELECT v, board_bucket_v1(v) FROM unnest(%s::bigint[]) v", (EDGE_VALUES,))
    from_sql = dict(await cursor.fetchall())
    for value in EDGE_VALUES:
        assert bucket_of(value) == from_sql[value], value


def test_bucket_bounds_hold_the_value():
    for value in EDGE_VALUES:
        last = bucket_params(value)["bucket_last"]
        assert value <= last <= 2**63 - 1, value
        assert bucket_of(last) == bucket_of(value), value
        if last < 2**63 - 1:
            assert bucket_of(last + 1) == bucket_of(value) + 1 or bucket_of(last + 1) // 512 > bucket_of(value) // 512


def test_buckets_ascend_with_value():
    buckets = [bucket_of(value) for value in EDGE_VALUES]
    assert buckets == sorted(buckets)
    assert bucket_of(1000) == bucket_of(1001)  # one fine bucket spans 2 values at 10 bits


async def test_buckets_equal_counts_after_changes(api, db):
    owner, _, machine = await owner_with_machine(api)
    ann, bob = await sign_up(api), await sign_up(api)
    ann_best = await _submit(api, machine, 900, user_id=ann.user_id)
    await _submit(api, machine, 500, user_id=ann.user_id)
    await _submit(api, machine, 1200, user_id=bob.user_id)
    await _submit(api, machine, 70_000, user_id=bob.user_id)  # an improvement into another octave
    initials = await _submit(api, machine, 700, initials="ZZZ")
    await _submit(api, machine, 700, initials="YYY")
    await _submit(api, machine, 0, initials="NUL")

    await _void(api, owner, ann_best.score.id)  # ann falls back to 500
    await _void(api, owner, initials.score.id)
    await api.checkins.ClaimScore(checkin_pb2.ClaimScoreRequest(score_id=(await _submit(
        api, machine, 650, initials="ANN")).score.id), metadata=ann.metadata)  # ann's best becomes 650

    totals = await _octave_totals(db)
    assert totals == await _counted_totals(db)
    assert await _bucket_rows(db) == await _rebuilt_rows(db)
    global_all = f"global:{machine.game_id}:all"
    assert [total for (board, _), total in totals.items() if board == global_all] == [4]  # bob, ann, YYY, NUL
    assert [total for (board, _), total in totals.items() if board == "entry:" + global_all] == [6]


async def test_held_then_approved_is_counted(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    await api.moderation.SetScoreRange(
        moderation_pb2.SetScoreRangeRequest(arcade_id=arcade.id, game=machine.game_id, min_value=0, max_value=1000),
        metadata=owner.metadata,
    )
    held = await _submit(api, machine, 5000, initials="BIG")
    assert await _octave_totals(db) == {}

    await api.moderation.ApproveScore(moderation_pb2.ApproveScoreRequest(score_id=held.score.id),
                                      metadata=owner.metadata)
    assert await _octave_totals(db) == await _counted_totals(db)
    assert await _bucket_rows(db) == await _rebuilt_rows(db)


async def test_ranks_across_buckets(api):
    _, _, machine = await owner_with_machine(api)
    # 1000 and 1001 share a fine bucket; 34,567,890,120 and 2**40 sit octaves apart.
    values = [1001, 1000, 1001, 34_567_890_120, 2**40, 0, 0, 511, 512]
    ids = {}
    for value in values:
        reply = await _submit(api, machine, value, initials="ABC")
        ids.setdefault(value, []).append(reply.score.id)
    ordered = sorted(values, reverse=True)
    expected = {value: ordered.index(value) + 1 for value in values}

    for value, score_ids in ids.items():
        for score_id in score_ids:
            reply = await api.scores.ListScoresAroundPlayer(score_pb2.ListScoresAroundPlayerRequest(
                game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id,
                mode=common_pb2.BOARD_MODE_EVERY_ENTRY, score_id=score_id, page_size=3))
            assert reply.rank == expected[value], value
            assert reply.total_size == len(values)

    first = await api.scores.ListTopScores(score_pb2.ListTopScoresRequest(
        game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id,
        mode=common_pb2.BOARD_MODE_EVERY_ENTRY, page_size=3))
    second = await api.scores.ListTopScores(score_pb2.ListTopScoresRequest(
        game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id,
        mode=common_pb2.BOARD_MODE_EVERY_ENTRY, page_size=3, page_token=first.next_page_token))
    assert [entry.rank for entry in first.entries] == [1, 2, 3]
    assert [entry.score.value for entry in second.entries] == [1001, 1000, 512]
    assert [entry.rank for entry in second.entries] == [3, 5, 6]
    assert second.total_size == len(values)
