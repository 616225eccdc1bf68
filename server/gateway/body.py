"""Reading request bodies with a size limit, and the parts of a request that routing needs."""

from __future__ import annotations

import grpc
from starlette.requests import Request

from server.gateway.errors import GatewayError

# The gRPC default for the largest message a server accepts, so a body the
# server would reject anyway is not buffered in full.
MAX_BODY_BYTES = 4 * 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the whole body, raising a 413 GatewayError once it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """Return the Content-Type without parameters, in lower case ("application/json; charset=utf-8" gives "application/json")."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def raw_path(request: Request) -> str:
    """Return the path as the client sent it, still percent-encoded, so path templates can decode each segment."""
    raw = request.scope.get("raw_path")
    if raw:
        return raw.decode("latin-1")
    return request.url.path


def _too_large(limit: int) -> GatewayError:
    return GatewayError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"the request body is larger than {limit} bytes",
        reason="BODY_TOO_LARGE",
        http_status=413,
    )
