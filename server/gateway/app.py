"""The gateway's ASGI application: every HTTP request becomes a call to the gRPC server.

One catch-all Starlette route hands each request to `Gateway.dispatch`, which
sends gRPC-Web bodies to `grpcweb` and everything else through the route
table built from the `google.api.http` rules. Starlette provides the request
object and the CORS middleware; the routing is the descriptors' own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

import grpc
from google.rpc import error_details_pb2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from server.gateway import account_pages, grpcweb, metadata, oauth, openapi, scoreboard, streams, transcode
from server.gateway.body import media_type, raw_path, read_body
from server.gateway.errors import (
    GatewayError,
    code_from_number,
    http_status,
    internal_status,
    status_body,
    status_from_rpc_error,
)
from server.gateway.local import LocalInvoker, peer_of
from server.gateway.routes import Route, RouteMatch, RouteTable
from server.settings import Settings

logger = logging.getLogger("origin.http")

JSON_MEDIA_TYPE = "application/json"
# Every REST route of the contracts lives under this prefix, and no page does,
# so such a request can skip Starlette's router (see Gateway.asgi).
API_PREFIX = "/v1/"

# Request headers a browser may send cross-origin, and response headers its
# scripts may read. gRPC-Web clients need the grpc-* ones.
CORS_REQUEST_HEADERS = (
    "authorization",
    "x-api-key",
    "content-type",
    "x-request-id",
    "grpc-timeout",
    "last-event-id",
    "x-grpc-web",
    "x-user-agent",
)
# NOTE: Grpc-Metadata-<key> headers are not exposed, because CORS has no
# wildcard by prefix; a browser script cannot read them.
CORS_EXPOSED_HEADERS = ("x-request-id", "grpc-status", "grpc-message", "grpc-status-details-bin")


@dataclasses.dataclass
class UnaryResult:
    reply: object | None
    error: grpc.aio.AioRpcError | None
    # Grpc-Metadata-* headers from the server's initial and trailing metadata.
    headers: list[tuple[str, str]]
    request_id: str

    def response_headers(self) -> list[tuple[str, str]]:
        return [("X-Request-Id", self.request_id), *self.headers]


class Gateway:
    """Forwards HTTP requests to one gRPC channel by one route table."""

    def __init__(
        self, routes: RouteTable, channel: grpc.aio.Channel, settings: Settings, local: LocalInvoker | None = None
    ):
        self.routes = routes
        self.channel = channel
        # Unary calls go to the servicers in this process when the gateway
        # runs inside the server (see local.py); otherwise over the channel.
        self.local = local
        self.settings = settings
        # One multicallable per method, made on first use: building it per
        # request costs more than the rest of a small call's forwarding.
        self._unary_calls: dict[str, grpc.aio.UnaryUnaryMultiCallable] = {}
        # The route the OAuth refresh_token grant calls, if the table has it.
        self._refresh_route = next((route for route in routes.routes if route.grpc_path == oauth.REFRESH_METHOD), None)
        # Set when the gateway stops: open streams end with UNAVAILABLE.
        self.closing = asyncio.Event()

    def asgi(self):
        """Return the ASGI application: API calls go straight to dispatch, pages through Starlette's router."""
        app = self._pages_and_api()
        if self.settings.cors_origins:
            # The CORS middleware must see every request, preflights included.
            return app

        async def entry(scope, receive, send) -> None:
            if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
                await self(scope, receive, send)
            else:
                await app(scope, receive, send)

        return entry

    def _pages_and_api(self) -> Starlette:
        middleware = []
        if self.settings.cors_origins:
            middleware.append(
                Middleware(
                    CORSMiddleware,
                    allow_origins=list(self.settings.cors_origins),
                    allow_methods=["*"],
                    allow_headers=[*CORS_REQUEST_HEADERS, *self.settings.http_forward_headers],
                    expose_headers=list(CORS_EXPOSED_HEADERS),
                )
            )
        # The gateway is an ASGI endpoint, which Starlette offers every HTTP
        # method (a function endpoint gets GET only), so the route table alone
        # decides between 404, 405 and a call. The OpenAPI document, the docs
        # page and the scoreboard page come first, so they take their paths.
        pages = [*openapi.routes(self.routes), *scoreboard.routes(), *account_pages.routes()]
        # Starlette matches the decoded path, and its catch-all pattern stops
        # at a newline (%0A), so such paths reach its 404 handler; sending
        # them to dispatch gives them the same Status replies as every path.
        return Starlette(
            routes=[*pages, StarletteRoute("/{path:path}", self)],
            middleware=middleware,
            exception_handlers={404: self._unrouted},
        )

    async def _unrouted(self, request: Request, exc: Exception):
        return await self.dispatch(request)

    async def __call__(self, scope, receive, send) -> None:
        response = await self.dispatch(Request(scope, receive))
        await response(scope, receive, send)

    async def dispatch(self, request: Request):
        """Handle one HTTP request and return its response.

        No exception escapes, so no traceback reaches the client: unexpected
        errors become a 500 with a Status body and are logged with their traceback.
        """
        started = time.perf_counter()
        request_id = metadata.request_id(request.headers)
        try:
            response = await self._handle(request, request_id)
        except GatewayError as error:
            response = self.error_response(error.status(), error.http_status, request_id, error.headers)
        except Exception:
            logger.exception("http %s %s failed, request_id=%s", request.method, request.url.path, request_id)
            response = self.error_response(internal_status(request_id), 500, request_id)

        status = getattr(response, "status_code", 200)
        duration_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "http method=%s path=%s status=%d duration_ms=%.1f request_id=%s",
            request.method, request.url.path, status, duration_ms, request_id,
        )
        return response

    async def _handle(self, request: Request, request_id: str):
        content_type = media_type(request)
        if grpcweb.is_grpc_web(content_type):
            body = await read_body(request)
            return await grpcweb.handle(self, request, request_id, content_type, body)

        match = self.routes.match(request.method, raw_path(request))
        route = match.route
        call_metadata = metadata.request_metadata(request.headers, self.settings.http_forward_headers, request_id)
        timeout = metadata.timeout_seconds(request.headers)
        body = await read_body(request) if route.body else b""

        if oauth.accepts_form(route, content_type):
            peer = peer_of(request.client)
            return await self._password_grant(route, body, call_metadata, timeout, request_id, peer)
        if route.body and body.strip():
            _check_json_content_type(content_type)
        message = transcode.build_request(match, request.query_params.multi_items(), body, self.routes.pool)

        if route.server_streaming:
            return await self._stream(match, message, request, call_metadata, timeout, request_id)
        result = await self._call_unary(route, message, call_metadata, timeout, request_id, peer_of(request.client))
        if result.error is not None:
            return self.rpc_error_response(result)
        payload = transcode.dumps(transcode.response_json(route, result.reply, self.routes.pool))
        return _with_headers(Response(payload, media_type=JSON_MEDIA_TYPE), result.response_headers())

    async def _call_unary(
        self, route: Route, message, call_metadata, timeout, request_id: str, peer: str
    ) -> UnaryResult:
        if self.local is not None:
            local = await self.local.unary(route.grpc_path, message.SerializeToString(), call_metadata, timeout, peer)
            headers = metadata.response_headers("Grpc-Metadata-", local.initial_metadata, local.trailing_metadata)
            request_id = metadata.server_request_id(local.initial_metadata, request_id)
            if local.error is not None:
                return UnaryResult(None, local.error, headers, request_id)
            return UnaryResult(route.response_class.FromString(local.reply), None, headers, request_id)
        multicallable = self._unary_calls.get(route.grpc_path)
        if multicallable is None:
            multicallable = self._unary_calls[route.grpc_path] = self.channel.unary_unary(route.grpc_path)
        call = multicallable(message.SerializeToString(), metadata=call_metadata, timeout=timeout)
        try:
            reply_bytes = await call
        except grpc.aio.AioRpcError as error:
            initial = error.initial_metadata()
            headers = metadata.response_headers("Grpc-Metadata-", initial, error.trailing_metadata())
            return UnaryResult(None, error, headers, metadata.server_request_id(initial, request_id))
        initial = await call.initial_metadata()
        headers = metadata.response_headers("Grpc-Metadata-", initial, await call.trailing_metadata())
        reply = route.response_class.FromString(reply_bytes)
        return UnaryResult(reply, None, headers, metadata.server_request_id(initial, request_id))

    async def _password_grant(self, route: Route, body: bytes, call_metadata, timeout, request_id: str, peer: str):
        try:
            route, message = oauth.grant_request(route, self._refresh_route, body)
        except oauth.OAuthError as error:
            return error.response({"X-Request-Id": request_id})
        result = await self._call_unary(route, message, call_metadata, timeout, request_id, peer)
        if result.error is None:
            return _with_headers(oauth.token_response(result.reply), result.response_headers())
        oauth_error = oauth.error_for_status(status_from_rpc_error(result.error))
        if oauth_error is None:
            return self.rpc_error_response(result)
        return oauth_error.response({"X-Request-Id": result.request_id})

    async def _stream(self, match: RouteMatch, message, request: Request, call_metadata, timeout, request_id: str):
        route = match.route
        fmt = self._stream_format(route, request, call_metadata)
        call = self.channel.unary_stream(route.grpc_path)(
            message.SerializeToString(), metadata=call_metadata, timeout=timeout
        )
        opened = await streams.open_stream(call, request_id, self.settings.sse_heartbeat_seconds)
        if isinstance(opened, streams.End):
            code = code_from_number(opened.status.code)
            headers = metadata.response_headers("Grpc-Metadata-", opened.trailing)
            return self.error_response(opened.status, http_status(code), request_id, headers)

        headers = [("X-Request-Id", metadata.server_request_id(opened.initial_metadata, request_id))]
        headers.extend(metadata.response_headers("Grpc-Metadata-", opened.initial_metadata))
        return streams.StreamingCallResponse(opened, fmt, headers, self.closing)

    def _stream_format(self, route: Route, request: Request, call_metadata: metadata.Metadata):
        """Choose SSE or NDJSON by the Accept header; for SSE, pass Last-Event-ID on as metadata."""

        def render(data: bytes) -> object:
            return transcode.response_json(route, route.response_class.FromString(data), self.routes.pool)

        if streams.SSE_MEDIA_TYPE not in request.headers.get("accept", ""):
            return streams.NdjsonFormat(render, self.routes.pool)
        last_event_id = streams.clean_last_event_id(request.headers.get(streams.LAST_EVENT_ID_HEADER))
        if last_event_id:
            call_metadata.append((streams.LAST_EVENT_ID_HEADER, last_event_id))
        return streams.SseFormat(render, self.routes.pool, self.settings.sse_heartbeat_seconds, last_event_id)

    def rpc_error_response(self, result: UnaryResult) -> Response:
        status = status_from_rpc_error(result.error)
        return self.error_response(status, http_status(result.error.code()), result.request_id, result.headers)

    def error_response(self, status, status_code: int, request_id: str, headers=()) -> Response:
        """Build a google.rpc.Status JSON response with the given HTTP status.

        `headers` is a dict or a list of (name, value) pairs.
        """
        response = Response(status_body(status, self.routes.pool), status_code, media_type=JSON_MEDIA_TYPE)
        pairs = list(headers.items() if isinstance(headers, dict) else headers)
        retry_after = _retry_after_seconds(status)
        if retry_after is not None:
            pairs.append(("Retry-After", str(retry_after)))
        return _with_headers(response, [("X-Request-Id", request_id), *pairs])


def _retry_after_seconds(status) -> int | None:
    """Return the whole seconds of a google.rpc.RetryInfo detail, rounded up, for the Retry-After header."""
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            delay = info.retry_delay.seconds + (1 if info.retry_delay.nanos > 0 else 0)
            return max(delay, 0)
    return None


def _check_json_content_type(content_type: str) -> None:
    """Accept JSON, a `+json` type or no type at all, and reject the rest with 415."""
    if content_type in ("", JSON_MEDIA_TYPE) or content_type.endswith("+json"):
        return
    raise GatewayError(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"content type {content_type!r} is not supported; send application/json",
        reason="UNSUPPORTED_MEDIA_TYPE",
        http_status=415,
    )


def _with_headers(response: Response, headers) -> Response:
    """Add headers one by one, so a metadata key that the server sent twice appears twice."""
    for name, value in headers:
        if name.lower() == "x-request-id":
            response.headers[name] = value
        else:
            response.headers.append(name, value)
    return response

