"""Assemble and run the gRPC server: services, health, reflection, interceptors."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from origin.v1 import arcade_pb2, auth_pb2, game_pb2, machine_pb2, score_pb2
from origin.v1 import arcade_pb2_grpc, auth_pb2_grpc, game_pb2_grpc, machine_pb2_grpc
from origin.v1 import checkin_pb2, checkin_pb2_grpc, machine_status_pb2, machine_status_pb2_grpc
from origin.v1 import moderation_pb2, moderation_pb2_grpc
from origin.v1 import session_pb2, session_pb2_grpc
from origin.v1 import account_pb2, account_pb2_grpc, api_key_pb2, api_key_pb2_grpc, staff_pb2, staff_pb2_grpc
from origin.v1 import second_factor_pb2, second_factor_pb2_grpc

from server.db.engine import create_engine
from server.deps import Deps
from server.domain import boards, checkins, limits, security, statuses
from server.domain.api_keys import TokenBuckets
from server.domain.limits import FailureLimiter
from server.domain.machines import DeviceTokenCache
from server.domain.sessions import SessionCache
from server.gateway import RunningGateway, grpc_target_for, start_gateway
from server.gateway.local import HandlerRecorder, LocalInvoker
from server.interceptors import OriginInterceptor
from server.jobs.mail import MailSender
from server.live.devices import DeviceMailboxes
from server.live.hub import BoardHub
from server.live.relay import BoardRelay
from server.live.statuses import StatusHub
from server.services.account import AccountService
from server.services.api_key import ApiKeyService
from server.services.arcade import ArcadeService
from server.services.auth import AuthService
from server.services.checkin import CheckInService
from server.services.game import GameService
from server.services.machine import MachineService
from server.services.machine_status import MachineStatusService
from server.services.moderation import ModerationService
from server.services.score import WATCH_ENCODER, ScoreService, add_score_service
from server.services.second_factor import SecondFactorService
from server.services.session import SessionService
from server.services.staff import StaffService
from server.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_NAMES = [
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
    arcade_pb2.DESCRIPTOR.services_by_name["ArcadeService"].full_name,
    game_pb2.DESCRIPTOR.services_by_name["GameService"].full_name,
    machine_pb2.DESCRIPTOR.services_by_name["MachineService"].full_name,
    score_pb2.DESCRIPTOR.services_by_name["ScoreService"].full_name,
    checkin_pb2.DESCRIPTOR.services_by_name["CheckInService"].full_name,
    machine_status_pb2.DESCRIPTOR.services_by_name["MachineStatusService"].full_name,
    moderation_pb2.DESCRIPTOR.services_by_name["ModerationService"].full_name,
    session_pb2.DESCRIPTOR.services_by_name["SessionService"].full_name,
    account_pb2.DESCRIPTOR.services_by_name["AccountService"].full_name,
    staff_pb2.DESCRIPTOR.services_by_name["StaffService"].full_name,
    api_key_pb2.DESCRIPTOR.services_by_name["ApiKeyService"].full_name,
    second_factor_pb2.DESCRIPTOR.services_by_name["SecondFactorService"].full_name,
]

# gRPC core cancels calls beyond its queue of calls that the application has
# not picked up yet (grpcio 1.85: 1,000 by default). When thousands of
# scoreboards reconnect at once, for example after a restart, that queue
# fills faster than the event loop picks calls up, so it is sized for several
# thousand watchers per process.
SERVER_OPTIONS = [
    ("grpc.server.max_pending_requests", 10_000),
    ("grpc.server.max_pending_requests_hard_limit", 20_000),
]


@dataclasses.dataclass
class RunningServer:
    server: grpc.aio.Server
    deps: Deps
    health: health.aio.HealthServicer
    port: int
    relay: BoardRelay
    # The REST/JSON and gRPC-Web gateway; None when settings.http_addr is empty.
    gateway: RunningGateway | None = None

    @property
    def http_port(self) -> int | None:
        return self.gateway.port if self.gateway is not None else None

    async def stop(self) -> None:
        """Shut down cleanly: report NOT_SERVING, end streams, let calls finish, then stop.

        The gateway stops first, so HTTP calls in flight can still reach the
        gRPC server while they finish.
        """
        await self.health.enter_graceful_shutdown()
        if self.gateway is not None:
            await self.gateway.stop()
        self.deps.shutting_down.set()
        self.deps.hub.close()
        self.deps.statuses.close()
        await self.server.stop(self.deps.settings.shutdown_grace_seconds)
        if self.deps.mail is not None:
            await self.deps.mail.stop()
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
        WATCH_ENCODER,
    )
    deps.mailboxes = DeviceMailboxes()
    deps.statuses = StatusHub(
        lambda arcade_id: statuses.read_arcade_statuses(deps, arcade_id),
        settings.watch_coalesce_seconds,
        settings.device_offline_seconds,
    )
    deps.claim_failures = FailureLimiter(settings.check_in_max_failures, checkins.FAILURE_WINDOW_SECONDS)
    deps.account_failures = limits.account_backoff()
    deps.address_failures = limits.address_backoff()
    deps.sessions = SessionCache(settings.device_token_cache_seconds)
    deps.api_key_limits = TokenBuckets(settings.api_key_rate, settings.api_key_burst)
    deps.mail = MailSender(deps)
    deps.mail.start()
    relay = BoardRelay(database_url, deps.hub, settings.watch_coalesce_seconds)
    deps.hub.listeners.append(relay.note)
    await relay.start()

    interceptors = [OriginInterceptor(deps)]
    # The recorder keeps the registered handlers, so the gateway can call
    # them in process (server/gateway/local.py).
    server = HandlerRecorder(grpc.aio.server(interceptors=interceptors, options=SERVER_OPTIONS))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthService(deps), server)
    arcade_pb2_grpc.add_ArcadeServiceServicer_to_server(ArcadeService(deps), server)
    game_pb2_grpc.add_GameServiceServicer_to_server(GameService(deps), server)
    machine_pb2_grpc.add_MachineServiceServicer_to_server(MachineService(deps), server)
    add_score_service(ScoreService(deps), server)
    checkin_pb2_grpc.add_CheckInServiceServicer_to_server(CheckInService(deps), server)
    machine_status_pb2_grpc.add_MachineStatusServiceServicer_to_server(MachineStatusService(deps), server)
    moderation_pb2_grpc.add_ModerationServiceServicer_to_server(ModerationService(deps), server)
    session_pb2_grpc.add_SessionServiceServicer_to_server(SessionService(deps), server)
    account_pb2_grpc.add_AccountServiceServicer_to_server(AccountService(deps), server)
    staff_pb2_grpc.add_StaffServiceServicer_to_server(StaffService(deps), server)
    api_key_pb2_grpc.add_ApiKeyServiceServicer_to_server(ApiKeyService(deps), server)
    second_factor_pb2_grpc.add_SecondFactorServiceServicer_to_server(SecondFactorService(deps), server)

    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    # Reflection picks its asyncio servicer by the server's type, so it gets the real one.
    reflection.enable_server_reflection(SERVICE_NAMES + [health.SERVICE_NAME, reflection.SERVICE_NAME], server.server)

    port = server.add_insecure_port(settings.grpc_addr)
    if port == 0:
        raise RuntimeError(f"cannot listen on {settings.grpc_addr}")
    await server.start()
    for name in SERVICE_NAMES + [""]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    logger.info("serving gRPC on %s", settings.grpc_addr.rsplit(":", 1)[0] + f":{port}")
    running = RunningServer(server, deps, health_servicer, port, relay)

    if settings.http_addr:
        try:
            local = LocalInvoker(server.generic_handlers, interceptors)
            running.gateway = await start_gateway(settings, grpc_target_for(settings.grpc_addr, port), local=local)
        except BaseException:
            await running.stop()
            raise
    return running
