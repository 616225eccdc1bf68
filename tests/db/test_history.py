"""History tables kept by record_history_v1: insert, update, delete, two
updates in one transaction, and concurrent updates of one row."""

import asyncio
import datetime

import psycopg


async def _insert_user(db, name="ann"):
    row = await (
        await db.execute(
            """
            INSERT INTO users (email, email_key, password_hash, screen_name, screen_name_key)
            VALUES (%s, %s, 'x', %s, %s) RETURNING id
            """,
            (f"{name}@example.com", f"{name}@example.com", name, name),
        )
    ).fetchone()
    return row[0]


async def _versions(db, user_id):
    cursor = await db.execute(
        "SELECT screen_name, valid_from, valid_to FROM users_history WHERE id = %s ORDER BY valid_from, history_id",
        (user_id,),
    )
    return await cursor.fetchall()


async def _as_of(db, user_id, moment):
    cursor = await db.execute(
        """
        SELECT screen_name FROM users_history
        WHERE id = %s AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)
        """,
        (user_id, moment, moment),
    )
    return [row[0] for row in await cursor.fetchall()]


async def test_insert_opens_version(db):
    user_id = await _insert_user(db)
    versions = await _versions(db, user_id)
    assert len(versions) == 1
    assert versions[0][0] == "ann"
    assert versions[0][2] is None


async def test_update_closes_previous_version(db):
    user_id = await _insert_user(db)
    await db.execute("UPDATE users SET screen_name = 'bob' WHERE id = %s", (user_id,))
    (first_name, first_from, first_to), (second_name, second_from, second_to) = await _versions(db, user_id)
    assert (first_name, second_name) == ("ann", "bob")
    assert first_to == second_from
    assert second_to is None
    assert await _as_of(db, user_id, first_from) == ["ann"]
    assert await _as_of(db, user_id, second_from) == ["bob"]


async def test_delete_closes_last_version(db):
    user_id = await _insert_user(db)
    await db.execute("DELETE FROM users WHERE id = %s", (user_id,))
    versions = await _versions(db, user_id)
    assert len(versions) == 1
    assert versions[0][2] is not None
    assert await _as_of(db, user_id, datetime.datetime.now(datetime.timezone.utc)) == []


async def test_two_updates_in_one_transaction(db):
    user_id = await _insert_user(db)
    async with db.transaction():
        await db.execute("UPDATE users SET screen_name = 'bob' WHERE id = %s", (user_id,))
        await db.execute("UPDATE users SET screen_name = 'cid' WHERE id = %s", (user_id,))
    versions = await _versions(db, user_id)
    # The intermediate "bob" was never visible outside the transaction.
    assert [name for name, _, _ in versions] == ["ann", "cid"]
    assert versions[0][2] == versions[1][1]


async def test_insert_and_update_in_one_transaction(db):
    async with db.transaction():
        user_id = await _insert_user(db, "dan")
        await db.execute("UPDATE users SET screen_name = 'eve' WHERE id = %s", (user_id,))
    versions = await _versions(db, user_id)
    assert [name for name, _, _ in versions] == ["eve"]


async def test_concurrent_updates_keep_history_consistent(db, database_url):
    user_id = await _insert_user(db)
    async with await psycopg.AsyncConnection.connect(database_url) as first, \
            await psycopg.AsyncConnection.connect(database_url) as second:
        # The first transaction starts earlier but the second takes the row
        # lock first, so the first must wait and then write after it.
        await first.execute("SELECT 1")
        await second.execute("UPDATE users SET screen_name = 'second' WHERE id = %s", (user_id,))
        waiting = asyncio.create_task(first.execute("UPDATE users SET screen_name = 'first' WHERE id = %s", (user_id,)))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await second.commit()
        await waiting
        await first.commit()

    versions = await _versions(db, user_id)
    assert [name for name, _, _ in versions] == ["ann", "second", "first"]
    for (_, _, valid_to), (_, next_from, _) in zip(versions, versions[1:]):
        assert valid_to == next_from
    for _, valid_from, valid_to in versions:
        assert valid_to is None or valid_to >= valid_from
    assert sum(1 for _, _, valid_to in versions if valid_to is None) == 1


async def test_every_base_table_has_matching_history(db):
    tables = [
        row[0]
        for row in await (
            await db.execute(
                """
                SELECT table_name FROM information_schema.tables
                WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
                  AND table_name NOT LIKE '%%\\_history' AND table_name <> 'schema_migrations'
                """
            )
        ).fetchall()
    ]
    assert "users" in tables
    for table in tables:
        base = await _columns(db, table)
        history = await _columns(db, f"{table}_history")
        assert history[:4] == [("history_id", "bigint"), ("valid_from", "timestamp with time zone"),
                               ("valid_to", "timestamp with time zone"), ("tx_id", "bigint")], table
        assert history[4:] == base, table
        assert not {"created_at", "updated_at"} & {name for name, _ in base}, table
        triggers = await (
            await db.execute(
                "SELECT count(*) FROM information_schema.triggers WHERE event_object_table = %s", (table,)
            )
        ).fetchone()
        assert triggers[0] == 3, table  # INSERT, UPDATE and DELETE


async def _columns(db, table):
    cursor = await db.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
        """,
        (table,),
    )
    return [tuple(row) for row in await cursor.fetchall()]
