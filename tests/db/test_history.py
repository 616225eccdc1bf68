"""History tables kept by the triggers that enable_history_v2 generates: insert,
update, delete, two updates in one transaction, concurrent updates of one row,
and the same history as the older record_history_v1."""

import asyncio
import datetime

import psycopg
import pytest


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
                """
                SELECT t.tgname, t.tgfoid::regproc::text, t.tgtype FROM pg_trigger t
                JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE t.tgrelid = %s::regclass AND p.proname LIKE 'record\\_%%\\_history\\_v2'
                """,
                (table,),
            )
        ).fetchall()
        # One trigger for INSERT, UPDATE and DELETE of each row (29 = ROW, INSERT, DELETE, UPDATE bits).
        assert triggers == [(f"{table}_history_tg", f"record_{table}_history_v2", 29)], table

    generic = await (
        await db.execute("SELECT count(*) FROM pg_trigger WHERE tgfoid = 'record_history_v1'::regproc")
    ).fetchone()
    assert generic[0] == 0


async def _columns(db, table):
    cursor = await db.execute(
        """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
        """,
        (table,),
    )
    return [tuple(row) for row in await cursor.fetchall()]


# Two tables of the same shape, one kept by record_history_v1 and one by a
# generated function. The key has two columns, and change_time and current_tx
# share the names of the generated function's variables.
_TWIN_TABLES = """
CREATE TABLE twin_{kind} (
    a integer NOT NULL,
    b text NOT NULL,
    name text NOT NULL,
    change_time text,
    current_tx bigint,
    CONSTRAINT twin_{kind}_pk PRIMARY KEY (a, b)
);
CREATE TABLE twin_{kind}_history (
    history_id bigint GENERATED BY DEFAULT AS IDENTITY,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    tx_id bigint NOT NULL,
    LIKE twin_{kind},
    CONSTRAINT twin_{kind}_history_pk PRIMARY KEY (history_id)
);
"""


async def _on_both(db, statement, params=()):
    for kind in ("v1", "v2"):
        await db.execute(statement.format(table=f"twin_{kind}"), params)


async def _twin_versions(db, kind):
    cursor = await db.execute(
        f"""
        SELECT a, b, name, change_time, current_tx, tx_id, valid_from, valid_to FROM twin_{kind}_history
        ORDER BY a, b, valid_from, history_id
        """
    )
    return await cursor.fetchall()


def _shape(versions):
    """Drop the clock times but keep how each version's period meets the next one of its key."""
    shape = []
    for index, (a, b, name, change_time, current_tx, tx_id, valid_from, valid_to) in enumerate(versions):
        following = versions[index + 1] if index + 1 < len(versions) else None
        meets_next = following is not None and following[:2] == (a, b) and following[6] == valid_to
        shape.append((a, b, name, change_time, current_tx, tx_id, valid_to is None, meets_next))
    return shape


async def test_generated_function_matches_v1(db):
    for kind in ("v1", "v2"):
        await db.execute(_TWIN_TABLES.format(kind=kind))
    await db.execute(
        "CREATE TRIGGER twin_v1_history_tg AFTER INSERT OR UPDATE OR DELETE ON twin_v1 "
        "FOR EACH ROW EXECUTE FUNCTION record_history_v1('a', 'b')"
    )
    await db.execute("SELECT enable_history_v2('twin_v2', ARRAY['a', 'b'])")

    # Each block is one transaction on both tables, so both write the same tx_id.
    async with db.transaction():
        await _on_both(db, "INSERT INTO {table} VALUES (1, 'x', 'ann', 'c1', 7), (2, 'y', 'kim', NULL, NULL)")
    async with db.transaction():
        await _on_both(db, "UPDATE {table} SET name = 'bob' WHERE a = 1")
        await _on_both(db, "UPDATE {table} SET name = 'cid', change_time = 'c2' WHERE a = 1")
    async with db.transaction():
        await _on_both(db, "UPDATE {table} SET name = 'dan' WHERE a = 1")
    async with db.transaction():
        await _on_both(db, "UPDATE {table} SET name = 'lou' WHERE a = 2")
    async with db.transaction():
        await _on_both(db, "INSERT INTO {table} VALUES (3, 'z', 'max', NULL, NULL)")
        await _on_both(db, "DELETE FROM {table} WHERE a = 3")
    async with db.transaction():
        await _on_both(db, "UPDATE {table} SET b = 'w' WHERE a = 2")
    async with db.transaction():
        await _on_both(db, "DELETE FROM {table} WHERE a = 1")

    old, new = await _twin_versions(db, "v1"), await _twin_versions(db, "v2")
    assert _shape(new) == _shape(old)
    assert [name for _, _, name, *_ in new] == ["ann", "cid", "dan", "lou", "kim", "lou"]
    # The collapsed "bob" never shows, and the row inserted and deleted in one
    # transaction leaves no version at all.
    assert not [row for row in new if row[0] == 3]
    assert all(valid_to is None or valid_to >= valid_from for *_, valid_from, valid_to in new)


async def test_generated_function_as_of_reads(db):
    await db.execute(_TWIN_TABLES.format(kind="v2"))
    await db.execute("SELECT enable_history_v2('twin_v2', ARRAY['a', 'b'])")
    await db.execute("INSERT INTO twin_v2 VALUES (1, 'x', 'ann', NULL, NULL)")
    async with db.transaction():
        await db.execute("UPDATE twin_v2 SET name = 'bob' WHERE a = 1")
        await db.execute("UPDATE twin_v2 SET name = 'cid' WHERE a = 1")
    await db.execute("DELETE FROM twin_v2 WHERE a = 1")

    versions = await (
        await db.execute("SELECT name, valid_from, valid_to FROM twin_v2_history ORDER BY valid_from")
    ).fetchall()
    assert [name for name, _, _ in versions] == ["ann", "cid"]
    for name, valid_from, _ in versions:
        seen = await (
            await db.execute(
                "SELECT name FROM twin_v2_history WHERE a = 1 AND b = 'x' "
                "AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)",
                (valid_from, valid_from),
            )
        ).fetchall()
        assert seen == [(name,)]
    after_delete = await (
        await db.execute(
            "SELECT count(*) FROM twin_v2_history WHERE a = 1 AND (valid_to IS NULL OR valid_to > %s)",
            (versions[-1][2],),
        )
    ).fetchone()
    assert after_delete[0] == 0


async def test_enable_history_v2_rejects_bad_arguments(db):
    await db.execute("CREATE TABLE lonely (id integer NOT NULL, CONSTRAINT lonely_pk PRIMARY KEY (id))")
    with pytest.raises(psycopg.errors.RaiseException, match="history table public.lonely_history not found"):
        await db.execute("SELECT enable_history_v2('lonely', ARRAY['id'])")

    await db.execute(_TWIN_TABLES.format(kind="v2"))
    with pytest.raises(psycopg.errors.RaiseException, match="key column nope not found"):
        await db.execute("SELECT enable_history_v2('twin_v2', ARRAY['a', 'nope'])")
