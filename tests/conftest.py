"""Shared fixtures: a real PostgreSQL, a migrated template database cloned per
test, and real servers on free ports.

TEST_DATABASE_URL, when set, names a server where the tests may create
databases (CI points it at 127.0.0.1:5432/test). Unset, the tests start an
embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import tempfile
import urllib.parse
import uuid

import grpc
import psycopg
import pytest
from origin.v1 import arcade_pb2_grpc, auth_pb2_grpc, game_pb2_grpc, machine_pb2_grpc, score_pb2_grpc
from origin.v1 import session_pb2_grpc
from origin.v1 import checkin_pb2_grpc, machine_status_pb2_grpc, moderation_pb2_grpc

from server.app import RunningServer, start_server
from server.db.migrate import apply_migrations
from server.settings import Settings
from tests.mailbox import Mailbox, start_smtp_server


def _with_database(url: str, name: str) -> str:
    """Return `url` pointing at database `name` (keeps host, port, user and query)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def postgres_admin_url():
    """A libpq connection string to a database from which others can be created."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return

    from server.db.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="origin-test-pg-") as directory:
        os.chmod(directory, 0o755)
        embedded = EmbeddedPostgres(pathlib.Path(directory) / "pgdata")
        url = embedded.start()
        try:
            yield url
        finally:
            embedded.stop()


@pytest.fixture(scope="session")
async def template_database(postgres_admin_url):
    """A database with every migration applied, used as the template of each test's database."""
    name = f"origin_template_{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    await apply_migrations(_with_database(postgres_admin_url, name))
    yield name
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database_url(postgres_admin_url, template_database):
    """A fresh, migrated database for one test, dropped afterwards."""
    name = f"origin_test_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield _with_database(postgres_admin_url, name)
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def empty_database_url(postgres_admin_url):
    """A database with no migrations applied, for the migration tests."""
    name = f"origin_empty_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(postgres_admin_url, name)
    async with await psycopg.AsyncConnection.connect(postgres_admin_url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url):
    """A psycopg connection (autocommit) to the test's database, for direct checks."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        yield conn


@dataclasses.dataclass
class Api:
    """Stubs of every service over one channel to a running server."""

    channel: grpc.aio.Channel
    running: RunningServer | None = None
    # The test SMTP server's messages, when the server sends mail to it.
    mailbox: Mailbox | None = None

    def __post_init__(self):
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.arcades = arcade_pb2_grpc.ArcadeServiceStub(self.channel)
        self.games = game_pb2_grpc.GameServiceStub(self.channel)
        self.machines = machine_pb2_grpc.MachineServiceStub(self.channel)
        self.scores = score_pb2_grpc.ScoreServiceStub(self.channel)
        self.sessions = session_pb2_grpc.SessionServiceStub(self.channel)
        self.checkins = checkin_pb2_grpc.CheckInServiceStub(self.channel)
        self.statuses = machine_status_pb2_grpc.MachineStatusServiceStub(self.channel)
        self.moderation = moderation_pb2_grpc.ModerationServiceStub(self.channel)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.running.port}"


def test_settings(tmp_path: pathlib.Path, **overrides) -> Settings:
    values = dict(
        grpc_addr="127.0.0.1:0",
        http_addr="127.0.0.1:0",
        data_dir=tmp_path,
        jwt_secret="test-secret-" + "x" * 32,
        shutdown_grace_seconds=2.0,
        watch_coalesce_seconds=0.1,
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, shared by the session."""
    controller, mailbox = start_smtp_server()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    """The test SMTP server's messages, emptied for each test."""
    _, box = smtp_server
    box.clear()
    return box


def smtp_settings(smtp_server) -> dict:
    """Settings that send mail to the test SMTP server, without TLS."""
    controller, _ = smtp_server
    return dict(smtp_host=controller.hostname, smtp_port=controller.port, smtp_starttls=False, account_reply_seconds=0.0)


@contextlib.asynccontextmanager
async def serving(database_url: str, settings: Settings, mailbox: Mailbox | None = None):
    running = await start_server(settings, database_url)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        yield Api(channel, running, mailbox)
    finally:
        await channel.close()
        await running.stop()


@pytest.fixture
async def api(database_url, tmp_path, smtp_server, mailbox):
    """A real server on a free port with a fresh database, sending mail to the test SMTP server, and stubs for it."""
    settings = test_settings(tmp_path, **smtp_settings(smtp_server))
    async with serving(database_url, settings, mailbox) as running_api:
        yield running_api
