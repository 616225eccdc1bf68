"""The migration runner: order, checksums, the advisory lock, and the schema the code expects."""

import asyncio
import pathlib
import re
import shutil

import psycopg
import pytest

from server.db import errors as db_errors
from server.db.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, load_migrations

SERVER_DB_DIR = pathlib.Path(__file__).resolve().parents[2] / "server" / "db"


async def test_applies_all_from_empty(empty_database_url):
    applied = await apply_migrations(empty_database_url)
    assert applied == [m.name for m in load_migrations()]


async def test_second_run_applies_nothing(empty_database_url):
    await apply_migrations(empty_database_url)
    assert await apply_migrations(empty_database_url) == []


async def test_concurrent_runs_apply_each_once(empty_database_url):
    first, second = await asyncio.gather(apply_migrations(empty_database_url), apply_migrations(empty_database_url))
    assert sorted(first + second) == sorted(m.name for m in load_migrations())
    async with await psycopg.AsyncConnection.connect(empty_database_url) as conn:
        count = await (await conn.execute("SELECT count(*) FROM schema_migrations")).fetchone()
    assert count[0] == len(load_migrations())


async def test_changed_file_stops_with_its_name(empty_database_url, tmp_path):
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    await apply_migrations(empty_database_url, directory)
    changed = directory / "0002_accounts.sql"
    changed.write_text(changed.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="0002_accounts.sql"):
        await apply_migrations(empty_database_url, directory)


async def test_failed_migration_leaves_nothing(empty_database_url, tmp_path):
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    (directory / "9999_broken.sql").write_text("CREATE TABLE half_done (id int);\nSELECT no_such_function();\n")
    with pytest.raises(psycopg.Error):
        await apply_migrations(empty_database_url, directory)
    async with await psycopg.AsyncConnection.connect(empty_database_url) as conn:
        exists = await (await conn.execute("SELECT to_regclass('half_done')")).fetchone()
        recorded = await (await conn.execute("SELECT count(*) FROM schema_migrations WHERE version = 9999")).fetchone()
    assert exists[0] is None
    assert recorded[0] == 0


def test_bad_file_name_rejected(tmp_path):
    (tmp_path / "1_no_padding.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="1_no_padding.sql"):
        load_migrations(tmp_path)


def test_each_migration_states_its_intent():
    for migration in load_migrations():
        assert migration.sql.startswith("-- "), migration.name


async def test_constraints_named_in_code_exist(database_url):
    """Every constraint the code refers to by name exists after the migrations."""
    source = "\n".join(path.read_text() for path in SERVER_DB_DIR.glob("*.py"))
    named = set(re.findall(r"ON CONSTRAINT (\w+)", source)) | set(db_errors._CONSTRAINT_ERRORS)
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        rows = await (await conn.execute("SELECT conname FROM pg_constraint")).fetchall()
    existing = {row[0] for row in rows}
    assert named
    assert named <= existing, named - existing


async def test_every_constraint_has_explicit_name(database_url):
    """Constraints carry the names the migrations give them, never generated ones."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        rows = await (
            await conn.execute(
                """
                SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f', 'c')
                """
            )
        ).fetchall()
    generated = [name for (name,) in rows if re.search(r"_(pkey|key|fkey|check)$", name)]
    assert generated == []
