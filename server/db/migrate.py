"""Apply migrations/NNNN_slug.sql in order, once each, under an advisory lock.

Each file runs in its own transaction and is recorded with its SHA-256. A file
that changed after it was applied stops start-up, because the schema in the
database would no longer match the file that describes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pathlib
import re

import psycopg

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = pathlib.Path(__file__).resolve().parents[2] / "migrations"
# An arbitrary constant shared by every Origin process: "origin" in ASCII.
ADVISORY_LOCK_KEY = 0x6F726967696E
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    CONSTRAINT schema_migrations_pk PRIMARY KEY (version)
)
"""


class MigrationError(RuntimeError):
    """The migrations on disk and the ones recorded in the database disagree."""


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: pathlib.Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name {path.name!r} does not match NNNN_slug.sql")
        migrations.append(Migration(int(match.group(1)), path.name, path.read_text()))

    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return migrations


async def apply_migrations(url: str, directory: pathlib.Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; return the names of those applied now."""
    migrations = load_migrations(directory)
    applied_now = []
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        # Session-level lock: a second process waits here until the first has
        # applied everything, then finds nothing left to do.
        await conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            await conn.execute(_CREATE_LEDGER)
            rows = await (await conn.execute("SELECT version, name, checksum FROM schema_migrations")).fetchall()
            recorded = {version: (name, checksum) for version, name, checksum in rows}

            for migration in migrations:
                if migration.version in recorded:
                    _check_unchanged(migration, *recorded[migration.version])
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                logger.info("applied migration %s", migration.name)
                applied_now.append(migration.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return applied_now


def _check_unchanged(migration: Migration, recorded_name: str, recorded_checksum: str) -> None:
    if recorded_checksum != migration.checksum:
        raise MigrationError(
            f"migration {migration.name} was changed after it was applied "
            f"(recorded as {recorded_name}); add a new migration instead of editing it"
        )
