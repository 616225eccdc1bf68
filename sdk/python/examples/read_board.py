"""Print the top of a board, with the blocking client.

    ORIGIN_SERVER=127.0.0.1:50051 ORIGIN_GAME=attack-from-mars [ORIGIN_ARCADE_ID=...] python read_board.py

Reading boards needs no sign-in. With ORIGIN_ARCADE_ID it reads the
arcade's board, otherwise the global one; both cover all time.
"""

import os

from origin.v1 import common_pb2
from origin_sdk.blocking import OriginClient


def main() -> None:
    server = os.environ.get("ORIGIN_SERVER", "127.0.0.1:50051")
    arcade_id = os.environ.get("ORIGIN_ARCADE_ID", "")
    scope = common_pb2.BOARD_SCOPE_ARCADE if arcade_id else common_pb2.BOARD_SCOPE_GLOBAL

    with OriginClient(server) as client:
        board = client.list_top_scores(os.environ["ORIGIN_GAME"], scope, arcade_id=arcade_id, page_size=10)

    print(f"{board.total_size} entries")
    for entry in board.entries:
        player = entry.score.player.display_name or entry.score.player.initials or "?"
        print(f"{entry.rank:>3}  {entry.score.value:>15,}  {player}")


if __name__ == "__main__":
    main()
