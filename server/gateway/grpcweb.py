"""gRPC-Web for browsers, on the gateway's HTTP port.

A gRPC-Web request is a POST to `/<package>.<Service>/<Method>` whose body
contains length-prefixed frames: one flag byte, a 4-byte big-endian length and
the message. The response carries the server's messages in data frames
(flag 0x00) and then the status and trailing metadata as one trailer frame
(flag 0x80) of `key: value` lines. The `-text` content types wrap the same
bytes in base64; the gateway encodes each response frame on its own, so the
stream is a sequence of padded base64 chunks that a client decodes as they
arrive. Compressed frames are not supported.

The call goes to the server as a bidirectional stream carrying every request
frame. On the wire that is the same as a unary or server-streaming call, so
the gateway needs no descriptor to forward any method. Request metadata
follows the REST rules: `Authorization`, `X-Request-Id`, the headers in
ORIGIN_HTTP_FORWARD_HEADERS and `Grpc-Metadata-<key>` headers.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct

import grpc
from google.rpc import status_pb2
from starlette.responses import Response

from server.gateway import metadata, streams
from server.gateway.errors import STATUS_DETAILS_KEY, GatewayError

CONTENT_TYPES = frozenset(
    {"application/grpc-web", "application/grpc-web+proto", "application/grpc-web-text", "application/grpc-web-text+proto"}
)
TEXT_PREFIX = "application/grpc-web-text"
DATA_FLAG = 0x00
TRAILER_FLAG = 0x80
COMPRESSED_FLAG = 0x01

_FRAME_HEADER = struct.Struct(">BI")
_METHOD_PATH = re.compile(r"/[A-Za-z_][A-Za-z0-9_.]*/[A-Za-z_][A-Za-z0-9_]*")
_BASE64_CHUNK = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def is_grpc_web(content_type: str) -> bool:
    return content_type.startswith("application/grpc-web")


def frame(flag: int, payload: bytes) -> bytes:
    return _FRAME_HEADER.pack(flag, len(payload)) + payload


def decode_text(body: bytes) -> bytes:
    """Decode a base64 body that may be several padded chunks in a row."""
    compact = b"".join(body.split())
    decoded = []
    position = 0
    while position < len(compact):
        chunk = _BASE64_CHUNK.match(compact, position)
        end = chunk.end()
        if end == position:
            raise _invalid("the gRPC-Web text body is not base64")
        try:
            decoded.append(base64.b64decode(compact[position:end], validate=True))
        except (binascii.Error, ValueError):
            raise _invalid("the gRPC-Web text body is not valid base64") from None
        position = end
    return b"".join(decoded)


def decode_frames(body: bytes) -> list[bytes]:
    """Split a request body into its messages."""
    messages = []
    position = 0
    while position < len(body):
        if len(body) - position < _FRAME_HEADER.size:
            raise _invalid("the gRPC-Web body ends inside a frame header")
        flag, length = _FRAME_HEADER.unpack_from(body, position)
        position += _FRAME_HEADER.size
        if length > len(body) - position:
            raise _invalid("the gRPC-Web body ends inside a frame")
        if flag & COMPRESSED_FLAG:
            raise GatewayError(
                grpc.StatusCode.UNIMPLEMENTED, "compressed gRPC-Web frames are not supported", reason="COMPRESSION_NOT_SUPPORTED"
            )
        if flag & TRAILER_FLAG:
            raise _invalid("a gRPC-Web request must not contain a trailer frame")
        messages.append(body[position : position + length])
        position += length
    return messages


class GrpcWebFormat:
    """Encodes a call's messages and its end as gRPC-Web frames."""

    heartbeat_seconds: float | None = None

    def __init__(self, text: bool):
        self.text = text
        self.media_type = "application/grpc-web-text+proto" if text else "application/grpc-web+proto"

    def message(self, data: bytes) -> bytes:
        return self._encode(frame(DATA_FLAG, data))

    def end(self, end: streams.End) -> bytes:
        return self._encode(frame(TRAILER_FLAG, trailer_block(end.status, end.trailing)))

    def heartbeat(self) -> bytes:
        return b""

    def _encode(self, data: bytes) -> bytes:
        return base64.b64encode(data) if self.text else data


def trailer_block(status: status_pb2.Status, trailing) -> bytes:
    """Return the `key: value` lines of a trailer frame: status, message, details and trailing metadata."""
    lines = [f"grpc-status: {status.code}", f"grpc-message: {percent_encode(status.message)}"]
    if status.details:
        lines.append(f"{STATUS_DETAILS_KEY}: {_unpadded_base64(status.SerializeToString())}")
    for key, value in metadata.response_headers("", trailing):
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n").encode()


def percent_encode(message: str) -> str:
    """Percent-encode a grpc-message value: every byte outside printable ASCII, and '%' itself."""
    encoded = []
    for byte in message.encode("utf-8"):
        if 0x20 <= byte <= 0x7E and byte != 0x25:
            encoded.append(chr(byte))
        else:
            encoded.append(f"%{byte:02X}")
    return "".join(encoded)


async def handle(gateway, request, request_id: str, content_type: str, body: bytes) -> Response | streams.StreamingCallResponse:
    """Forward one gRPC-Web call; errors before the call starts become a trailers-only response."""
    if content_type not in CONTENT_TYPES:
        raise GatewayError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"content type {content_type!r} is not supported; use application/grpc-web+proto or application/grpc-web-text+proto",
            reason="UNSUPPORTED_MEDIA_TYPE",
            http_status=415,
        )
    fmt = GrpcWebFormat(text=content_type.startswith(TEXT_PREFIX))
    try:
        call = _start_call(gateway, request, request_id, fmt, body)
    except GatewayError as error:
        return trailers_only(fmt, error.status(), request_id)

    opened = await streams.open_stream(call, request_id, gateway.settings.sse_heartbeat_seconds)
    if isinstance(opened, streams.End):
        return trailers_only(fmt, opened.status, request_id, opened.trailing)
    headers = [("X-Request-Id", metadata.server_request_id(opened.initial_metadata, request_id))]
    headers.extend(metadata.response_headers("", opened.initial_metadata))
    return streams.StreamingCallResponse(opened, fmt, headers, gateway.closing)


def _start_call(gateway, request, request_id: str, fmt: GrpcWebFormat, body: bytes):
    if request.method != "POST":
        raise GatewayError(grpc.StatusCode.UNIMPLEMENTED, "gRPC-Web calls must use POST", reason="HTTP_METHOD_NOT_ALLOWED")
    path = request.url.path
    if not _METHOD_PATH.fullmatch(path):
        raise GatewayError(
            grpc.StatusCode.UNIMPLEMENTED, f"{path!r} is not a gRPC method path", reason="ROUTE_NOT_FOUND"
        )
    messages = decode_frames(decode_text(body) if fmt.text else body)
    call_metadata = metadata.request_metadata(request.headers, gateway.settings.http_forward_headers, request_id)
    timeout = metadata.timeout_seconds(request.headers)
    return gateway.channel.stream_stream(path)(iter(messages), metadata=call_metadata, timeout=timeout)


def trailers_only(fmt: GrpcWebFormat, status: status_pb2.Status, request_id: str, trailing=()) -> Response:
    """Build a response with no messages, with the status in the headers and again as the trailer frame."""
    headers = {"X-Request-Id": request_id, "grpc-status": str(status.code), "grpc-message": percent_encode(status.message)}
    return Response(fmt.end(streams.End(status, tuple(trailing))), media_type=fmt.media_type, headers=headers)


def _invalid(message: str) -> GatewayError:
    return GatewayError(grpc.StatusCode.INVALID_ARGUMENT, message, reason="INVALID_ARGUMENT")


def _unpadded_base64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")
