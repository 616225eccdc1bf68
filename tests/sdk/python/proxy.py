"""A TCP proxy on 127.0.0.1 that a test can cut and reopen, to break client connections on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import ssl


class CuttableProxy:
    """Forwards connections from a fixed local port to `upstream_port`.

    `cut()` closes every open connection and stops listening, as a network
    outage would; `reopen()` listens on the same port again. With
    `drop_responses` set, bytes from the server are discarded, so a call can
    reach the server while its response is lost. With `tls`, the proxy
    terminates TLS, so a client can reach the plaintext server over TLS.
    """

    def __init__(self, upstream_port: int, tls: ssl.SSLContext | None = None):
        self.upstream_port = upstream_port
        self.tls = tls
        self.port = 0
        self.drop_responses = False
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def reopen(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        upstream = asyncio.create_task(self._pump(client_reader, server_writer, responses=False))
        downstream = asyncio.create_task(self._pump(server_reader, client_writer, responses=True))
        self._tasks.update((upstream, downstream))
        try:
            await asyncio.wait((upstream, downstream), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (upstream, downstream):
                task.cancel()
                self._tasks.discard(task)
            for writer in (client_writer, server_writer):
                writer.transport.abort()
                self._writers.discard(writer)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, responses: bool) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if responses and self.drop_responses:
                    continue
                writer.write(data)
                await writer.drain()
