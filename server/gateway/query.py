"""Query parameters: each request field that neither the path nor the body binds.

A parameter names its field by a dotted path of proto or lowerCamelCase
names (`board.game` or `pageSize`). A repeated field takes the parameter once
per element. Values are text and are converted as the proto3 JSON mapping
converts strings: enums by name or number, 64-bit integers in full, bytes as
base64, Timestamps in RFC 3339. Bools take true/false or 1/0.
"""

from __future__ import annotations

from google.protobuf import descriptor, descriptor_pool, json_format
from google.protobuf.message import Message

from server.gateway import parse_errors
from server.gateway.errors import invalid_argument
from server.gateway.routes import FieldPath, Route, RuleError, resolve_field_path

# Well-known types whose JSON form is a string, so query text passes as it is.
_TEXT_MESSAGES = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
)
_WRAPPER_MESSAGES = frozenset(
    {
        "google.protobuf.DoubleValue",
        "google.protobuf.FloatValue",
        "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value",
        "google.protobuf.Int32Value",
        "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue",
        "google.protobuf.StringValue",
        "google.protobuf.BytesValue",
    }
)
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def json_value(field: descriptor.FieldDescriptor, text: str) -> object:
    """Return the JSON value that json_format expects for one element of `field`, given as text.

    Raises ValueError for a bool that is not true/false/1/0 and for message
    fields that have no text form.
    """
    if field.type == field.TYPE_BOOL:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(f"{text!r} is not a bool; use true or false")
    if field.type == field.TYPE_MESSAGE:
        name = field.message_type.full_name
        if name in _TEXT_MESSAGES:
            return text
        if name in _WRAPPER_MESSAGES:
            return json_value(field.message_type.fields_by_name["value"], text)
        raise ValueError(f"{field.name} is a {name} message; set its fields with dotted names")
    # Numbers, enums, strings and bytes: json_format parses them from strings.
    return text


def apply_query(request: Message, route: Route, items: list[tuple[str, str]], pool: descriptor_pool.DescriptorPool) -> None:
    """Set request fields from query parameters, raising a 400 GatewayError that names a bad parameter."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        grouped.setdefault(key, []).append(value)
    for key, values in grouped.items():
        _apply_parameter(request, route, key, values, pool)


def _apply_parameter(request: Message, route: Route, key: str, values: list[str], pool) -> None:
    try:
        fields = resolve_field_path(request.DESCRIPTOR, tuple(key.split(".")), json_names=True)
    except KeyError:
        raise invalid_argument(key, f"unknown query parameter {key!r}") from None
    except RuleError as error:
        raise invalid_argument(key, f"invalid query parameter {key!r}: {error}") from None

    bound_by = _bound_by(route, tuple(field.name for field in fields))
    if bound_by:
        raise invalid_argument(key, f"query parameter {key!r} names a field that the {bound_by} sets")

    leaf = fields[-1]
    try:
        if _is_map(leaf):
            raise ValueError("map fields cannot be set from query parameters")
        if leaf.is_repeated:
            value: object = [json_value(leaf, text) for text in values]
        elif len(values) > 1:
            raise ValueError("it is given more than once but is not a repeated field")
        else:
            value = json_value(leaf, values[0])
    except ValueError as error:
        raise invalid_argument(key, f"invalid query parameter {key!r}: {error}") from None

    for field in reversed(fields):
        value = {field.name: value}
    scratch = type(request)()
    try:
        json_format.ParseDict(value, scratch, descriptor_pool=pool)
    except (json_format.ParseError, ValueError, TypeError) as error:
        described = parse_errors.describe(error, scratch.DESCRIPTOR)
        detail = f"it {described[1]}" if described else str(error)
        raise invalid_argument(key, f"invalid query parameter {key!r}: {detail}") from None
    request.MergeFrom(scratch)


def _bound_by(route: Route, path: FieldPath) -> str:
    """Name what already sets the field at `path` ("path" or "body"), or return ""."""
    if route.body == "*" or (route.body and path[0] == route.body):
        return "body"
    for bound in route.path_fields:
        shorter = min(len(bound), len(path))
        if bound[:shorter] == path[:shorter]:
            return "path"
    return ""


def _is_map(field: descriptor.FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.GetOptions().map_entry
