"""The one object that carries the server's shared dependencies to every domain call."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from server.settings import Settings

if TYPE_CHECKING:
    from server.domain.machines import DeviceTokenCache
    from server.live.hub import BoardHub


@dataclasses.dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    jwt_secret: str
    hub: BoardHub
    device_tokens: DeviceTokenCache
    # Set when the server starts shutting down; streams watch it to finish.
    shutting_down: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
