"""Input checks shared by every area. Each failure names the field and what is allowed."""

from __future__ import annotations

import datetime
import unicodedata
import uuid

from server.errors import InvalidArgument


def parse_uuid(field: str, value: str) -> uuid.UUID:
    if not value:
        raise InvalidArgument(field, "required")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(field, f"must be a UUID such as 123e4567-e89b-12d3-a456-426614174000, got {value!r:.60}") from None


# The spaces that text() strips: Unicode separators (Zs, Zl, Zp), which all lie
# at or below U+3000 in Unicode 14 (Python 3.11's data). Tabs and newlines are
# control characters, so they are rejected instead of stripped.
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if unicodedata.category(ch).startswith("Z"))


def text(field: str, value: str, *, min_length: int = 0, max_length: int) -> str:
    """Return the NFC-normalised value without surrounding spaces if its length is in range and it has no control characters."""
    value = unicodedata.normalize("NFC", value).strip(_SPACES)
    if len(value) < min_length:
        raise InvalidArgument(field, "required" if min_length == 1 else f"must be at least {min_length} characters")
    if len(value) > max_length:
        raise InvalidArgument(field, f"must be at most {max_length} characters")
    printable(field, value)
    return value


def printable(field: str, value: str) -> None:
    """Raise InvalidArgument if the value contains control, format, surrogate, private-use or unassigned characters."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
        raise InvalidArgument(field, "must not contain control or unassigned characters")


def request_id(field: str, value: str) -> str | None:
    if value == "":
        return None
    if len(value) > 64 or not value.isprintable():
        raise InvalidArgument(field, "must be 1 to 64 printable characters")
    return value


def page_size(field: str, value: int, *, default: int, maximum: int = 100) -> int:
    if value == 0:
        return default
    if not 1 <= value <= maximum:
        raise InvalidArgument(field, f"must be from 1 to {maximum}, got {value}")
    return value


def aware(value: datetime.datetime) -> datetime.datetime:
    """Treat a naive datetime as UTC (protobuf Timestamps convert to naive UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value
