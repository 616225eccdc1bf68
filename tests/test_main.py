"""`python -m server` on embedded PostgreSQL: start, serve, shut down on
SIGTERM/SIGINT, and start again with the data kept.

These tests always use the embedded server, even when TEST_DATABASE_URL is
set, because that is what `make run` does on a fresh machine.
"""

import asyncio
import os
import pathlib
import shutil
import signal
import socket
import sys
import tempfile

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from origin.v1 import auth_pb2, auth_pb2_grpc, common_pb2, score_pb2, score_pb2_grpc

from tests.conftest import Api
from tests.helpers import PASSWORD, create_arcade, create_machine, sign_up

REPO = pathlib.Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, data_dir: pathlib.Path, port: int):
        self.data_dir = data_dir
        self.port = port
        self.process: asyncio.subprocess.Process | None = None
        self.log = data_dir / "server.log"

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
        env.update(
            ORIGIN_DATA_DIR=str(self.data_dir),
            ORIGIN_GRPC_ADDR=f"127.0.0.1:{self.port}",
            # A free port, so the gateway never collides with another server on 8080.
            ORIGIN_HTTP_ADDR="127.0.0.1:0",
            ORIGIN_SHUTDOWN_GRACE_SECONDS="3",
        )
        with open(self.log, "ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server", cwd=REPO, env=env, stdout=log, stderr=log
            )
        await self._wait_serving()

    async def _wait_serving(self) -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for _ in range(600):
                if self.process.returncode is not None:
                    raise AssertionError(f"server exited early:\n{self.log.read_text()}")
                try:
                    reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"server did not report SERVING:\n{self.log.read_text()}")

    async def stop(self, signum=signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return await asyncio.wait_for(self.process.wait(), 30)


@pytest.fixture
async def server_processes():
    """Track started servers and kill any still running when the test ends,
    so a failed test leaves no server holding its ports."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        if server.process is not None and server.process.returncode is None:
            server.process.kill()
            await server.process.wait()


@pytest.fixture
async def data_dir():
    directory = pathlib.Path(tempfile.mkdtemp(prefix="origin-main-"))
    # The embedded server runs as its own system user when started by root,
    # so the directory must be reachable by others.
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


async def test_restart_keeps_data(data_dir, server_processes):
    server = ServerProcess(data_dir, _free_port())
    server_processes.append(server)
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            auth = auth_pb2_grpc.AuthServiceStub(channel)
            await auth.CreateUser(
                auth_pb2.CreateUserRequest(email="keep@example.com", password=PASSWORD, screen_name="keeper")
            )
    finally:
        assert await server.stop(signal.SIGINT) == 0

    secret = data_dir / "jwt-secret"
    assert secret.exists()
    assert secret.stat().st_mode & 0o077 == 0

    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            auth = auth_pb2_grpc.AuthServiceStub(channel)
            token = await auth.CreateToken(auth_pb2.CreateTokenRequest(email="keep@example.com", password=PASSWORD))
            assert token.access_token
    finally:
        assert await server.stop() == 0
    assert "Traceback" not in server.log.read_text()


async def test_sigterm_ends_streams_and_keeps_acked_scores(data_dir, server_processes):
    server = ServerProcess(data_dir, _free_port())
    server_processes.append(server)
    await server.start()
    acked: list[str] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        api = Api(channel)
        owner = await sign_up(api)
        arcade = await create_arcade(api, owner)
        machine = await create_machine(api, owner, arcade.id)

        watch = api.scores.WatchBoard(
            score_pb2.WatchBoardRequest(game=machine.game_id, scope=common_pb2.BOARD_SCOPE_GLOBAL)
        )
        first = await watch.read()
        assert first.snapshot.total_size == 0

        async def requests():
            for number in range(10_000):
                yield score_pb2.StreamScoresRequest(
                    score=score_pb2.SubmitScoreRequest(submission_id=f"s{number}", value=number)
                )
                await asyncio.sleep(0.005)

        stream = api.scores.StreamScores(requests(), metadata=machine.metadata)
        with pytest.raises(grpc.aio.AioRpcError) as ended:
            async for response in stream:
                assert response.WhichOneof("result") == "score"
                acked.append(response.submission_id)
                if len(acked) == 20:
                    # Scores keep arriving while the server shuts down.
                    server.process.send_signal(signal.SIGTERM)
        assert ended.value.code() == grpc.StatusCode.UNAVAILABLE

        with pytest.raises(grpc.aio.AioRpcError) as watch_ended:
            while True:
                await asyncio.wait_for(watch.read(), 10)
        assert watch_ended.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await asyncio.wait_for(server.process.wait(), 30) == 0
    assert len(acked) >= 20

    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            scores = score_pb2_grpc.ScoreServiceStub(channel)
            listed = await scores.ListTopScores(
                score_pb2.ListTopScoresRequest(
                    game=machine.game_id,
                    scope=common_pb2.BOARD_SCOPE_MACHINE,
                    machine_id=machine.machine_id,
                    mode=common_pb2.BOARD_MODE_EVERY_ENTRY,
                    page_size=1,
                )
            )
        # Every acknowledged score survived. At most one more may be stored:
        # one whose commit raced the end of the grace period, which the
        # device resends and the server then recognises as a duplicate.
        assert listed.total_size >= len(acked)
        assert listed.total_size <= len(acked) + 1
    finally:
        assert await server.stop() == 0
