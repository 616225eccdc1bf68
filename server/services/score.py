"""ScoreService: submitting scores, reading and watching boards."""

from __future__ import annotations

import datetime
import logging

import grpc
from origin.v1 import common_pb2, score_pb2, score_pb2_grpc

from server.deps import Deps
from server.domain import boards, checkins, roles, scores, statuses, validate
from server.errors import InvalidArgument, OriginError, Unavailable
from server.interceptors import current_bearer_token, current_caller
from server.live.hub import Encoder, HubClosed
from server.services import checkin as checkin_service
from server.services import convert, machine_status
from server.services.device_stream import DeviceStreamReader
from server.services.status import status_proto

logger = logging.getLogger(__name__)

SHUTDOWN_MESSAGE = "the server is shutting down; reconnect"
# A resumed watch older than this starts afresh: after a long outage a list
# of everything that happened would be stale news on a scoreboard.
MAX_RESUME_AGE = datetime.timedelta(hours=24)
RESUME_CLOCK_SKEW = datetime.timedelta(seconds=5)


def _submission(request: score_pb2.SubmitScoreRequest) -> scores.Submission:
    player = request.WhichOneof("player")
    return scores.Submission(
        submission_id=request.submission_id,
        user_id=request.user_id if player == "user_id" else None,
        initials=request.initials if player == "initials" else None,
        value=request.value,
        achieve_time=convert.optional_time(request, "achieve_time"),
        player_slot=request.player_slot,
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
        with self.deps.mailboxes.open(device.machine_id) as mailbox:
            reader = DeviceStreamReader(aiter(request_iterator), mailbox, self.deps.shutting_down)
            try:
                # A device that (re)connects learns who is checked in now.
                for record in await checkins.list_open_check_ins(self.deps, device):
                    yield score_pb2.StreamScoresResponse(check_in=checkin_service.check_in(record))
                while True:
                    kind, item = await reader.next()
                    if kind == "end":
                        return
                    if kind == "notices":
                        for record in item:
                            yield score_pb2.StreamScoresResponse(check_in=checkin_service.check_in(record))
                        continue
                    # The token is checked again for each message, through the
                    # short cache, so a revoked or replaced token also ends
                    # open streams.
                    await self.deps.device_tokens.authenticate(self.deps, token)
                    response = await self._answer(device, item)
                    if response is not None:
                        yield response
            finally:
                reader.close()

    async def _answer(self, device, request) -> score_pb2.StreamScoresResponse | None:
        """Handle one message: a score, a status report (no response) or a check-in code request."""
        report = request.WhichOneof("report")
        try:
            if report == "status":
                await statuses.do_report_status(self.deps, device, machine_status.state_name(request.status.state))
                return None
            if report == "check_in_code":
                code = await checkins.do_create_code(self.deps, device, request.check_in_code.player_slot)
                return score_pb2.StreamScoresResponse(check_in_code=checkin_service.check_in_code(code))
            accepted = await scores.check_submit_score(self.deps, device, _submission(request.score))
        except OriginError as error:
            # A rejected message does not end the stream: the device learns
            # why and goes on with the next one.
            return score_pb2.StreamScoresResponse(submission_id=request.score.submission_id, error=status_proto(error))
        return score_pb2.StreamScoresResponse(
            submission_id=request.score.submission_id,
            score=convert.score(accepted.score),
            duplicate=accepted.duplicate,
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
        # Writes the encoded WatchBoardResponse bytes that the hub made once
        # for all watchers. add_score_service registers this method with a
        # serializer that passes them on as they are. A coroutine with
        # context.write keeps each open watch smaller than an async generator.
        board = await self._board(request)
        page_size = _page_size(request.page_size)
        resume_time = _resume_time(request)
        watcher = self.deps.hub.watch(board, page_size)
        try:
            async with watcher:
                page, message = await watcher.next()
                if resume_time is not None:
                    message += await self._missed_events(board, page_size, resume_time, page)
                await context.write(message)
                while True:
                    _, message = await watcher.next()
                    await context.write(message)
        except HubClosed:
            raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN") from None

    async def _missed_events(
        self, board: boards.Board, page_size: int, resume_time: datetime.datetime, page: boards.BoardPage
    ) -> bytes:
        """Encode the events between the board as of `resume_time` and `page`, for a reconnecting watcher."""
        if resume_time < datetime.datetime.now(datetime.timezone.utc) - MAX_RESUME_AGE:
            return b""
        earlier = await boards.read_board(
            self.deps, board, instant=resume_time, page_size=page_size, read_time=resume_time
        )
        return b"".join(WATCH_ENCODER.event(event) for event in boards.diff_events(earlier, page))

    async def _board(self, request) -> boards.Board:
        board = await boards.check_board(
            self.deps,
            game=request.game,
            scope=convert.board_choice("scope", request.scope, convert.SCOPES, common_pb2.BoardScope, required=True),
            arcade_id=request.arcade_id,
            machine_id=request.machine_id,
            period=convert.board_choice("period", request.period, convert.PERIODS, common_pb2.BoardPeriod),
            mode=convert.board_choice("mode", request.mode, convert.MODES, common_pb2.BoardMode),
        )
        roles.check_api_key_board(current_caller(), board.arcade_id)
        return board


def _resume_time(request) -> datetime.datetime | None:
    resume_time = convert.optional_time(request, "resume_time")
    if resume_time is None:
        return None
    # A little clock difference between a client's copy and this server is
    # harmless: the snapshot times come from the servers' own clocks.
    if resume_time > datetime.datetime.now(datetime.timezone.utc) + RESUME_CLOCK_SKEW:
        raise InvalidArgument("resume_time", "must not be in the future; pass the read_time of the last snapshot")
    return resume_time


def _page_size(value: int) -> int:
    return validate.page_size("page_size", value, default=10)


def _encode_watch_snapshot(page: boards.BoardPage) -> bytes:
    return score_pb2.WatchBoardResponse(snapshot=convert.snapshot(page)).SerializeToString()


def _encode_watch_event(event: boards.BoardEvent) -> bytes:
    return score_pb2.WatchBoardResponse(events=[convert.board_event(event)]).SerializeToString()


# WatchBoardResponse bytes for the board hub. A snapshot message followed by
# event messages parses as one WatchBoardResponse with both fields set.
WATCH_ENCODER = Encoder(snapshot=_encode_watch_snapshot, event=_encode_watch_event)


def _send_as_is(message: bytes) -> bytes:
    return message


class _MethodHandlerCapture:
    """Stands in for a server to capture the method handlers that generated code registers."""

    def __init__(self) -> None:
        self.service = ""
        self.handlers: dict[str, grpc.RpcMethodHandler] = {}

    def add_generic_rpc_handlers(self, handlers) -> None:
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        self.service, self.handlers = service, dict(handlers)


def add_score_service(service: ScoreService, server: grpc.aio.Server) -> None:
    """Register ScoreService as the generated code does, except that
    WatchBoard sends the bytes its handler writes without serialising them.

    The interceptors wrap the handler and keep its serializers, so auth,
    policy and logging run as for every other method.
    """
    capture = _MethodHandlerCapture()
    score_pb2_grpc.add_ScoreServiceServicer_to_server(service, capture)
    handlers = capture.handlers
    watch = handlers["WatchBoard"]
    handlers["WatchBoard"] = grpc.unary_stream_rpc_method_handler(
        watch.unary_stream, request_deserializer=watch.request_deserializer, response_serializer=_send_as_is
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(capture.service, handlers),))
    server.add_registered_method_handlers(capture.service, handlers)
