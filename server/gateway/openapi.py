"""The OpenAPI 3.1 document of the gateway and the interactive docs page.

The document is built from the same route table as the gateway itself, so it
lists exactly the routes that answer: every `google.api.http` binding,
additional bindings included. Schemas follow the proto3 JSON mapping (names
in lowerCamelCase, enums by name, 64-bit integers as strings), and the proto
comments become descriptions. Comments come from the SourceCodeInfo of the
SDK's descriptor set; routes loaded by reflection carry none, so they get the
SDK's comment for the same full name where there is one.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import re

from google.protobuf import descriptor, descriptor_pb2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route as StarletteRoute
from starlette.staticfiles import StaticFiles

from server import policy
from server.gateway import oauth, streams
from server.gateway.descriptors import load_sdk_file_set
from server.gateway.routes import Route, RouteTable
from server.gateway.templates import SegmentKind

logger = logging.getLogger(__name__)

OPENAPI_VERSION = "3.1.0"
STATUS_MESSAGE = "google.rpc.Status"
_STATUS_REF = {"$ref": f"#/components/schemas/{STATUS_MESSAGE}"}

# FileDescriptorProto field numbers used in SourceCodeInfo paths.
_FILE_MESSAGE, _FILE_ENUM, _FILE_SERVICE = 4, 5, 6
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM = 2, 3, 4
_ENUM_VALUE, _SERVICE_METHOD = 2, 2

_INT64_TYPES = frozenset(
    {
        descriptor.FieldDescriptor.TYPE_INT64,
        descriptor.FieldDescriptor.TYPE_SINT64,
        descriptor.FieldDescriptor.TYPE_SFIXED64,
        descriptor.FieldDescriptor.TYPE_UINT64,
        descriptor.FieldDescriptor.TYPE_FIXED64,
    }
)
_UNSIGNED_TYPES = frozenset(
    {
        descriptor.FieldDescriptor.TYPE_UINT32,
        descriptor.FieldDescriptor.TYPE_FIXED32,
        descriptor.FieldDescriptor.TYPE_UINT64,
        descriptor.FieldDescriptor.TYPE_FIXED64,
    }
)
_INT32_TYPES = frozenset(
    {
        descriptor.FieldDescriptor.TYPE_INT32,
        descriptor.FieldDescriptor.TYPE_SINT32,
        descriptor.FieldDescriptor.TYPE_SFIXED32,
    }
)

# Well-known types whose JSON form is not an object of their fields.
_WELL_KNOWN_SCHEMAS: dict[str, dict] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string", "description": "The type URL of the packed message."}},
        "description": "A message of any type: `@type` names it and the other members are its fields.",
    },
}
_WRAPPERS = frozenset(
    f"google.protobuf.{name}Value"
    for name in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
# Messages that a query parameter can set with one text value.
_TEXT_MESSAGES = frozenset({"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}) | _WRAPPERS
# Nesting depth up to which the fields of message fields become dotted query parameters.
_MAX_QUERY_DEPTH = 4

_OPENAPI_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_PATH_VARIABLE = re.compile(r"\{([^}=]+)(=[^}]*)?\}")

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A user's access token (a JWT) from `POST /v1/auth/token`.",
    },
    "deviceToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A machine's device token, returned once by `POST /v1/machines` and by token renewal.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "The whole `Authorization` header, `Bearer <token>`, for clients that set a header "
        "rather than a bearer token.",
    },
    "partnerApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "A partner API key (`origin_key_...`) from `POST /v1/arcades/{arcade_id}/apiKeys`. "
        "It may call only the operations of its scopes, for its own arcade.",
    },
    "oauth2Password": {
        "type": "oauth2",
        "description": "The OAuth 2.0 password grant on the token route; the username is the e-mail. "
        "The same route takes the refresh_token grant.",
        "flows": {"password": {"tokenUrl": "/v1/auth/token", "refreshUrl": "/v1/auth/token", "scopes": {}}},
    },
}
_SECURITY_BY_POLICY = {
    policy.USER: [{"bearerAuth": []}, {"oauth2Password": []}, {"apiKeyHeader": []}],
    policy.DEVICE: [{"deviceToken": []}, {"apiKeyHeader": []}],
    # Anyone may call, and a token, if sent, must be valid.
    policy.PUBLIC: [{}, {"bearerAuth": []}],
}


class Comments:
    """Proto comments by full name: messages, fields, enums, enum values, services and methods."""

    def __init__(self, by_name: dict[str, str]):
        self.by_name = by_name

    @classmethod
    def from_file_set(cls, file_set: descriptor_pb2.FileDescriptorSet) -> Comments:
        by_name: dict[str, str] = {}
        for file in file_set.file:
            located = {tuple(location.path): location for location in file.source_code_info.location}
            prefix = f"{file.package}." if file.package else ""
            _collect_file(file, prefix, located, by_name)
        return cls(by_name)

    def get(self, full_name: str) -> str:
        return self.by_name.get(full_name, "")


def _collect_file(file, prefix: str, located: dict, by_name: dict[str, str]) -> None:
    for index, message in enumerate(file.message_type):
        _collect_message(message, prefix, (_FILE_MESSAGE, index), located, by_name)
    for index, enum in enumerate(file.enum_type):
        _collect_enum(enum, prefix, (_FILE_ENUM, index), located, by_name)
    for index, service in enumerate(file.service):
        name = prefix + service.name
        _put(by_name, name, located, (_FILE_SERVICE, index))
        for method_index, method in enumerate(service.method):
            _put(by_name, f"{name}.{method.name}", located, (_FILE_SERVICE, index, _SERVICE_METHOD, method_index))


def _collect_message(message, prefix: str, path: tuple, located: dict, by_name: dict[str, str]) -> None:
    name = prefix + message.name
    _put(by_name, name, located, path)
    for index, field in enumerate(message.field):
        _put(by_name, f"{name}.{field.name}", located, path + (_MESSAGE_FIELD, index))
    for index, nested in enumerate(message.nested_type):
        _collect_message(nested, name + ".", path + (_MESSAGE_NESTED, index), located, by_name)
    for index, enum in enumerate(message.enum_type):
        _collect_enum(enum, name + ".", path + (_MESSAGE_ENUM, index), located, by_name)


def _collect_enum(enum, prefix: str, path: tuple, located: dict, by_name: dict[str, str]) -> None:
    # Enum values are keyed under their enum's name, unlike protobuf's own
    # full names, which put them beside the enum.
    name = prefix + enum.name
    _put(by_name, name, located, path)
    for index, value in enumerate(enum.value):
        _put(by_name, f"{name}.{value.name}", located, path + (_ENUM_VALUE, index))


def _put(by_name: dict[str, str], name: str, located: dict, path: tuple) -> None:
    location = located.get(path)
    if location is None:
        return
    text = location.leading_comments or location.trailing_comments
    lines = [line[1:] if line.startswith(" ") else line for line in text.strip("\n").split("\n")]
    cleaned = "\n".join(lines).strip()
    if cleaned:
        by_name[name] = cleaned


class _Schemas:
    """JSON schemas of messages and enums, collected as components while operations refer to them."""

    def __init__(self, comments: Comments):
        self.comments = comments
        self.components: dict[str, dict] = {}

    def message_ref(self, message: descriptor.Descriptor) -> dict:
        special = self._special(message)
        if special is not None:
            return special
        name = message.full_name
        if name not in self.components:
            # Reserve the name first, so recursive messages end in a $ref.
            self.components[name] = {}
            self.components[name] = self._message_schema(message)
        return {"$ref": f"#/components/schemas/{name}"}

    def _special(self, message: descriptor.Descriptor) -> dict | None:
        name = message.full_name
        if name in _WELL_KNOWN_SCHEMAS:
            return dict(_WELL_KNOWN_SCHEMAS[name])
        if name in _WRAPPERS:
            return self.field_schema(message.fields_by_name["value"])
        return None

    def _message_schema(self, message: descriptor.Descriptor, without: frozenset[str] = frozenset()) -> dict:
        properties = {}
        for field in message.fields:
            if field.name in without:
                continue
            schema = self.field_schema(field)
            description = self.comments.get(field.full_name)
            if description:
                schema = _describe(schema, description)
            properties[field.json_name] = schema
        # No additionalProperties: false, because proto3 JSON readers ignore
        # unknown members, so a newer server may add fields.
        schema = {"type": "object", "properties": properties}
        description = self.comments.get(message.full_name)
        if description:
            schema["description"] = description
        return schema

    def body_schema(self, message: descriptor.Descriptor, path_fields: frozenset[str]) -> dict:
        """Schema of a `body: "*"` request: the message less the top-level fields that the path sets."""
        if not path_fields:
            return self.message_ref(message)
        return self._message_schema(message, without=path_fields)

    def field_schema(self, field: descriptor.FieldDescriptor) -> dict:
        if _is_map(field):
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.field_schema(value)}
        element = self.element_schema(field)
        if field.is_repeated:
            return {"type": "array", "items": element}
        return element

    def element_schema(self, field: descriptor.FieldDescriptor) -> dict:
        """Schema of one value of the field (for repeated fields, of one element)."""
        if field.type == field.TYPE_MESSAGE:
            return self.message_ref(field.message_type)
        if field.type == field.TYPE_ENUM:
            return self.enum_ref(field.enum_type)
        return scalar_schema(field)

    def enum_ref(self, enum: descriptor.EnumDescriptor) -> dict:
        name = enum.full_name
        if name not in self.components:
            schema: dict = {"type": "string", "enum": [value.name for value in enum.values]}
            lines = [self.comments.get(name)] if self.comments.get(name) else []
            for value in enum.values:
                text = self.comments.get(f"{name}.{value.name}")
                if text:
                    lines.append(f"- `{value.name}`: {' '.join(text.split())}")
            if lines:
                schema["description"] = "\n".join(lines)
            self.components[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}


def scalar_schema(field: descriptor.FieldDescriptor) -> dict:
    """Schema of a scalar field's value in the proto3 JSON mapping."""
    kind = field.type
    if kind in _INT64_TYPES:
        # JSON numbers lose digits above 2^53, so 64-bit integers are strings.
        pattern = r"^[0-9]+$" if kind in _UNSIGNED_TYPES else r"^-?[0-9]+$"
        return {"type": "string", "format": "uint64" if kind in _UNSIGNED_TYPES else "int64", "pattern": pattern}
    if kind in _INT32_TYPES:
        return {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1}
    if kind in _UNSIGNED_TYPES:
        return {"type": "integer", "format": "uint32", "minimum": 0, "maximum": 2**32 - 1}
    if kind == field.TYPE_DOUBLE:
        return {"type": "number", "format": "double"}
    if kind == field.TYPE_FLOAT:
        return {"type": "number", "format": "float"}
    if kind == field.TYPE_BOOL:
        return {"type": "boolean"}
    if kind == field.TYPE_BYTES:
        return {"type": "string", "contentEncoding": "base64"}
    return {"type": "string"}


def _describe(schema: dict, description: str) -> dict:
    """Attach a description; a $ref gets it beside it, which OpenAPI 3.1 allows."""
    return {**schema, "description": description}


def _is_map(field: descriptor.FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.GetOptions().map_entry


def openapi_path(route: Route) -> str:
    """Return the route's path in OpenAPI form: `{name=shelves/*}` becomes `{name}`."""
    return _PATH_VARIABLE.sub(lambda match: "{" + match.group(1) + "}", route.template.text)


def build_document(table: RouteTable, comments: Comments) -> dict:
    """Build the OpenAPI document of every route in the table."""
    schemas = _Schemas(comments)
    paths: dict[str, dict] = {}
    operation_ids: set[str] = set()
    tags: dict[str, str] = {}
    for route in sorted(table.routes, key=route_key):
        path = openapi_path(route)
        method = route.http_method.lower()
        if method not in _OPENAPI_METHODS:
            # NOTE: OpenAPI 3.1 has no place for a custom HTTP method, so such
            # a binding answers at the gateway but is missing from the document.
            logger.warning("OpenAPI: %s %s uses a custom HTTP method and is left out", route.http_method, path)
            continue
        if method in paths.get(path, {}):
            # NOTE: OpenAPI keys operations by method and path with plain
            # {name} variables, so /v1/{name=shelves/*} and
            # /v1/{name=rooms/*/shelves/*} meet at /v1/{name}. The first
            # binding keeps the operation; the later one is named in its
            # description and still answers at the gateway.
            kept = paths[path][method]
            kept["description"] = (kept.get("description", "") + f"\n\nAlso bound to `{route.http_method} {route.template.text}`.").strip()
            continue
        operation = _operation(route, schemas, comments, operation_ids)
        paths.setdefault(path, {})[method] = operation
        service = route.method.containing_service
        tags.setdefault(service.name, comments.get(service.full_name))

    schemas.message_ref(table.pool.FindMessageTypeByName(STATUS_MESSAGE))
    schemas.components["OAuthTokenResponse"] = _OAUTH_TOKEN_RESPONSE
    schemas.components["OAuthErrorResponse"] = _OAUTH_ERROR_RESPONSE
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Origin API",
            "version": "v1",
            "description": "REST/JSON routes of Origin, the open backend for pinball arcades. Each route "
            "calls one gRPC method; bodies follow the proto3 JSON mapping and errors are `google.rpc.Status`.",
        },
        "tags": [{"name": name, **({"description": text} if text else {})} for name, text in sorted(tags.items())],
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.components.items())), "securitySchemes": SECURITY_SCHEMES},
    }


def route_key(route: Route) -> tuple[str, str, str]:
    return (openapi_path(route), route.http_method, route.grpc_path)


def _operation(route: Route, schemas: _Schemas, comments: Comments, operation_ids: set[str]) -> dict:
    method = route.method
    service = method.containing_service
    operation_id = f"{service.name}_{method.name}"
    suffix = 1
    while operation_id in operation_ids:
        suffix += 1
        operation_id = f"{service.name}_{method.name}_{suffix}"
    operation_ids.add(operation_id)

    description = comments.get(method.full_name)
    operation: dict = {
        "operationId": operation_id,
        "tags": [service.name],
        "summary": _summary(description) or method.name,
        "x-grpc-method": route.grpc_path,
    }
    if description:
        operation["description"] = description
    parameters = _path_parameters(route, schemas, comments) + _query_parameters(route, schemas, comments)
    if parameters:
        operation["parameters"] = parameters
    if route.body:
        operation["requestBody"] = _request_body(route, schemas)
    operation["responses"] = _responses(route, schemas)
    security = _SECURITY_BY_POLICY.get(policy.POLICIES.get(route.grpc_path, ""))
    if security is not None:
        if route.grpc_path in policy.API_KEY_SCOPES:
            security = security + [{"partnerApiKey": []}]
        operation["security"] = security
    return operation


def _summary(description: str) -> str:
    """Return the first sentence of a comment, on one line."""
    first = " ".join(description.split("\n\n")[0].split())
    end = first.find(". ")
    return first if end == -1 else first[: end + 1]


def _path_parameters(route: Route, schemas: _Schemas, comments: Comments) -> list[dict]:
    parameters = []
    for variable in route.template.variables:
        fields = _resolve(route.method.input_type, variable.field_path)
        leaf = fields[-1]
        schema = schemas.element_schema(leaf)
        segments = route.template.segments[variable.start : variable.end]
        if [segment.kind for segment in segments] != [SegmentKind.SINGLE]:
            # A variable such as {name=shelves/*} takes several segments; its
            # value keeps the slashes between them.
            schema = {**schema, "pattern": _segments_pattern(segments)}
        parameter = {"name": ".".join(variable.field_path), "in": "path", "required": True, "schema": schema}
        description = comments.get(leaf.full_name)
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _segments_pattern(segments) -> str:
    parts = []
    for segment in segments:
        if segment.kind is SegmentKind.LITERAL:
            parts.append(re.escape(segment.literal))
        elif segment.kind is SegmentKind.SINGLE:
            parts.append("[^/]+")
        else:
            parts.append(".*")
    return "^" + "/".join(parts) + "$"


def _query_parameters(route: Route, schemas: _Schemas, comments: Comments) -> list[dict]:
    """Return a parameter for every scalar field that neither the path nor the body sets."""
    if route.body == "*":
        return []
    bound = route.path_fields
    if route.body:
        bound = bound | {(route.body,)}
    parameters: list[dict] = []
    _add_query_fields(route.method.input_type, (), bound, schemas, comments, parameters, ())
    return parameters


def _add_query_fields(message, prefix: tuple, bound, schemas: _Schemas, comments: Comments, out: list, seen: tuple):
    for field in message.fields:
        path = prefix + (field.name,)
        if path in bound or _is_map(field):
            continue
        is_message = field.type == field.TYPE_MESSAGE
        if is_message and field.message_type.full_name not in _TEXT_MESSAGES:
            # A message field is set through its own fields, unless the path
            # binds one of them or it repeats (a query cannot address one element).
            nested = field.message_type
            if field.is_repeated or nested.full_name in seen or len(path) >= _MAX_QUERY_DEPTH:
                continue
            inner_bound = {b for b in bound if b[: len(path)] == path}
            if any(len(b) == len(path) for b in inner_bound):
                continue
            _add_query_fields(nested, path, bound, schemas, comments, out, seen + (message.full_name,))
            continue
        parameter: dict = {"name": ".".join(path), "in": "query", "schema": schemas.field_schema(field)}
        if field.is_repeated:
            # One parameter per element: `?id=a&id=b`.
            parameter["style"] = "form"
            parameter["explode"] = True
        description = comments.get(field.full_name)
        if description:
            parameter["description"] = description
        out.append(parameter)


def _resolve(message: descriptor.Descriptor, names: tuple[str, ...]) -> list[descriptor.FieldDescriptor]:
    fields = []
    for name in names:
        field = message.fields_by_name[name]
        fields.append(field)
        message = field.message_type
    return fields


def _request_body(route: Route, schemas: _Schemas) -> dict:
    request_type = route.method.input_type
    if route.body == "*":
        top_level = frozenset(path[0] for path in route.path_fields if len(path) == 1)
        schema = schemas.body_schema(request_type, top_level)
    else:
        schema = schemas.field_schema(request_type.fields_by_name[route.body])
    content = {"application/json": {"schema": schema}}
    if route.grpc_path == oauth.TOKEN_METHOD:
        content[oauth.FORM_CONTENT_TYPE] = {"schema": _OAUTH_FORM}
    # Every field of a proto3 request is optional, so an empty body is valid
    # JSON-wise; the server rejects what it needs and does not get.
    return {"required": False, "content": content}


def _responses(route: Route, schemas: _Schemas) -> dict:
    output = route.method.output_type
    if route.response_body:
        reply = schemas.field_schema(output.fields_by_name[route.response_body])
    else:
        reply = schemas.message_ref(output)

    if route.server_streaming:
        line = {
            "type": "object",
            "properties": {"result": reply, "error": _STATUS_REF},
            "description": "One line per message; a failed call ends with an `error` line.",
        }
        ok = {
            "description": "A stream: newline-delimited JSON, or server-sent events with "
            "`Accept: text/event-stream` (one event per message, then an `event: status` with the final Status).",
            "content": {
                streams.NDJSON_MEDIA_TYPE: {"schema": line},
                streams.SSE_MEDIA_TYPE: {"schema": {"type": "string"}},
            },
        }
    else:
        ok = {"description": "The reply.", "content": {"application/json": {"schema": reply}}}

    error = {"description": "An error, as a `google.rpc.Status` with typed details.", "content": {"application/json": {"schema": _STATUS_REF}}}
    responses = {"200": ok, "default": error}
    if route.grpc_path == oauth.TOKEN_METHOD:
        responses["200"] = {
            "description": "The reply; a form request gets the OAuth 2.0 token response (RFC 6749 section 5.1).",
            "content": {"application/json": {"schema": {"anyOf": [reply, {"$ref": "#/components/schemas/OAuthTokenResponse"}]}}},
        }
        responses["400"] = {
            "description": "A bad request: a Status, or for a form request an OAuth 2.0 error (RFC 6749 section 5.2).",
            "content": {"application/json": {"schema": {"anyOf": [_STATUS_REF, {"$ref": "#/components/schemas/OAuthErrorResponse"}]}}},
        }
    return responses


_OAUTH_FORM = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["password"]},
        "username": {"type": "string", "description": "The account's e-mail."},
        "password": {"type": "string"},
    },
    "required": ["grant_type", "username", "password"],
}
_OAUTH_TOKEN_RESPONSE = {
    "type": "object",
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string"},
        "expires_in": {"type": "integer", "description": "Seconds until the access token expires."},
        "refresh_token": {"type": "string"},
    },
    "required": ["access_token", "token_type"],
}
_OAUTH_ERROR_RESPONSE = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}


@functools.cache
def sdk_comments() -> Comments:
    """Comments of the SDK's descriptor set, read once."""
    return Comments.from_file_set(load_sdk_file_set())


def routes_snapshot(table: RouteTable) -> list[dict]:
    """Return the sorted method, path template and RPC of every route, the content of the routes snapshot."""
    return [
        {"method": route.http_method, "path": route.template.text, "rpc": route.grpc_path.lstrip("/")}
        for route in sorted(table.routes, key=lambda route: (route.template.text, route.http_method, route.grpc_path))
    ]


# The docs page uses Swagger UI from the swagger-ui-py wheel, which ships the
# upstream swagger-ui-dist files (5.x, which reads OpenAPI 3.1). The
# swagger-ui-bundle wheel was checked and left aside: its version 1.1.0
# ships Swagger UI 4.15, which reads OpenAPI 3.0 only. A wheel keeps
# `make run` free of npm, and the page needs no network.
_SWAGGER_PACKAGE = "swagger_ui"
DOCS_ASSETS = "/docs/assets"

_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Origin API</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
_DOCS_SCRIPT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
});
"""


def swagger_ui_directory() -> str:
    return str(importlib.resources.files(_SWAGGER_PACKAGE).joinpath("static"))


def routes(table: RouteTable) -> list[BaseRoute]:
    """Return the Starlette routes of `/openapi.json` and the docs page, built for one route table."""
    document = build_document(table, sdk_comments())

    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(document)

    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE.format(assets=DOCS_ASSETS))

    async def docs_script(request: Request):
        return HTMLResponse(_DOCS_SCRIPT, media_type="text/javascript")

    return [
        StarletteRoute("/openapi.json", openapi_json, methods=["GET"]),
        StarletteRoute("/docs", docs, methods=["GET"]),
        StarletteRoute("/docs/init.js", docs_script, methods=["GET"]),
        Mount(DOCS_ASSETS, app=StaticFiles(directory=swagger_ui_directory()), name="docs-assets"),
    ]
