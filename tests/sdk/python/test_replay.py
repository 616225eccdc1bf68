"""The replay of PinMAME high-score tables, against a real server and database."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import itertools
import json
import pathlib
import time
import unicodedata
import zoneinfo

import pytest
from origin.v1 import common_pb2, score_pb2

from origin_sdk.replay import ReplayError, ReplayOptions, achieve_time, clean_initials, read_tables, replay

PINMAME_TABLES = pathlib.Path(__file__).resolve().parents[3].parent / "shared/data/pinmame/high-scores.jsonl"
TIME_ZONE = "Europe/Berlin"
PAGE_SIZE = 3


@pytest.fixture
def pinmame_tables() -> pathlib.Path:
    if not PINMAME_TABLES.is_file():
        pytest.skip(f"the PinMAME high-score tables are not at {PINMAME_TABLES}")
    return PINMAME_TABLES


def replay_options(api, outbox_dir: pathlib.Path) -> ReplayOptions:
    return ReplayOptions(
        target=api.address,
        email="replay@example.com",
        password="replay-password",
        screen_name="replayer",
        outbox_dir=outbox_dir,
        time_zone=TIME_ZONE,
    )


async def count_scores(db) -> int:
    cursor = await db.execute("SELECT count(*) FROM scores")
    return (await cursor.fetchone())[0]


async def read_board(api, machine) -> tuple[list[common_pb2.BoardEntry], int]:
    """Read a machine's every-entry, all-time board page by page; return the entries and total_size."""
    entries, token = [], ""
    while True:
        page = await api.scores.ListTopScores(
            score_pb2.ListTopScoresRequest(
                game=machine.game_id,
                scope=common_pb2.BOARD_SCOPE_MACHINE,
                machine_id=machine.id,
                mode=common_pb2.BOARD_MODE_EVERY_ENTRY,
                page_size=PAGE_SIZE,
                page_token=token,
            )
        )
        entries.extend(page.entries)
        token = page.next_page_token
        if not token:
            return entries, page.total_size


def score_groups(pairs) -> list[tuple[int, set[str]]]:
    """Group consecutive (score, submission ID) pairs by score, keeping the order of the scores."""
    return [(score, {sid for _, sid in group}) for score, group in itertools.groupby(pairs, key=lambda pair: pair[0])]


def expected_initials(raw: str | None) -> str:
    """The initials the server stores for a table entry: cleaned, NFC-normalised and stripped."""
    cleaned = clean_initials(raw)
    return "" if cleaned is None else unicodedata.normalize("NFC", cleaned).strip()


def board_mismatches(rom, table, board, total_size) -> list[str]:
    """Compare one machine's board with its source table; return a line per difference."""
    problems = []
    if total_size != len(table):
        problems.append(f"{rom}: total_size {total_size}, table has {len(table)}")

    # Board order is by score, best first. Where the table's scores differ the
    # board must follow them; equal scores may appear in either order.
    expected = sorted(table, key=lambda entry: -entry.score)
    board_groups = score_groups((entry.score.value, entry.score.submission_id) for entry in board)
    table_groups = score_groups((entry.score, entry.submission_id) for entry in expected)
    if board_groups != table_groups:
        problems.append(f"{rom}: board {board_groups} != table {table_groups}")

    by_id = {entry.submission_id: entry for entry in table}
    for line in board:
        source = by_id[line.score.submission_id]
        higher = sum(1 for other in table if other.score > source.score)
        if line.rank != higher + 1:
            problems.append(f"{source.submission_id}: rank {line.rank}, expected {higher + 1}")
        if line.score.value != source.score:
            problems.append(f"{source.submission_id}: value {line.score.value}, expected {source.score}")
        problems.extend(player_mismatches(source, line.score.player))
    return problems


def player_mismatches(source, player: common_pb2.Player) -> list[str]:
    initials = expected_initials(source.initials)
    display_name = initials or "Anonymous"
    problems = []
    if player.user_id:
        problems.append(f"{source.submission_id}: user_id {player.user_id!r}, expected none")
    if player.initials != initials:
        problems.append(f"{source.submission_id}: initials {player.initials!r}, expected {initials!r}")
    if player.display_name != display_name:
        problems.append(f"{source.submission_id}: display_name {player.display_name!r}, expected {display_name!r}")
    return problems


def time_mismatches(table, board, replay_start, replay_end) -> list[str]:
    """Check achieve_time: last_played in the arcade's zone, else the time the server received the score."""
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    by_id = {entry.submission_id: entry for entry in table}
    problems = []
    for line in board:
        source = by_id[line.score.submission_id]
        stored = line.score.achieve_time.ToDatetime(tzinfo=datetime.timezone.utc)
        if source.last_played is not None:
            if stored != achieve_time(source.last_played, zone):
                problems.append(f"{source.submission_id}: achieve_time {stored}, last_played {source.last_played}")
        elif not replay_start <= stored <= replay_end:
            problems.append(f"{source.submission_id}: achieve_time {stored} outside the replay")
    return problems


async def test_replay_pinmame_tables(api, db, tmp_path, pinmame_tables):
    tables = await asyncio.to_thread(read_tables, pinmame_tables)
    options = replay_options(api, tmp_path / "outbox")

    replay_start = datetime.datetime.now(datetime.timezone.utc)
    started = time.monotonic()
    summary = await replay(pinmame_tables, options)
    first_seconds = time.monotonic() - started
    replay_end = datetime.datetime.now(datetime.timezone.utc)

    assert len(summary.machines) == 379
    assert summary.sent == 1409
    assert summary.accepted == 1409
    assert summary.duplicates == 0
    assert summary.rejected == 0
    assert await count_scores(db) == 1409
    assert first_seconds < 60

    problems = []
    boards = {}
    for rom, table in tables.items():
        board, total_size = await read_board(api, summary.machines[rom])
        boards[rom] = board
        problems.extend(board_mismatches(rom, table, board, total_size))
        problems.extend(time_mismatches(table, board, replay_start, replay_end))
    assert problems == []

    players = {line.score.submission_id: line.score.player for board in boards.values() for line in board}
    values = {line.score.submission_id: line.score.value for board in boards.values() for line in board}
    assert values["jm_12r:1"] == 9_000_000_000
    assert max(values.values()) == 9_000_000_000
    # Null, empty and all-space initials all show as "Anonymous".
    for submission_id in ("algar_l1:1", "arena:1", "ccruise:1"):
        assert players[submission_id].initials == ""
        assert players[submission_id].display_name == "Anonymous"
    # Control characters become "?", escaped Latin-1 characters are decoded,
    # and trailing padding is stripped.
    assert players["andretti:4"].display_name == "???"
    assert players["andretti:2"].display_name == "?\u00cc)"
    assert players["dm_dt101:6"].display_name == "\u00ff\u00ff\u00ff"
    assert players["monopoly:2"].display_name == "KOZ?"
    assert players["aar_101:1"].display_name == "KMA"


async def test_second_replay_stores_nothing(api, db, tmp_path, pinmame_tables):
    options = replay_options(api, tmp_path / "outbox")
    first = await replay(pinmame_tables, options)
    stored = await count_scores(db)

    second = await replay(pinmame_tables, options)

    assert await count_scores(db) == stored == 1409
    assert second.sent == 1409
    assert second.duplicates == 1409
    assert second.accepted == 0
    assert second.rejected == 0
    assert {rom: machine.id for rom, machine in second.machines.items()} == {
        rom: machine.id for rom, machine in first.machines.items()
    }


async def test_replay_small_table(api, db, tmp_path):
    path = tmp_path / "tables.jsonl"
    lines = [
        {"rom": "afm_113b", "title": "Attack From Mars (1.13b)", "last_played": "2024-07-01 20:30",
         "position": 1, "label": "Grand Champion", "initials": "AFM", "score": 9_000_000_000},
        {"rom": "afm_113b", "title": "Attack From Mars (1.13b)", "last_played": "2024-07-01 20:30",
         "position": 2, "label": "First Place", "initials": None, "score": 100},
        {"rom": "untitled", "title": None, "last_played": None,
         "position": 1, "label": "#1", "initials": "B\x00B", "score": 5},
        {"rom": "untitled", "title": None, "last_played": None,
         "position": 2, "label": "#2", "initials": "NEG", "score": -1},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    summary = await replay(path, replay_options(api, tmp_path / "outbox"))

    assert (summary.sent, summary.accepted, summary.duplicates, summary.rejected) == (4, 3, 0, 1)
    assert summary.machines["afm_113b"].game_id == "attack-from-mars"
    assert summary.machines["afm_113b"].game_title == "Attack From Mars (1.13b)"
    assert summary.machines["untitled"].game_title == "untitled"
    board, _ = await read_board(api, summary.machines["afm_113b"])
    # 20:30 in Berlin in July is 18:30 UTC (CEST, UTC+2).
    assert board[0].score.achieve_time.ToJsonString() == "2024-07-01T18:30:00Z"
    assert board[1].score.player.display_name == "Anonymous"
    untitled, _ = await read_board(api, summary.machines["untitled"])
    assert [line.score.submission_id for line in untitled] == ["untitled:1"]
    assert untitled[0].score.player.initials == "B?B"


async def test_replay_wrong_password(api, tmp_path):
    path = tmp_path / "tables.jsonl"
    path.write_text('{"rom": "a", "title": null, "last_played": null, "position": 1, "initials": null, "score": 1}\n')
    options = replay_options(api, tmp_path / "outbox")
    await replay(path, options)

    wrong = dataclasses.replace(options, password="not-the-password")
    with pytest.raises(ReplayError, match=r"signing in as replay@example.com .* failed: UNAUTHENTICATED"):
        await replay(path, wrong)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (None, None),
        ("", ""),
        ("   ", "   "),
        ("JY ", "JY "),
        ("\x00\x01\x06", "???"),
        ("KOZ\x05      ", "KOZ?      "),
        ("\\u00FF\\u00FF\\u00FF", "\u00ff\u00ff\u00ff"),
        ("\x07\\u00CC)", "?\u00cc)"),
        ("\\u00CC\x0c\\u00CC", "\u00cc?\u00cc"),
        ("A\u200bB", "A?B"),
    ],
)
def test_clean_initials(raw, cleaned):
    assert clean_initials(raw) == cleaned


def test_read_tables_names_bad_line(tmp_path):
    path = tmp_path / "tables.jsonl"
    good = '{"rom": "a", "title": null, "last_played": null, "position": 1, "initials": null, "score": 1}'
    path.write_text(good + "\n\n" + good.replace('"score": 1', '"score": "many"') + "\n")

    with pytest.raises(ReplayError, match=r"tables.jsonl:3: invalid high-score entry: score must be an integer"):
        read_tables(path)


def test_read_tables_names_missing_field(tmp_path):
    path = tmp_path / "tables.jsonl"
    path.write_text('{"rom": "a", "title": null, "position": 1, "initials": null, "score": 1}\n')

    with pytest.raises(ReplayError, match=r"tables.jsonl:1: invalid high-score entry: missing field 'last_played'"):
        read_tables(path)


def test_read_tables_rejects_duplicate_position(tmp_path):
    path = tmp_path / "tables.jsonl"
    line = '{"rom": "a", "title": null, "last_played": null, "position": 1, "initials": null, "score": 1}\n'
    path.write_text(line + line)

    with pytest.raises(ReplayError, match=r"tables.jsonl:2: duplicate entry a:1, first on line 1"):
        read_tables(path)


def test_read_tables_groups_by_rom(tmp_path):
    path = tmp_path / "tables.jsonl"
    rows = [("b", 1), ("a", 1), ("b", 2)]
    path.write_text(
        "".join(
            json.dumps({"rom": rom, "title": None, "last_played": "2024-01-02 03:04", "position": position,
                        "initials": "X", "score": 10 - position}) + "\n"
            for rom, position in rows
        )
    )

    tables = read_tables(path)

    assert list(tables) == ["b", "a"]
    assert [entry.submission_id for entry in tables["b"]] == ["b:1", "b:2"]
    assert tables["a"][0].last_played == datetime.datetime(2024, 1, 2, 3, 4)
