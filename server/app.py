"""Assemble and run the gRPC server: services, health, reflection, interceptors."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from origin.v1 import arcade_pb2, auth_pb2, game_pb2, machine_pb2, score_pb2
from origin.v1 import arcade_pb2_grpc, auth_pb2_grpc, game_pb2_grpc, machine_pb2_grpc, score_pb2_grpc

from server.db.engine import create_engine
from server.deps import Deps
from server.domain import boards, security
from server.domain.machines import DeviceTokenCache
from server.interceptors import OriginInterceptor
from server.live.hub import BoardHub
from server.live.relay import BoardRelay
from server.services.arcade import ArcadeService
from server.services.auth import AuthService
from server.services.game import GameService
from server.services.machine import MachineService
from server.services.score import ScoreService
from server.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_NAMES = [
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
    arcade_pb2.DESCRIPTOR.services_by_name["ArcadeService"].full_name,
    game_pb2.DESCRIPTOR.services_by_name["GameService"].full_name,
    machine_pb2.DESCRIPTOR.services_by_name["MachineService"].full_name,
    score_pb2.DESCRIPTOR.services_by_name["ScoreService"].full_name,
]


@dataclasses.dataclass
class RunningServer:
    server: grpc.aio.Server
    deps: Deps
    health: health.aio.HealthServicer
    port: int
    relay: BoardRelay

    async def stop(self) -> None:
        """Shut down cleanly: report NOT_SERVING, end streams, let calls finish, then stop."""
        await self.health.enter_graceful_shutdown()
        self.deps.shutting_down.set()
        self.deps.hub.close()
        await self.server.stop(self.deps.settings.shutdown_grace_seconds)
        await self.relay.stop()
        await self.deps.engine.dispose()
        logger.info("server stopped")


async def start_server(settings: Settings, database_url: str) -> RunningServer:
    """Start serving on settings.grpc_addr (port 0 picks a free port)."""
    engine = create_engine(database_url)
    jwt_secret = security.load_or_create_jwt_secret(settings.jwt_secret, settings.data_dir)
    deps = Deps(
        settings=settings,
        engine=engine,
        jwt_secret=jwt_secret,
        hub=None,  # type: ignore[arg-type]  # set below: the hub's reader needs deps
        device_tokens=DeviceTokenCache(settings.device_token_cache_seconds),
    )
    deps.hub = BoardHub(
        lambda board, size: boards.read_board(deps, board, instant=None, page_size=size),
        settings.watch_coalesce_seconds,
    )
    relay = BoardRelay(database_url, deps.hub, settings.watch_coalesce_seconds)
    deps.hub.listeners.append(relay.note)
    await relay.start()

    server = grpc.aio.server(interceptors=[OriginInterceptor(deps)])
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthService(deps), server)
    arcade_pb2_grpc.add_ArcadeServiceServicer_to_server(ArcadeService(deps), server)
    game_pb2_grpc.add_GameServiceServicer_to_server(GameService(deps), server)
    machine_pb2_grpc.add_MachineServiceServicer_to_server(MachineService(deps), server)
    score_pb2_grpc.add_ScoreServiceServicer_to_server(ScoreService(deps), server)

    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(SERVICE_NAMES + [health.SERVICE_NAME, reflection.SERVICE_NAME], server)

    port = server.add_insecure_port(settings.grpc_addr)
    if port == 0:
        raise RuntimeError(f"cannot listen on {settings.grpc_addr}")
    await server.start()
    for name in SERVICE_NAMES + [""]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    logger.info("serving gRPC on %s", settings.grpc_addr.rsplit(":", 1)[0] + f":{port}")
    return RunningServer(server, deps, health_servicer, port, relay)
