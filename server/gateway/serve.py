"""Start and stop the gateway: load its routes, bind its port and serve it with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket

import grpc
import uvicorn

from server.gateway.app import Gateway
from server.gateway.descriptors import load_reflection_file_set, load_sdk_file_set
from server.gateway.local import LocalInvoker
from server.gateway.routes import RouteTable
from server.settings import Settings

logger = logging.getLogger("origin.http")

ROUTES_FROM_SDK = "sdk"
ROUTES_FROM_REFLECTION = "reflection"
STARTUP_TIMEOUT_SECONDS = 10.0


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the process that embeds it.

    uvicorn.Server.serve replaces the SIGINT and SIGTERM handlers while it
    runs; `python -m server` has its own, which stop the gateway and the gRPC
    server in order.
    """

    @contextlib.contextmanager
    def capture_signals(self):
        yield


@dataclasses.dataclass
class RunningGateway:
    gateway: Gateway
    server: uvicorn.Server
    task: asyncio.Task
    channel: grpc.aio.Channel
    port: int

    async def stop(self) -> None:
        """End open streams with UNAVAILABLE, let requests in flight finish within the grace period, then close.

        Stopping takes about 0.2 s even when idle, because uvicorn (0.55)
        checks should_exit every 0.1 s and then waits 0.1 s for connections.
        """
        self.gateway.closing.set()
        self.server.should_exit = True
        await self.task
        await self.channel.close()
        logger.info("gateway stopped")


async def load_routes(source: str, channel: grpc.aio.Channel) -> RouteTable:
    """Build the route table from the SDK's descriptor set or from the server's reflection service."""
    if source == ROUTES_FROM_REFLECTION:
        file_set = await load_reflection_file_set(channel)
    else:
        file_set = await asyncio.to_thread(load_sdk_file_set)
    table = RouteTable.from_file_set(file_set)
    logger.info("gateway has %d routes from %s", len(table.routes), source)
    return table


async def start_gateway(
    settings: Settings, grpc_target: str, *, routes: RouteTable | None = None, local: LocalInvoker | None = None
) -> RunningGateway:
    """Serve the gateway on settings.http_addr (port 0 picks a free port), forwarding to grpc_target.

    `routes` replaces the table that settings.http_routes would load. With
    `local`, unary calls go to the servicers of this process instead.
    """
    channel = grpc.aio.insecure_channel(grpc_target)
    try:
        if routes is None:
            routes = await load_routes(settings.http_routes, channel)
        sock = bind(settings.http_addr)
    except BaseException:
        await channel.close()
        raise

    gateway = Gateway(routes, channel, settings, local)
    config = uvicorn.Config(
        gateway.asgi(),
        lifespan="off",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        http="httptools",
        ws="none",
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]  # a float works
    )
    server = _EmbeddedServer(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]), name="http-gateway")
    await _wait_started(server, task, settings.http_addr)

    port = sock.getsockname()[1]
    logger.info("serving HTTP on %s", f"{settings.http_addr.rsplit(':', 1)[0]}:{port}")
    return RunningGateway(gateway, server, task, channel, port)


def bind(address: str) -> socket.socket:
    """Open a listening socket on "host:port" or "[v6 host]:port"."""
    host, _, port_text = address.rpartition(":")
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        raise ValueError(f"HTTP address {address!r} must be host:port")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port_text)))
        sock.listen(socket.SOMAXCONN)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise RuntimeError(f"cannot listen on {address}: {error.strerror}") from None
    return sock


def grpc_target_for(grpc_addr: str, port: int) -> str:
    """Return the address the gateway dials for a server listening on grpc_addr; a wildcard host becomes loopback."""
    host = grpc_addr.rsplit(":", 1)[0].strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}"


async def _wait_started(server: uvicorn.Server, task: asyncio.Task, address: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"the HTTP gateway on {address} stopped during start-up")
        if loop.time() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the HTTP gateway on {address} did not start within {STARTUP_TIMEOUT_SECONDS} s")
        await asyncio.sleep(0.01)
