"""Page tokens: opaque to clients, bound to the query they continue.

A token is URL-safe base64 of JSON holding the sort key of the last row and a
digest of the query's other fields, so a token reused with a different query
is rejected instead of silently returning a wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json

from server.errors import InvalidArgument


def encode(query: list, position: list) -> str:
    payload = {"q": _digest(query), "p": position}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(token: str, query: list, *, field: str = "page_token") -> list | None:
    """Return the position stored in the token, or None for an empty token."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        position = payload["p"]
        matches = payload["q"] == _digest(query)
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(field, "is not a page token returned by this call") from None
    if not matches or not isinstance(position, list):
        raise InvalidArgument(field, "belongs to a different query; keep the other fields unchanged when paging")
    return position


def _digest(query: list) -> str:
    return hashlib.sha256(json.dumps(query, default=str).encode()).hexdigest()[:16]


def unpack(position: list, *parsers, field: str = "page_token") -> list:
    """Parse each element of a decoded position; a forged token gets INVALID_ARGUMENT, not a crash."""
    try:
        if len(position) != len(parsers):
            raise ValueError("wrong number of elements")
        return [parse(value) for parse, value in zip(parsers, position)]
    except (ValueError, TypeError, OverflowError):
        raise InvalidArgument(field, "is not a page token returned by this call") from None


def int64(value) -> int:
    """Parse a signed 64-bit integer, the range of PostgreSQL's bigint."""
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("out of the int64 range")
    return number
