"""HTTP headers to gRPC metadata and back, request IDs and deadlines.

Forwarded to the server: `Authorization`, `X-Api-Key`, `X-Request-Id`, the headers named in
ORIGIN_HTTP_FORWARD_HEADERS, and any `Grpc-Metadata-<key>` header as `<key>`.
Returned to the client: the server's initial and trailing metadata as
`Grpc-Metadata-<key>` headers, except keys the gateway handles itself and
credentials.

The deadline header is `Grpc-Timeout`, in gRPC's own form: up to 8 digits and
a unit, H (hours), M (minutes), S, m (milliseconds), u (microseconds) or n
(nanoseconds), such as `1500m`. gRPC-Web clients send the same header.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from starlette.datastructures import Headers

from server.gateway.errors import STATUS_DETAILS_KEY, invalid_argument

ALWAYS_FORWARDED = ("authorization", "x-api-key", "x-request-id")
METADATA_PREFIX = "grpc-metadata-"
TIMEOUT_HEADER = "grpc-timeout"
REQUEST_ID_HEADER = "x-request-id"
MAX_REQUEST_ID_LENGTH = 128

_TIMEOUT = re.compile(r"([0-9]{1,8})([HMSmun])")
_SECONDS_PER_UNIT = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_METADATA_KEY = re.compile(r"[0-9a-z_.-]+")
# Never returned to the client: credentials, the keys returned in their own
# header or body, and HTTP/2 or gRPC transport headers.
_NOT_RETURNED = frozenset({"authorization", "x-api-key", "cookie", "set-cookie", REQUEST_ID_HEADER, STATUS_DETAILS_KEY, "content-type", "te"})

Metadata = list[tuple[str, str | bytes]]


def request_id(headers: Headers) -> str:
    """Keep the client's X-Request-Id when it is short and printable ASCII, else make one."""
    value = headers.get(REQUEST_ID_HEADER, "")
    if value and len(value) <= MAX_REQUEST_ID_LENGTH and value.isascii() and value.isprintable():
        return value
    return uuid.uuid4().hex


def request_metadata(headers: Headers, extra_names: tuple[str, ...], request_id_value: str) -> Metadata:
    """Select the headers that travel to the server, raising a 400 for values metadata cannot carry."""
    forwarded = set(ALWAYS_FORWARDED) | {name.lower() for name in extra_names}
    metadata: Metadata = [(REQUEST_ID_HEADER, request_id_value)]
    for name, value in headers.items():
        if name == REQUEST_ID_HEADER:
            continue
        if name.startswith(METADATA_PREFIX):
            key = name[len(METADATA_PREFIX) :]
        elif name in forwarded:
            key = name
        else:
            continue
        metadata.append((key, _metadata_value(name, key, value)))
    return metadata


def _metadata_value(header: str, key: str, value: str) -> str | bytes:
    if not _METADATA_KEY.fullmatch(key) or key.startswith("grpc-"):
        raise invalid_argument(header, f"header {header!r} does not name a usable gRPC metadata key")
    if key.endswith("-bin"):
        try:
            return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise invalid_argument(header, f"header {header!r} must be base64, as its key ends in -bin") from None
    if not (value.isascii() and value.isprintable()):
        raise invalid_argument(header, f"header {header!r} must be printable ASCII to travel as gRPC metadata")
    return value


def timeout_seconds(headers: Headers) -> float | None:
    """Return the Grpc-Timeout header in seconds, None when absent; raise a 400 when malformed."""
    value = headers.get(TIMEOUT_HEADER)
    if value is None:
        return None
    parsed = _TIMEOUT.fullmatch(value.strip())
    if parsed is None:
        raise invalid_argument(
            "Grpc-Timeout", f"Grpc-Timeout {value!r} must be up to 8 digits and a unit (H, M, S, m, u or n), such as 1500m"
        )
    return int(parsed.group(1)) * _SECONDS_PER_UNIT[parsed.group(2)]


def response_headers(prefix: str, *metadata_lists) -> list[tuple[str, str]]:
    """Return `<prefix><key>` headers for the metadata a client may see; binary values in base64.

    REST responses use the prefix `Grpc-Metadata-`; gRPC-Web responses use
    none, as gRPC-Web clients read metadata from plain headers.
    """
    headers = []
    for metadata in metadata_lists:
        for key, value in metadata or ():
            if key in _NOT_RETURNED or key.startswith("grpc-"):
                continue
            text = base64.b64encode(value).decode() if isinstance(value, bytes) else value
            headers.append((prefix + key, text))
    return headers


def server_request_id(metadata, fallback: str) -> str:
    """Return the request ID the server echoed in its initial metadata, else the one the gateway sent."""
    for key, value in metadata or ():
        if key == REQUEST_ID_HEADER and isinstance(value, str):
            return value
    return fallback
