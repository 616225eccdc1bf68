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
    watch_coalesce_seconds: float = 0.1
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
    # SMTP_HOST: the mail relay; empty means no relay, so each message is
    # written to data_dir/mail/ and announced in the log instead.
    smtp_host: str = ""
    # SMTP_PORT: the relay's port.
    smtp_port: int = 587
    # SMTP_USERNAME, SMTP_PASSWORD: relay log-in; empty username means none.
    smtp_username: str = ""
    smtp_password: str = dataclasses.field(default="", repr=False)
    # SMTP_FROM: the From header of every message.
    smtp_from: str = "Origin <no-reply@localhost>"
    # SMTP_STARTTLS: "true" upgrades the connection with STARTTLS before
    # logging in; "false" sends in the clear (a relay on localhost or in tests).
    smtp_starttls: bool = True
    # ORIGIN_PUBLIC_BASE_URL: where links in mail point, such as
    # https://origin.example.com; never taken from request headers.
    public_base_url: str = "http://127.0.0.1:8080"
    # ORIGIN_MAIL_POLL_SECONDS: how often the mail sender looks for queued
    # mail that another process committed or a failed attempt left due.
    mail_poll_seconds: float = 5.0
    # ORIGIN_ACCOUNT_REPLY_SECONDS: sign-up, log-in and reset replies are
    # padded to at least this long, so their timing does not show whether
    # an account exists.
    account_reply_seconds: float = 0.4
    # ORIGIN_SESSION_SECONDS: the longest a session lasts, however often its
    # refresh token is exchanged (30 days).
    session_seconds: int = 30 * 86400
    # ORIGIN_REFRESH_TOKEN_SECONDS: how long a refresh token stays usable
    # without being exchanged (7 days), so idle sessions end.
    refresh_token_seconds: int = 7 * 86400
    # ORIGIN_REFRESH_GRACE_SECONDS: how long after a refresh token was
    # exchanged a retry with it receives the same successor instead of
    # ending the session.
    refresh_grace_seconds: float = 30.0
    # ORIGIN_SCREEN_NAME_CHANGE_DAYS: a user may change the screen name once
    # per this many days.
    screen_name_change_days: float = 30.0
    # ORIGIN_API_KEY_RATE: calls per second that one partner API key may make
    # on average, per server process.
    api_key_rate: float = 5.0
    # ORIGIN_API_KEY_BURST: calls one API key may make at once before the
    # rate applies.
    api_key_burst: int = 20

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
            **_mail_settings(env, defaults),
            **_session_settings(env, defaults),
            **_role_settings(env, defaults),
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


def _mail_settings(env: dict[str, str], defaults: Settings) -> dict:
    """Read the SMTP relay and account-mail settings."""
    return dict(
        smtp_host=env.get("SMTP_HOST", "").strip(),
        smtp_port=_positive(env, "SMTP_PORT", defaults.smtp_port, int),
        smtp_username=env.get("SMTP_USERNAME", ""),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_from=env.get("SMTP_FROM") or defaults.smtp_from,
        smtp_starttls=_flag(env, "SMTP_STARTTLS", defaults.smtp_starttls),
        public_base_url=_base_url(env.get("ORIGIN_PUBLIC_BASE_URL") or _gateway_base_url(env, defaults)),
        mail_poll_seconds=_positive(env, "ORIGIN_MAIL_POLL_SECONDS", defaults.mail_poll_seconds, float),
        account_reply_seconds=_positive(
            env, "ORIGIN_ACCOUNT_REPLY_SECONDS", defaults.account_reply_seconds, float
        ),
    )


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw not in ("true", "false", "1", "0"):
        raise SettingsError(f"{name}={raw!r} must be true or false")
    return raw in ("true", "1")


def _gateway_base_url(env: dict[str, str], defaults: Settings) -> str:
    """Return the URL of this process's own gateway, for mail links when ORIGIN_PUBLIC_BASE_URL is unset.

    A wildcard host becomes 127.0.0.1; with no gateway, or a port picked at
    start-up (0), the links fall back to the default address.
    """
    address = env.get("ORIGIN_HTTP_ADDR", defaults.http_addr).strip()
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or port == "0":
        return defaults.public_base_url
    if host in ("0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", value):
        raise SettingsError(
            f"ORIGIN_PUBLIC_BASE_URL={value!r} must be an http or https URL such as https://origin.example.com"
        )
    return value


def _session_settings(env: dict[str, str], defaults: Settings) -> dict:
    """Read the lifetimes of sessions and refresh tokens."""
    return dict(
        session_seconds=_positive(env, "ORIGIN_SESSION_SECONDS", defaults.session_seconds, int),
        refresh_token_seconds=_positive(env, "ORIGIN_REFRESH_TOKEN_SECONDS", defaults.refresh_token_seconds, int),
        refresh_grace_seconds=_positive(
            env, "ORIGIN_REFRESH_GRACE_SECONDS", defaults.refresh_grace_seconds, float
        ),
    )


def _role_settings(env: dict[str, str], defaults: Settings) -> dict:
    """Read the screen-name change limit and the API key rate limit."""
    return dict(
        screen_name_change_days=_positive(
            env, "ORIGIN_SCREEN_NAME_CHANGE_DAYS", defaults.screen_name_change_days, float
        ),
        api_key_rate=_positive(env, "ORIGIN_API_KEY_RATE", defaults.api_key_rate, float),
        api_key_burst=_positive(env, "ORIGIN_API_KEY_BURST", defaults.api_key_burst, int),
    )
