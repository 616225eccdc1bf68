"""The SQLAlchemy async engine over psycopg 3, and the transaction helpers every area uses.

SQLAlchemy provides the connection pool and the async session plumbing; all SQL
is constant text kept with each area's queries.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from server.db.errors import translate_database_errors


def sqlalchemy_url(url: str) -> str:
    """Turn a libpq URL (postgresql://...) into one that selects the psycopg driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://', 1)[0]}://...")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip on every checkout. A connection
        # that died is found by the query that uses it, and SQLAlchemy then
        # discards the pool's other connections too.
        pool_pre_ping=False,
    )


@contextlib.asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Open a transaction that commits on success and rolls back on any error.

    Database errors inside it come out as domain errors (see db/errors.py).
    """
    with translate_database_errors():
        async with engine.begin() as conn:
            yield conn


@contextlib.asynccontextmanager
async def read(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Open a read-only transaction on one snapshot; the same error translation applies.

    REPEATABLE READ makes the queries of one read agree with each other: a
    board page and its total count never straddle a commit.
    """
    with translate_database_errors():
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            async with conn.begin():
                yield conn


@contextlib.asynccontextmanager
async def read_once(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Open a connection for a read that is one statement, with the same error translation.

    The connection runs in autocommit, so the statement is a single round trip
    on its own snapshot, without the BEGIN and COMMIT that `read` costs. Use
    `read` when two statements must agree with each other.
    """
    with translate_database_errors():
        async with engine.connect() as conn:
            yield await conn.execution_options(isolation_level="AUTOCOMMIT")
