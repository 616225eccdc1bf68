"""Replay PinMAME high-score tables into a server, as the machines' devices would send them.

The input is JSON Lines, one high-score entry per line, with the fields `rom`,
`title`, `last_played`, `position`, `initials` and `score`. Each ROM becomes
one machine in one arcade owned by the replaying account, and each entry is
sent through that machine's `DeviceClient` with the submission ID
`<rom>:<position>`. Every ID is fixed (account, arcade `request_id`, machine
`request_id`, submission ID), so replaying a file again stores nothing new.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import pathlib
import re
import unicodedata
import zoneinfo

import grpc
from origin.v1 import arcade_pb2, arcade_pb2_grpc, auth_pb2, auth_pb2_grpc, machine_pb2, machine_pb2_grpc

from origin_sdk.device import DeviceClient, DeviceError, DeviceStats

logger = logging.getLogger(__name__)

ARCADE_REQUEST_ID = "pinmame-replay"
ARCADE_NAME = "PinMAME replay"
LAST_PLAYED_FORMAT = "%Y-%m-%d %H:%M"

# Some entries spell a character outside ASCII as the six characters "\u00XX".
# Decoding them keeps "\u00FF\u00FF\u00FF" at three characters, within the
# server's 16-character limit for initials.
_ESCAPED_CHARACTER = re.compile(r"\\u([0-9A-Fa-f]{4})")
# The server rejects initials with control, format, surrogate, private-use or
# unassigned characters.
_REJECTED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


class ReplayError(Exception):
    """The replay cannot go on: bad input, or a call the server rejected."""


@dataclasses.dataclass(frozen=True)
class TableEntry:
    """One line of a machine's high-score table."""

    rom: str
    title: str | None
    # Machine-local wall time, without a zone.
    last_played: datetime.datetime | None
    position: int
    initials: str | None
    score: int

    @property
    def submission_id(self) -> str:
        return f"{self.rom}:{self.position}"


@dataclasses.dataclass(frozen=True)
class ReplayOptions:
    """Settings of a replay: the server, the owner account and the limits."""

    target: str
    email: str
    password: str
    screen_name: str
    outbox_dir: pathlib.Path
    # The arcade's IANA time zone, in which `last_played` times are read.
    time_zone: str = "UTC"
    # Machines whose streams run at the same time.
    concurrency: int = 8
    # Seconds to wait for the server to acknowledge one machine's entries.
    flush_timeout: float = 60.0
    # TLS credentials; None means a plaintext channel.
    credentials: grpc.ChannelCredentials | None = None


@dataclasses.dataclass
class ReplaySummary:
    """The outcome of a replay: response counts, and each ROM's registered machine."""

    machines: dict[str, machine_pb2.Machine] = dataclasses.field(default_factory=dict)
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


def read_tables(path: pathlib.Path) -> dict[str, list[TableEntry]]:
    """Parse a JSON Lines file into high-score tables by ROM, in file order.
    Raises ReplayError naming the line of a malformed entry."""
    tables: dict[str, list[TableEntry]] = {}
    first_lines: dict[str, int] = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = _parse_entry(json.loads(line))
            except KeyError as error:
                raise ReplayError(f"{path}:{number}: invalid high-score entry: missing field {error}") from None
            except (ValueError, TypeError) as error:
                raise ReplayError(f"{path}:{number}: invalid high-score entry: {error}") from None

            # The submission ID comes from the ROM and position, so a repeated
            # pair would make two entries one score.
            first = first_lines.setdefault(entry.submission_id, number)
            if first != number:
                raise ReplayError(f"{path}:{number}: duplicate entry {entry.submission_id}, first on line {first}")
            tables.setdefault(entry.rom, []).append(entry)
    return tables


def _parse_entry(fields: dict) -> TableEntry:
    rom, title, initials = fields["rom"], fields["title"], fields["initials"]
    position, score, last_played = fields["position"], fields["score"], fields["last_played"]
    if not isinstance(rom, str) or not rom:
        raise ValueError(f"rom must be a non-empty string, got {rom!r}")
    if not (title is None or isinstance(title, str)) or not (initials is None or isinstance(initials, str)):
        raise ValueError("title and initials must be strings or null")
    for name, number in (("position", position), ("score", score)):
        if not isinstance(number, int) or isinstance(number, bool):
            raise ValueError(f"{name} must be an integer, got {number!r}")
    # A negative score is sent, so that the server's rejection is counted.
    if not -(2**63) <= score < 2**63:
        raise ValueError(f"score must fit in a signed 64-bit integer, got {score}")

    played = None
    if last_played is not None:
        played = datetime.datetime.strptime(last_played, LAST_PLAYED_FORMAT)
    return TableEntry(rom, title, played, position, initials, score)


def clean_initials(raw: str | None) -> str | None:
    """Return initials the server accepts: escaped characters decoded, and
    each character the server rejects replaced by "?". None stays None."""
    if raw is None:
        return None
    decoded = _ESCAPED_CHARACTER.sub(lambda match: chr(int(match.group(1), 16)), raw)
    return "".join("?" if unicodedata.category(ch) in _REJECTED_CATEGORIES else ch for ch in decoded)


def achieve_time(last_played: datetime.datetime | None, zone: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """Read a machine-local time in the arcade's zone. A time skipped or
    repeated by a daylight-saving change takes the offset from before it."""
    if last_played is None:
        return None
    return last_played.replace(tzinfo=zone)


async def replay(path: pathlib.Path, options: ReplayOptions) -> ReplaySummary:
    """Register the owner, arcade and machines, send every entry, and wait
    until the server has acknowledged all of them."""
    tables = await asyncio.to_thread(read_tables, path)
    await asyncio.to_thread(options.outbox_dir.mkdir, parents=True, exist_ok=True)

    if options.credentials is None:
        channel = grpc.aio.insecure_channel(options.target)
    else:
        channel = grpc.aio.secure_channel(options.target, options.credentials)
    async with channel:
        metadata = (("authorization", f"Bearer {await _sign_in(channel, options)}"),)
        arcade = await _create_arcade(channel, metadata, options)
        logger.info("replaying %d tables into arcade %s", len(tables), arcade.id)
        return await _Replayer(channel, metadata, arcade, options).run(tables)


@contextlib.contextmanager
def _calling(action: str):
    """Turn a failed call into a ReplayError that names what was attempted."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        raise ReplayError(f"{action} failed: {error.code().name}: {error.details()}") from error


async def _sign_in(channel: grpc.aio.Channel, options: ReplayOptions) -> str:
    """Create the owner's account unless it exists, then return an access token."""
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    account = auth_pb2.CreateUserRequest(
        email=options.email, password=options.password, screen_name=options.screen_name
    )
    try:
        await auth.CreateUser(account)
        logger.info("created the account %s", options.email)
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            message = f"creating the account {options.email} failed: {error.code().name}: {error.details()}"
            raise ReplayError(message) from error

    action = (
        f"signing in as {options.email} (if the account is new, its screen name"
        f" {options.screen_name!r} may belong to another account)"
    )
    with _calling(action):
        reply = await auth.CreateToken(auth_pb2.CreateTokenRequest(email=options.email, password=options.password))
    return reply.access_token


async def _create_arcade(channel: grpc.aio.Channel, metadata, options: ReplayOptions) -> arcade_pb2.Arcade:
    request = arcade_pb2.CreateArcadeRequest(
        display_name=ARCADE_NAME, time_zone=options.time_zone, request_id=ARCADE_REQUEST_ID
    )
    with _calling(f"creating the arcade {ARCADE_NAME!r} in {options.time_zone}"):
        reply = await arcade_pb2_grpc.ArcadeServiceStub(channel).CreateArcade(request, metadata=metadata)
    return reply.arcade


class _Replayer:
    """Replays tables into one arcade, collecting the outcome in `summary`."""

    def __init__(self, channel: grpc.aio.Channel, metadata, arcade: arcade_pb2.Arcade, options: ReplayOptions):
        self.machines = machine_pb2_grpc.MachineServiceStub(channel)
        self.metadata = metadata
        self.arcade_id = arcade.id
        self.zone = zoneinfo.ZoneInfo(arcade.time_zone)
        self.options = options
        self.summary = ReplaySummary()

    async def run(self, tables: dict[str, list[TableEntry]]) -> ReplaySummary:
        """Replay the tables with at most `options.concurrency` machine streams open."""
        remaining = iter(tables.items())

        async def work_through_tables() -> None:
            # The workers share one iterator. next() never awaits, so no two
            # workers take the same table.
            for rom, entries in remaining:
                await self.replay_machine(rom, entries)

        workers = [asyncio.create_task(work_through_tables()) for _ in range(max(1, self.options.concurrency))]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return self.summary

    async def replay_machine(self, rom: str, entries: list[TableEntry]) -> None:
        """Register one ROM's machine and send its table through a device stream."""
        # A retried CreateMachine returns the same machine with a new device
        # token, so a second replay reaches the machines of the first.
        title = entries[0].title or rom
        request = machine_pb2.CreateMachineRequest(arcade_id=self.arcade_id, game_title=title, request_id=rom)
        with _calling(f"registering the machine for ROM {rom}"):
            reply = await self.machines.CreateMachine(request, metadata=self.metadata)

        try:
            stats = await self.send_table(reply.device_token, _outbox_path(self.options.outbox_dir, rom), entries)
        except (DeviceError, TimeoutError) as error:
            raise ReplayError(f"sending the table of ROM {rom} failed: {error}") from error

        self.summary.machines[rom] = reply.machine
        self.summary.sent += len(entries)
        self.summary.accepted += stats.accepted
        self.summary.duplicates += stats.duplicates
        self.summary.rejected += stats.rejected

    async def send_table(self, device_token: str, outbox: pathlib.Path, entries: list[TableEntry]) -> DeviceStats:
        options = self.options
        async with DeviceClient(options.target, device_token, outbox, credentials=options.credentials) as device:
            for entry in entries:
                await device.submit(
                    entry.submission_id,
                    entry.score,
                    initials=clean_initials(entry.initials),
                    achieve_time=achieve_time(entry.last_played, self.zone),
                )
            await device.flush(options.flush_timeout)
            return device.stats


def _outbox_path(outbox_dir: pathlib.Path, rom: str) -> pathlib.Path:
    """Return the ROM's outbox file. A ROM name that is not safe as a file name
    gets a hash suffix, so two ROMs never share one outbox."""
    name = _UNSAFE_FILE_CHARACTERS.sub("_", rom)
    if name != rom:
        name += "-" + hashlib.sha256(rom.encode()).hexdigest()[:12]
    return outbox_dir / f"{name}.sqlite3"
