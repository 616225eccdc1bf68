"""Every server setting, read from the environment once at start-up.

Each field names its environment variable and its default. The README lists
the same table for operators.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib


class SettingsError(ValueError):
    """An environment variable holds a value the server cannot use."""


@dataclasses.dataclass(frozen=True)
class Settings:
    # ORIGIN_GRPC_ADDR: host:port the gRPC server listens on.
    grpc_addr: str = "127.0.0.1:50051"
    # ORIGIN_DATA_DIR: embedded PostgreSQL data, the generated JWT secret.
    data_dir: pathlib.Path = pathlib.Path(".origin")
    # DATABASE_URL: unset means an embedded PostgreSQL under data_dir.
    database_url: str | None = None
    # ORIGIN_JWT_SECRET: HMAC key for access tokens; unset means one is
    # generated once and kept in data_dir/jwt-secret.
    jwt_secret: str | None = None
    # ORIGIN_JWT_ISSUER: the exact `iss` claim of access tokens.
    jwt_issuer: str = "origin"
    # ORIGIN_ACCESS_TOKEN_SECONDS: lifetime of an access token.
    access_token_seconds: int = 900
    # ORIGIN_SHUTDOWN_GRACE_SECONDS: how long in-flight calls may finish on
    # SIGTERM before they are cancelled.
    shutdown_grace_seconds: float = 10.0
    # ORIGIN_WATCH_COALESCE_SECONDS: a board's watchers get at most one update
    # per window, however many scores arrive in it.
    watch_coalesce_seconds: float = 0.2
    # ORIGIN_DEVICE_TOKEN_CACHE_SECONDS: how long a device token lookup is
    # reused before the database is asked again. Revocation through this
    # process takes effect at once; through another process, within this time.
    device_token_cache_seconds: float = 2.0
    # ORIGIN_LOG_LEVEL: the root log level.
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from the environment, rejecting unusable values."""
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            grpc_addr=env.get("ORIGIN_GRPC_ADDR", defaults.grpc_addr),
            data_dir=pathlib.Path(env.get("ORIGIN_DATA_DIR", str(defaults.data_dir))),
            database_url=env.get("DATABASE_URL") or None,
            jwt_secret=env.get("ORIGIN_JWT_SECRET") or None,
            jwt_issuer=env.get("ORIGIN_JWT_ISSUER", defaults.jwt_issuer),
            access_token_seconds=_positive(env, "ORIGIN_ACCESS_TOKEN_SECONDS", defaults.access_token_seconds, int),
            shutdown_grace_seconds=_positive(
                env, "ORIGIN_SHUTDOWN_GRACE_SECONDS", defaults.shutdown_grace_seconds, float
            ),
            watch_coalesce_seconds=_positive(
                env, "ORIGIN_WATCH_COALESCE_SECONDS", defaults.watch_coalesce_seconds, float
            ),
            device_token_cache_seconds=_positive(
                env, "ORIGIN_DEVICE_TOKEN_CACHE_SECONDS", defaults.device_token_cache_seconds, float
            ),
            log_level=env.get("ORIGIN_LOG_LEVEL", defaults.log_level).upper(),
        )


def _positive(env: dict[str, str], name: str, default, kind):
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be greater than 0")
    return value
