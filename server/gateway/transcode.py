"""HTTP requests to request messages and response messages to JSON, by the proto3 JSON mapping.

A request message is filled in three steps, each overriding the one before:
the body (`body: "*"` for the whole message, or one top-level field), then
the query parameters, then the path variables.

Output uses json_format's defaults: lowerCamelCase names, enums by name and
64-bit integers as strings, so scores above 2^53 keep every digit. Fields at
their default value (0, "", false, empty lists, an unset enum) are omitted,
as the proto3 JSON mapping allows. Input accepts proto and lowerCamelCase
names alike.
"""

from __future__ import annotations

import json

from google.protobuf import descriptor_pool, json_format
from google.protobuf.message import Message

from server.gateway import parse_errors, query
from server.gateway.errors import invalid_argument
from server.gateway.routes import FieldPath, Route, RouteMatch, resolve_field_path

_BLANK = object()


def build_request(
    match: RouteMatch, query_items: list[tuple[str, str]], body: bytes, pool: descriptor_pool.DescriptorPool
) -> Message:
    """Build the route's request message; raise a 400 GatewayError naming the part at fault."""
    route = match.route
    request = route.request_class()
    if route.body:
        apply_body(request, route, body, pool)
    query.apply_query(request, route, query_items, pool)
    apply_path(request, match.bindings, pool)
    return request


def apply_body(request: Message, route: Route, body: bytes, pool: descriptor_pool.DescriptorPool) -> None:
    value = parse_json(body)
    if value is _BLANK:
        return
    if route.body == "*":
        if not isinstance(value, dict):
            raise invalid_argument("body", "the request body must be a JSON object")
        document = value
    else:
        document = {route.body: value}
    merge_json(request, document, "body", pool)


def apply_path(request: Message, bindings: dict[FieldPath, str], pool: descriptor_pool.DescriptorPool) -> None:
    for field_path, text in bindings.items():
        name = ".".join(field_path)
        fields = resolve_field_path(request.DESCRIPTOR, field_path, json_names=False)
        try:
            value: object = query.json_value(fields[-1], text)
        except ValueError as error:
            raise invalid_argument(name, f"invalid path variable {name!r}: {error}") from None
        for field in reversed(fields):
            value = {field.name: value}
        merge_json(request, value, name, pool)


def parse_json(body: bytes) -> object:
    """Parse a request body; a blank body parses to _BLANK, meaning "no fields set"."""
    if not body.strip():
        return _BLANK
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_argument("body", "the request body is not valid UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise invalid_argument(
            "body", f"the request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise invalid_argument("body", "the request body nests JSON too deeply") from None


def merge_json(request: Message, document: dict, field: str, pool: descriptor_pool.DescriptorPool) -> None:
    """Parse a JSON object into a copy of the request's type and merge it in, so a failure changes nothing."""
    scratch = type(request)()
    try:
        json_format.ParseDict(document, scratch, descriptor_pool=pool)
    except RecursionError:
        raise invalid_argument(field, f"invalid {field}: the JSON nests too deeply") from None
    except (json_format.ParseError, ValueError, TypeError) as error:
        described = parse_errors.describe(error, scratch.DESCRIPTOR)
        if described is None:
            raise invalid_argument(field, f"invalid {field}: {error}") from None
        path, allowed = described
        raise invalid_argument(path, f"{path} {allowed}") from None
    request.MergeFrom(scratch)


def response_json(route: Route, message: Message, pool: descriptor_pool.DescriptorPool) -> object:
    """Return the JSON value of a response: the whole message, or its `response_body` field."""
    if not route.response_body:
        return json_format.MessageToDict(message, descriptor_pool=pool)

    field = message.DESCRIPTOR.fields_by_name[route.response_body]
    if field.type == field.TYPE_MESSAGE and not field.is_repeated:
        return json_format.MessageToDict(getattr(message, field.name), descriptor_pool=pool)
    # A scalar, repeated or map field: render it as the whole message would,
    # so its JSON form matches, and return its default when it is unset.
    whole = json_format.MessageToDict(message, always_print_fields_with_no_presence=True, descriptor_pool=pool)
    return whole.get(field.json_name)


def dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
