"""A small gRPC-Web client for tests: frames a request, posts it with httpx and decodes frames as they arrive."""

from __future__ import annotations

import base64
import dataclasses
import struct
import urllib.parse

import httpx
from google.rpc import status_pb2

BINARY = "application/grpc-web+proto"
TEXT = "application/grpc-web-text"


def frame(payload: bytes, flag: int = 0) -> bytes:
    return struct.pack(">BI", flag, len(payload)) + payload


@dataclasses.dataclass
class Trailers:
    fields: dict[str, str]

    @property
    def code(self) -> int:
        return int(self.fields["grpc-status"])

    @property
    def message(self) -> str:
        return urllib.parse.unquote(self.fields.get("grpc-message", ""))

    def status(self) -> status_pb2.Status:
        encoded = self.fields["grpc-status-details-bin"]
        return status_pb2.Status.FromString(base64.b64decode(encoded + "=" * (-len(encoded) % 4)))


class FrameDecoder:
    """Turns response bytes, binary or base64 text, into messages and one Trailers."""

    def __init__(self, text: bool):
        self.text = text
        self.pending_text = b""
        self.buffer = b""
        self.messages: list[bytes] = []
        self.trailers: Trailers | None = None

    def feed(self, chunk: bytes) -> None:
        if self.text:
            # Each 4-character quantum of base64 decodes on its own, padding included.
            self.pending_text += chunk
            usable = len(self.pending_text) - len(self.pending_text) % 4
            self.buffer += b"".join(
                base64.b64decode(self.pending_text[i : i + 4]) for i in range(0, usable, 4)
            )
            self.pending_text = self.pending_text[usable:]
        else:
            self.buffer += chunk
        self._split()

    def _split(self) -> None:
        while len(self.buffer) >= 5:
            flag, length = struct.unpack(">BI", self.buffer[:5])
            if len(self.buffer) < 5 + length:
                return
            payload, self.buffer = self.buffer[5 : 5 + length], self.buffer[5 + length :]
            if flag & 0x80:
                lines = payload.decode().split("\r\n")
                self.trailers = Trailers(
                    {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines if line)}
                )
            else:
                self.messages.append(payload)


@dataclasses.dataclass
class WebReply:
    http_status: int
    headers: httpx.Headers
    messages: list[bytes]
    trailers: Trailers | None


def request_body(messages: list[bytes], text: bool) -> bytes:
    body = b"".join(frame(message) for message in messages)
    return base64.b64encode(body) if text else body


def request_headers(text: bool, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": TEXT if text else BINARY, "X-Grpc-Web": "1", "Accept": TEXT if text else BINARY, **(headers or {})}


async def call(client: httpx.AsyncClient, path: str, *messages: bytes, text=False, headers=None) -> WebReply:
    """Make one complete gRPC-Web call and return every frame."""
    decoder = FrameDecoder(text)
    async with client.stream("POST", path, content=request_body(list(messages), text), headers=request_headers(text, headers)) as reply:
        async for chunk in reply.aiter_bytes():
            decoder.feed(chunk)
    return WebReply(reply.status_code, reply.headers, decoder.messages, decoder.trailers)
