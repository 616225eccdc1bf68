"""The one object that carries the server's shared dependencies to every domain call."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from server.settings import Settings

if TYPE_CHECKING:
    from server.domain.limits import Backoff, FailureLimiter
    from server.domain.machines import DeviceTokenCache
    from server.domain.sessions import SessionCache
    from server.jobs.mail import MailSender
    from server.live.devices import DeviceMailboxes
    from server.live.hub import BoardHub
    from server.live.statuses import StatusHub


@dataclasses.dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    jwt_secret: str
    hub: BoardHub
    device_tokens: DeviceTokenCache
    # Set when the server starts shutting down; streams watch it to finish.
    shutting_down: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    # Check-in notices for the devices' open streams in this process.
    mailboxes: DeviceMailboxes | None = None
    # Watchers of machine statuses in this process.
    statuses: StatusHub | None = None
    # Failed check-in claims per user and per client address.
    claim_failures: FailureLimiter | None = None
    # Failed log-ins and account-code checks per account and per client address.
    account_failures: Backoff | None = None
    address_failures: Backoff | None = None
    # The background mail sender of this process; None in tools without one.
    mail: MailSender | None = None
    # Which sessions are live, remembered briefly for access-token checks.
    sessions: SessionCache | None = None
    # The call rate limit of each partner API key in this process.
    api_key_limits: TokenBuckets | None = None
