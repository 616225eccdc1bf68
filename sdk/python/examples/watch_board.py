"""Print a board each time it changes, reconnecting by itself.

    ORIGIN_SERVER=127.0.0.1:50051 ORIGIN_GAME=attack-from-mars [ORIGIN_ARCADE_ID=...] python watch_board.py

ORIGIN_WATCH_UPDATES stops after that many updates (default: run until
interrupted). The first update is the board as it is now.
"""

import asyncio
import os

from origin.v1 import common_pb2
from origin_sdk import OriginClient


async def main() -> None:
    server = os.environ.get("ORIGIN_SERVER", "127.0.0.1:50051")
    arcade_id = os.environ.get("ORIGIN_ARCADE_ID", "")
    scope = common_pb2.BOARD_SCOPE_ARCADE if arcade_id else common_pb2.BOARD_SCOPE_GLOBAL
    limit = int(os.environ.get("ORIGIN_WATCH_UPDATES", "0"))

    async with OriginClient(server) as client:
        received = 0
        async with client.watch_board(os.environ["ORIGIN_GAME"], scope, arcade_id=arcade_id) as watch:
            async for update in watch:
                top = [entry.score.value for entry in update.snapshot.entries]
                kinds = [common_pb2.BoardEvent.Kind.Name(event.kind) for event in update.events]
                print(f"top: {top} events: {kinds}", flush=True)
                received += 1
                if received == limit:
                    break


if __name__ == "__main__":
    asyncio.run(main())
