"""Clear messages for JSON that does not fit a request message.

protobuf's json_format reports a bad value as text such as "Failed to parse
value field: invalid literal for int() with base 10: 'abc'.", which names
Python internals and the JSON spelling of the field. This module finds the
field in that text and states what the field accepts instead, so a REST
client gets the same kind of field violation as a gRPC client gets from the
server: the proto field path, and what is allowed.
"""

from __future__ import annotations

import re

from google.protobuf import descriptor

_FAILED_FIELD = re.compile(r"Failed to parse (\w+) field: ")
_UNKNOWN_FIELD = re.compile(r'has no field named "([^"]+)"')
_WELL_KNOWN = {
    "google.protobuf.Timestamp": "an RFC 3339 time with a zone, such as 2026-03-01T20:15:00Z",
    "google.protobuf.Duration": "a duration in seconds with an s suffix, such as 1.5s",
    "google.protobuf.FieldMask": "a comma-separated list of field paths",
}

_FIELD = descriptor.FieldDescriptor
# Every whole-number field type, with the smallest and largest value it takes.
_RANGES = {
    **dict.fromkeys((_FIELD.TYPE_INT32, _FIELD.TYPE_SINT32, _FIELD.TYPE_SFIXED32), (-(2**31), 2**31 - 1)),
    **dict.fromkeys((_FIELD.TYPE_INT64, _FIELD.TYPE_SINT64, _FIELD.TYPE_SFIXED64), (-(2**63), 2**63 - 1)),
    **dict.fromkeys((_FIELD.TYPE_UINT32, _FIELD.TYPE_FIXED32), (0, 2**32 - 1)),
    **dict.fromkeys((_FIELD.TYPE_UINT64, _FIELD.TYPE_FIXED64), (0, 2**64 - 1)),
}


def describe(error: Exception, message_type: descriptor.Descriptor) -> tuple[str, str] | None:
    """Return (proto field path, what it accepts) for a json_format error, or None when the text names no field."""
    text = str(error)
    unknown = _UNKNOWN_FIELD.search(text)
    names = _FAILED_FIELD.findall(text)
    if not names and unknown:
        known = ", ".join(field.json_name for field in message_type.fields)
        return unknown.group(1), f"is not a field of {message_type.name}; the fields are {known}"

    path: list[str] = []
    current: descriptor.Descriptor | None = message_type
    field = None
    for name in names:
        field = _field_named(current, name)
        if field is None:
            break
        path.append(field.name)
        current = field.message_type
    if field is None or not path:
        return None
    if unknown and current is not None:
        known = ", ".join(item.json_name for item in current.fields)
        return ".".join([*path, unknown.group(1)]), f"is not a field of {current.name}; the fields are {known}"
    if "out of range" in text.lower() and field.type in _RANGES:
        low, high = _RANGES[field.type]
        return ".".join(path), f"must be a whole number from {low:,} to {high:,}"
    return ".".join(path), "must be " + accepted(field)


def accepted(field: descriptor.FieldDescriptor) -> str:
    """Describe the JSON values a field accepts, for an error message."""
    single = _accepted_single(field)
    if field.is_repeated:
        return f"a JSON array of values, each {single}"
    return single


def _accepted_single(field: descriptor.FieldDescriptor) -> str:
    if field.enum_type is not None:
        names = ", ".join(value.name for value in field.enum_type.values if value.number != 0)
        return f"one of {names}"
    if field.message_type is not None:
        return _WELL_KNOWN.get(field.message_type.full_name, f"a JSON object ({field.message_type.name})")
    if field.type in _RANGES:
        return "a whole number (a JSON number, or a string of digits for values above 2^53)"
    if field.type in (descriptor.FieldDescriptor.TYPE_DOUBLE, descriptor.FieldDescriptor.TYPE_FLOAT):
        return "a number"
    if field.type == descriptor.FieldDescriptor.TYPE_BOOL:
        return "true or false"
    if field.type == descriptor.FieldDescriptor.TYPE_BYTES:
        return "base64 text"
    return "a string"


def _field_named(message_type: descriptor.Descriptor | None, name: str) -> descriptor.FieldDescriptor | None:
    """Find a field by its proto name or its JSON name, as json_format accepts both."""
    if message_type is None:
        return None
    for field in message_type.fields:
        if name in (field.name, field.json_name):
            return field
    return None
