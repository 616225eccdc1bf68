"""ArcadeService: arcades and the nearby search."""

from __future__ import annotations

from origin.v1 import arcade_pb2, arcade_pb2_grpc

from server.deps import Deps
from server.domain import arcades
from server.interceptors import current_caller
from server.services import convert


class ArcadeService(arcade_pb2_grpc.ArcadeServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateArcade(self, request, context):
        record = await arcades.check_create_arcade(
            self.deps,
            current_caller(),
            display_name=request.display_name,
            address=request.address,
            latitude=request.latitude,
            longitude=request.longitude,
            time_zone=request.time_zone,
            request_id=request.request_id,
        )
        return arcade_pb2.CreateArcadeResponse(arcade=convert.arcade(record))

    async def GetArcade(self, request, context):
        record = await arcades.get_arcade(self.deps, request.arcade_id, convert.optional_time(request, "read_time"))
        return arcade_pb2.GetArcadeResponse(arcade=convert.arcade(record))

    async def ListNearbyArcades(self, request, context):
        page = await arcades.list_nearby_arcades(
            self.deps,
            latitude=request.latitude,
            longitude=request.longitude,
            radius_meters=request.radius_meters,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return arcade_pb2.ListNearbyArcadesResponse(
            arcades=[
                arcade_pb2.NearbyArcade(arcade=convert.arcade(record), distance_meters=distance)
                for record, distance in page.arcades
            ],
            next_page_token=page.next_page_token,
        )
