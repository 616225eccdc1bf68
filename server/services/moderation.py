"""ModerationService: voids, held scores, plausible ranges and claim windows."""

from __future__ import annotations

from google.protobuf import duration_pb2
from origin.v1 import moderation_pb2, moderation_pb2_grpc

from server.deps import Deps
from server.domain import moderation
from server.errors import InvalidArgument
from server.interceptors import current_caller
from server.services import convert


def _whole_seconds(request) -> int | None:
    if not request.HasField("claim_window"):
        return None
    window = request.claim_window
    if window.nanos != 0:
        raise InvalidArgument("claim_window", "must be whole seconds")
    return window.seconds


class ModerationService(moderation_pb2_grpc.ModerationServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def VoidScore(self, request, context):
        record = await moderation.do_void_score(self.deps, current_caller(), request.score_id, request.reason)
        return moderation_pb2.VoidScoreResponse(score=convert.score(record))

    async def ApproveScore(self, request, context):
        record = await moderation.do_approve_score(self.deps, current_caller(), request.score_id)
        return moderation_pb2.ApproveScoreResponse(score=convert.score(record))

    async def ListHeldScores(self, request, context):
        page = await moderation.list_held_scores(
            self.deps, current_caller(), request.arcade_id, request.page_size, request.page_token
        )
        return moderation_pb2.ListHeldScoresResponse(
            scores=[convert.score(record) for record in page.scores], next_page_token=page.next_page_token
        )

    async def SetScoreRange(self, request, context):
        game, low, high = await moderation.check_set_score_range(
            self.deps,
            current_caller(),
            arcade_id=request.arcade_id,
            game=request.game,
            min_value=request.min_value,
            max_value=request.max_value,
        )
        return moderation_pb2.SetScoreRangeResponse(game=game, min_value=low, max_value=high)

    async def SetClaimWindow(self, request, context):
        seconds = await moderation.check_set_claim_window(
            self.deps, current_caller(), request.arcade_id, _whole_seconds(request)
        )
        return moderation_pb2.SetClaimWindowResponse(claim_window=duration_pb2.Duration(seconds=seconds))
