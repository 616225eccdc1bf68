"""A blocking twin of `OriginClient`, for scripts and code without an event loop.

    with OriginClient("127.0.0.1:50051") as client:
        client.sign_in("ada@example.com", "correct horse battery")
        print(client.current_user().screen_name)

It runs an asyncio `OriginClient` on a private event loop in a daemon
thread, so the tokens, deadlines, retries and typed exceptions are the same.
Do not call it from inside a running event loop's thread: it would block
that loop. Use the asyncio client there.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from origin.v1 import common_pb2, score_pb2

from origin_sdk import client as async_client
from origin_sdk.client import RegisteredMachine, SignInResult
from origin_sdk.session import SecondFactorChallenge, Session

T = TypeVar("T")


class _LoopThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="origin-sdk-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class BlockingStub:
    """A generated stub whose unary methods block and return the response."""

    def __init__(self, loop: _LoopThread, stub: Any):
        self._loop = loop
        self._stub = stub

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._stub, name)

        def call(request, **kwargs):
            async def invoke():
                return await method(request, **kwargs)

            return self._loop.run(invoke())

        call.__name__ = name
        return call


class BlockingStubs:
    """The raw stubs of every service, with blocking unary methods (`client.stubs.games.GetGame(...)`).

    NOTE: streaming methods are not wrapped; use the asyncio client for them,
    or `OriginClient.watch_board` here.
    """

    def __init__(self, loop: _LoopThread, client: async_client.OriginClient):
        self._loop = loop
        self._client = client

    def __getattr__(self, name: str) -> BlockingStub:
        stubs = self._loop.run(_get_stubs(self._client))
        return BlockingStub(self._loop, getattr(stubs, name))


async def _get_stubs(client: async_client.OriginClient) -> async_client.Stubs:
    return client.stubs


class OriginClient:
    """The blocking client. It takes the same arguments as `origin_sdk.client.OriginClient`
    and has the same methods; each blocks until the call ends."""

    def __init__(self, target: str, **options: Any):
        self._loop = _LoopThread()
        self._client: async_client.OriginClient = self._loop.run(_build(target, options))
        self.stubs = BlockingStubs(self._loop, self._client)

    def __enter__(self) -> OriginClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def session(self) -> Session | None:
        return self._client.session

    def close(self) -> None:
        """Close the channel and stop the loop thread."""
        if self._loop.loop.is_closed():
            return
        self._loop.run(self._client.close())
        self._loop.stop()

    def sign_up(self, email: str, password: str, screen_name: str, *, phone_number: str = "") -> common_pb2.User:
        return self._loop.run(self._client.sign_up(email, password, screen_name, phone_number=phone_number))

    def sign_in(self, email: str, password: str) -> SignInResult:
        return self._loop.run(self._client.sign_in(email, password))

    def complete_sign_in(self, code: str, challenge: SecondFactorChallenge | None = None) -> Session:
        return self._loop.run(self._client.complete_sign_in(code, challenge))

    def sign_out(self) -> None:
        self._loop.run(self._client.sign_out())

    def current_user(self) -> common_pb2.User:
        return self._loop.run(self._client.current_user())

    def create_arcade(self, display_name: str, time_zone: str, **fields: Any) -> common_pb2.Arcade:
        return self._loop.run(self._client.create_arcade(display_name, time_zone, **fields))

    def register_machine(self, arcade_id: str, game_title: str, **fields: Any) -> RegisteredMachine:
        return self._loop.run(self._client.register_machine(arcade_id, game_title, **fields))

    def submit_score(self, submission_id: str, value: int, **fields: Any) -> score_pb2.SubmitScoreResponse:
        return self._loop.run(self._client.submit_score(submission_id, value, **fields))

    def list_top_scores(self, game: str, scope: common_pb2.BoardScope = common_pb2.BOARD_SCOPE_GLOBAL, **fields: Any):
        return self._loop.run(self._client.list_top_scores(game, scope, **fields))

    def watch_board(
        self, game: str, scope: common_pb2.BoardScope = common_pb2.BOARD_SCOPE_GLOBAL, **fields: Any
    ) -> Iterator[score_pb2.WatchBoardResponse]:
        """Yield board updates as they arrive; closing the generator ends the watch."""
        watch = self._client.watch_board(game, scope, **fields)
        try:
            while True:
                try:
                    yield self._loop.run(watch.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            if not self._loop.loop.is_closed():
                self._loop.run(watch.aclose())


async def _build(target: str, options: dict[str, Any]) -> async_client.OriginClient:
    return async_client.OriginClient(target, **options)


# The asyncio client under its own name, for code that imports both.
AsyncOriginClient = async_client.OriginClient

__all__ = ["AsyncOriginClient", "BlockingStub", "BlockingStubs", "OriginClient"]
