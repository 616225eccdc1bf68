"""Every server setting, read from the environment once at start-up.

Each field names its environment variable and its default. The README lists
the same table for operators.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re


class SettingsError(ValueError):
    """An environment variable contains a value the server cannot use."""


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
    # ORIGIN_HTTP_ADDR: host:port of the REST/JSON and gRPC-Web gateway that
    # runs in the server process; empty means no gateway.
    http_addr: str = "127.0.0.1:8080"
    # ORIGIN_HTTP_ROUTES: where the gateway reads its routes: "sdk" (the
    # descriptor set in the origin-sdk package) or "reflection" (the gRPC
    # server's reflection service, read once at start-up).
    http_routes: str = "sdk"
    # ORIGIN_CORS_ORIGINS: comma-separated origins that browsers may call the
    # gateway from, such as "https://scores.example.com"; "*" allows any;
    # empty sends no CORS headers.
    cors_origins: tuple[str, ...] = ()
    # ORIGIN_HTTP_FORWARD_HEADERS: comma-separated request headers that the
    # gateway passes to gRPC as metadata, besides Authorization and X-Request-Id.
    http_forward_headers: tuple[str, ...] = ()
    # ORIGIN_SSE_HEARTBEAT_SECONDS: how long a server-sent event stream may be
    # quiet before the gateway sends a heartbeat comment.
    sse_heartbeat_seconds: float = 15.0
    # ORIGIN_DEVICE_OFFLINE_SECONDS: a device silent for longer than this
    # counts as offline in machine statuses.
    device_offline_seconds: float = 90.0
    # ORIGIN_DEVICE_TOKEN_OVERLAP_SECONDS: how long a renewed device token's
    # predecessor keeps working.
    device_token_overlap_seconds: float = 600.0
    # ORIGIN_CHECK_IN_CODE_SECONDS: how long a check-in code can be claimed.
    check_in_code_seconds: float = 120.0
    # ORIGIN_CHECK_IN_SECONDS: how long a check-in lasts when the device does
    # not end it earlier.
    check_in_seconds: float = 7200.0
    # ORIGIN_CHECK_IN_MAX_FAILURES: failed check-in claims allowed per user,
    # and per client address, in 15 minutes.
    check_in_max_failures: int = 10

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
            http_addr=_address(env, "ORIGIN_HTTP_ADDR", defaults.http_addr),
            http_routes=_choice(env, "ORIGIN_HTTP_ROUTES", defaults.http_routes, ("sdk", "reflection")),
            cors_origins=_origins(env.get("ORIGIN_CORS_ORIGINS", "")),
            http_forward_headers=_header_names(env.get("ORIGIN_HTTP_FORWARD_HEADERS", "")),
            sse_heartbeat_seconds=_positive(
                env, "ORIGIN_SSE_HEARTBEAT_SECONDS", defaults.sse_heartbeat_seconds, float
            ),
            device_offline_seconds=_positive(
                env, "ORIGIN_DEVICE_OFFLINE_SECONDS", defaults.device_offline_seconds, float
            ),
            device_token_overlap_seconds=_positive(
                env, "ORIGIN_DEVICE_TOKEN_OVERLAP_SECONDS", defaults.device_token_overlap_seconds, float
            ),
            check_in_code_seconds=_positive(env, "ORIGIN_CHECK_IN_CODE_SECONDS", defaults.check_in_code_seconds, float),
            check_in_seconds=_positive(env, "ORIGIN_CHECK_IN_SECONDS", defaults.check_in_seconds, float),
            check_in_max_failures=_positive(
                env, "ORIGIN_CHECK_IN_MAX_FAILURES", defaults.check_in_max_failures, int
            ),
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


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} must be one of: {', '.join(allowed)}")
    return value


def _address(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, default).strip()
    host, _, port = value.rpartition(":")
    if value and not (host and port.isdigit() and int(port) <= 65535):
        raise SettingsError(f"{name}={value!r} must be host:port, such as 127.0.0.1:8080, or empty")
    return value


def _split(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _origins(raw: str) -> tuple[str, ...]:
    origins = _split(raw)
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise SettingsError(
                f"ORIGIN_CORS_ORIGINS entry {origin!r} must be a scheme and host such as https://example.com, or *"
            )
    return origins


def _header_names(raw: str) -> tuple[str, ...]:
    names = tuple(name.lower() for name in _split(raw))
    for name in names:
        if not re.fullmatch(r"[0-9a-z_.-]+", name) or name.startswith("grpc-"):
            raise SettingsError(
                f"ORIGIN_HTTP_FORWARD_HEADERS entry {name!r} must be a header name of letters, digits, '-', '_' or '.'"
                " that does not start with grpc-"
            )
    return names
