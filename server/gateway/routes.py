"""The route table: one route per `google.api.http` binding in the service descriptors.

Nothing here names an Origin service, so a new RPC with an HTTP rule gets a
route as soon as the descriptors carry it.
"""

from __future__ import annotations

import dataclasses
import logging

import grpc
from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message_factory

from server.gateway import templates
from server.gateway.descriptors import build_pool
from server.gateway.errors import GatewayError, invalid_argument

logger = logging.getLogger(__name__)

_PATTERN_METHODS = ("get", "put", "post", "delete", "patch")

FieldPath = tuple[str, ...]


class RuleError(ValueError):
    """An HTTP rule that the gateway cannot serve, such as a body naming no field."""


@dataclasses.dataclass(frozen=True)
class Route:
    http_method: str
    template: templates.PathTemplate
    # The gRPC method path, such as "/origin.v1.ScoreService/WatchBoard".
    grpc_path: str
    method: descriptor.MethodDescriptor
    # "" for no body, "*" for the whole request, else a top-level field name.
    body: str
    # "" for the whole response, else the top-level response field to return.
    response_body: str
    request_class: type
    response_class: type

    @property
    def server_streaming(self) -> bool:
        return self.method.server_streaming

    @property
    def path_fields(self) -> frozenset[FieldPath]:
        return frozenset(variable.field_path for variable in self.template.variables)


@dataclasses.dataclass(frozen=True)
class RouteMatch:
    route: Route
    # Field path to the decoded path text bound to it.
    bindings: dict[FieldPath, str]


class RouteTable:
    def __init__(self, routes: list[Route], pool: descriptor_pool.DescriptorPool):
        self.routes = routes
        self.pool = pool

    @classmethod
    def from_file_set(cls, file_set: descriptor_pb2.FileDescriptorSet) -> RouteTable:
        """Build a route for every HTTP binding of every service in the set."""
        pool = build_pool(file_set)
        routes: list[Route] = []
        for file in file_set.file:
            for service in file.service:
                for method in service.method:
                    routes.extend(_method_routes(pool, file.package, service.name, method))
        return cls(routes, pool)

    def match(self, http_method: str, path: str) -> RouteMatch:
        """Return the most specific route for the request, or raise a 404 or 405 GatewayError."""
        candidates: list[RouteMatch] = []
        allowed: set[str] = set()
        for route in self.routes:
            try:
                bindings = route.template.match(path)
            except templates.PathDecodeError as error:
                raise invalid_argument("path", str(error)) from None
            if bindings is None:
                continue
            if route.http_method == http_method:
                candidates.append(RouteMatch(route, bindings))
            else:
                allowed.add(route.http_method)

        if candidates:
            return max(candidates, key=lambda candidate: candidate.route.template.precedence)
        if allowed:
            allow = ", ".join(sorted(allowed))
            raise GatewayError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{http_method} is not allowed on {path}; allowed: {allow}",
                reason="HTTP_METHOD_NOT_ALLOWED",
                http_status=405,
                headers={"Allow": allow},
            )
        raise GatewayError(grpc.StatusCode.NOT_FOUND, f"no route for {http_method} {path}", reason="ROUTE_NOT_FOUND")


def _method_routes(pool, package: str, service: str, method: descriptor_pb2.MethodDescriptorProto) -> list[Route]:
    if not method.options.HasExtension(annotations_pb2.http):
        return []
    service_name = f"{package}.{service}" if package else service
    method_descriptor = pool.FindServiceByName(service_name).methods_by_name[method.name]
    grpc_path = f"/{service_name}/{method.name}"

    rule = method.options.Extensions[annotations_pb2.http]
    routes = []
    for binding in [rule, *rule.additional_bindings]:
        try:
            if binding is not rule and binding.additional_bindings:
                raise RuleError("additional bindings must not nest")
            routes.append(_route(binding, grpc_path, method_descriptor))
        except (RuleError, templates.TemplateError) as error:
            logger.warning("skipping an HTTP rule of %s: %s", grpc_path, error)
    return routes


def _route(rule: http_pb2.HttpRule, grpc_path: str, method: descriptor.MethodDescriptor) -> Route:
    if method.client_streaming:
        raise RuleError("client-streaming methods cannot be served over REST; use gRPC or gRPC-Web")
    http_method, path = _pattern(rule)
    template = templates.parse(path)

    request_type = method.input_type
    for variable in template.variables:
        try:
            leaf = resolve_field_path(request_type, variable.field_path, json_names=False)[-1]
        except KeyError as error:
            raise RuleError(f"path variable {'.'.join(variable.field_path)} has no field {error.args[0]!r}") from None
        if leaf.is_repeated or leaf.type == leaf.TYPE_MESSAGE:
            raise RuleError(f"path variable {'.'.join(variable.field_path)} must name a singular scalar field")
    if rule.body not in ("", "*"):
        _top_level_field(request_type, rule.body, "body")
    if rule.response_body:
        _top_level_field(method.output_type, rule.response_body, "response_body")

    return Route(
        http_method=http_method,
        template=template,
        grpc_path=grpc_path,
        method=method,
        body=rule.body,
        response_body=rule.response_body,
        request_class=message_factory.GetMessageClass(request_type),
        response_class=message_factory.GetMessageClass(method.output_type),
    )


def _pattern(rule: http_pb2.HttpRule) -> tuple[str, str]:
    kind = rule.WhichOneof("pattern")
    if kind in _PATTERN_METHODS:
        return kind.upper(), getattr(rule, kind)
    if kind == "custom":
        return rule.custom.kind.upper(), rule.custom.path
    raise RuleError("the rule has no path pattern")


def _top_level_field(message: descriptor.Descriptor, name: str, option: str) -> descriptor.FieldDescriptor:
    field = message.fields_by_name.get(name)
    if field is None:
        raise RuleError(f"{option} {name!r} is not a field of {message.full_name}")
    return field


def resolve_field_path(
    message: descriptor.Descriptor, names: FieldPath, *, json_names: bool
) -> list[descriptor.FieldDescriptor]:
    """Return the fields along a dotted path; every field but the last must be a singular message.

    Raises KeyError naming the first segment that is not a field, and
    RuleError when the path passes through a repeated or scalar field.
    With json_names, a segment may also be the field's lowerCamelCase name.
    """
    fields = []
    current = message
    for index, name in enumerate(names):
        if current is None:
            raise RuleError(f"{'.'.join(names[:index])} is not a message, so it has no field {name!r}")
        field = current.fields_by_name.get(name)
        if field is None and json_names:
            field = next((f for f in current.fields if f.json_name == name), None)
        if field is None:
            raise KeyError(name)
        fields.append(field)
        is_last = index == len(names) - 1
        if not is_last and field.is_repeated:
            raise RuleError(f"{'.'.join(names[: index + 1])} is repeated, so it has no single field {names[index + 1]!r}")
        current = field.message_type if field.type == field.TYPE_MESSAGE else None
    return fields
