"""ScoreService: submitting scores, reading and watching boards."""

from __future__ import annotations

import asyncio
import logging

from origin.v1 import score_pb2, score_pb2_grpc

from server.deps import Deps
from server.domain import boards, scores, validate
from server.errors import OriginError, Unavailable
from server.interceptors import current_bearer_token, current_caller
from server.live.hub import HubClosed
from server.services import convert
from server.services.status import status_proto

logger = logging.getLogger(__name__)

SHUTDOWN_MESSAGE = "the server is shutting down; reconnect"


def _submission(request: score_pb2.SubmitScoreRequest) -> scores.Submission:
    player = request.WhichOneof("player")
    return scores.Submission(
        submission_id=request.submission_id,
        user_id=request.user_id if player == "user_id" else None,
        initials=request.initials if player == "initials" else None,
        value=request.value,
        achieve_time=convert.optional_time(request, "achieve_time"),
    )


class ScoreService(score_pb2_grpc.ScoreServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def SubmitScore(self, request, context):
        device = current_caller().require_device()
        accepted = await scores.check_submit_score(self.deps, device, _submission(request))
        return score_pb2.SubmitScoreResponse(score=convert.score(accepted.score), duplicate=accepted.duplicate)

    async def StreamScores(self, request_iterator, context):
        device = current_caller().require_device()
        token = current_bearer_token()
        requests = aiter(request_iterator)
        while True:
            request = await self._next_or_shutdown(requests)
            if request is None:
                return
            # The token is checked again for each score, through the short
            # cache, so a revoked or replaced token also ends open streams.
            await self.deps.device_tokens.authenticate(self.deps, token)
            yield await self._answer(device, request.score)

    async def _next_or_shutdown(self, requests):
        """Return the next request, or None at the end of the client's stream.

        Raises Unavailable once the server shuts down. Every earlier score has
        its response by then, because scores are handled one at a time.
        """
        receive = asyncio.ensure_future(anext(requests))
        # When the call is cancelled or the server shuts down, the read may
        # end with an exception nobody awaits; the callback retrieves it so
        # asyncio does not report it as lost.
        receive.add_done_callback(_retrieve_exception)
        stop = asyncio.ensure_future(self.deps.shutting_down.wait())
        try:
            await asyncio.wait((receive, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not receive.done():
                receive.cancel()
        if receive.cancelled():
            raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN")
        try:
            return receive.result()
        except StopAsyncIteration:
            return None

    async def _answer(self, device, request) -> score_pb2.StreamScoresResponse:
        try:
            accepted = await scores.check_submit_score(self.deps, device, _submission(request))
        except OriginError as error:
            # A rejected score does not end the stream: the device learns why
            # and goes on with the next one.
            return score_pb2.StreamScoresResponse(submission_id=request.submission_id, error=status_proto(error))
        return score_pb2.StreamScoresResponse(
            submission_id=request.submission_id, score=convert.score(accepted.score), duplicate=accepted.duplicate
        )

    async def ListTopScores(self, request, context):
        board = await self._board(request)
        size = _page_size(request.page_size)
        page = await boards.list_top_scores(
            self.deps,
            board,
            instant=convert.optional_time(request, "period_time"),
            read_time=convert.optional_time(request, "read_time"),
            page_size=size,
            page_token=request.page_token,
        )
        all_time = page.bounds.end is None
        return score_pb2.ListTopScoresResponse(
            entries=convert.board_entries(page),
            next_page_token=page.next_page_token,
            previous_page_token=page.previous_page_token,
            total_size=page.total_size,
            period_start_time=None if all_time else convert.timestamp(page.bounds.start),
            period_end_time=convert.timestamp(page.bounds.end),
            next_reset_time=convert.timestamp(page.next_reset),
        )

    async def ListScoresAroundPlayer(self, request, context):
        board = await self._board(request)
        target = request.WhichOneof("target")
        around = await boards.read_around(
            self.deps,
            board,
            instant=convert.optional_time(request, "period_time"),
            user_id=request.user_id if target == "user_id" else None,
            score_id=request.score_id if target == "score_id" else None,
            page_size=validate.page_size("page_size", request.page_size, default=5),
        )
        page = around.page
        all_time = page.bounds.end is None
        return score_pb2.ListScoresAroundPlayerResponse(
            rank=around.rank,
            entries=convert.board_entries(page),
            total_size=page.total_size,
            period_start_time=None if all_time else convert.timestamp(page.bounds.start),
            period_end_time=convert.timestamp(page.bounds.end),
        )

    async def ListUserScores(self, request, context):
        page = await scores.list_user_scores(self.deps, request.user_id, request.page_size, request.page_token)
        return score_pb2.ListUserScoresResponse(
            scores=[convert.score(record) for record in page.scores], next_page_token=page.next_page_token
        )

    async def WatchBoard(self, request, context):
        board = await self._board(request)
        size = _page_size(request.page_size)
        try:
            async with self.deps.hub.watch(board, size) as watcher:
                while True:
                    page, events = await watcher.next()
                    yield score_pb2.WatchBoardResponse(
                        snapshot=convert.snapshot(page), events=[convert.board_event(event) for event in events]
                    )
        except HubClosed:
            raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN") from None

    async def _board(self, request) -> boards.Board:
        return await boards.check_board(
            self.deps,
            game=request.game,
            scope=convert.board_choice("scope", request.scope, convert.SCOPES, required=True),
            arcade_id=request.arcade_id,
            machine_id=request.machine_id,
            period=convert.board_choice("period", request.period, convert.PERIODS),
            mode=convert.board_choice("mode", request.mode, convert.MODES),
        )


def _retrieve_exception(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


def _page_size(value: int) -> int:
    return validate.page_size("page_size", value, default=10)
