"""python -m server.gateway: run the gateway alone, in front of a gRPC server elsewhere.

Settings come from the same environment variables as the server
(ORIGIN_HTTP_ADDR, ORIGIN_HTTP_ROUTES, ORIGIN_CORS_ORIGINS, ...); the flags
override them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys

import uvloop

from server.gateway.serve import ROUTES_FROM_REFLECTION, ROUTES_FROM_SDK, start_gateway
from server.settings import Settings, SettingsError

logger = logging.getLogger("origin")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server.gateway", description=__doc__.splitlines()[0])
    parser.add_argument("--grpc-target", required=True, help="host:port of the gRPC server to forward to")
    parser.add_argument("--http-addr", help="host:port to listen on (default: ORIGIN_HTTP_ADDR or 127.0.0.1:8080)")
    parser.add_argument(
        "--routes",
        choices=(ROUTES_FROM_SDK, ROUTES_FROM_REFLECTION),
        help="read routes from the SDK's descriptor set or the server's reflection service (default: ORIGIN_HTTP_ROUTES or sdk)",
    )
    return parser.parse_args(argv)


async def serve(settings: Settings, grpc_target: str) -> None:
    # The handlers come first: the port accepts requests as soon as start_gateway
    # returns, and a SIGTERM sent on the first reply must still stop cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    running = await start_gateway(settings, grpc_target)
    await stop.wait()
    logger.info("shutdown requested")
    await running.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"origin gateway: {exc}", file=sys.stderr)
        return 2
    overrides = {}
    if args.http_addr:
        overrides["http_addr"] = args.http_addr
    if args.routes:
        overrides["http_routes"] = args.routes
    settings = dataclasses.replace(settings, **overrides)
    if not settings.http_addr:
        print("origin gateway: no HTTP address; set --http-addr or ORIGIN_HTTP_ADDR", file=sys.stderr)
        return 2

    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        uvloop.run(serve(settings, args.grpc_target))
    except RuntimeError as exc:
        logger.error("start-up stopped: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
