"""The echo test service: its descriptors compiled at test time, and a gRPC server that echoes requests.

Each unary method returns EchoResponse(echo=request, tags=request.tags,
score=request.score); with name "code-<STATUS CODE NAME>" it fails with that
code and an ErrorInfo whose reason is "ECHO_<STATUS CODE NAME>". Watch sends `count` responses (3 when unset) and then
ends. With name "fail" it ends with NOT_FOUND after the first, with
"forever" it sends one response every 50 ms, with "quiet" it sends one and
then waits, and with "silent" it only waits. `active_watches` counts the
Watch calls running.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import pathlib

import grpc
from google.api import annotations_pb2
from google.protobuf import any_pb2, descriptor_pb2, message_factory
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from grpc_tools import protoc

from server.gateway.routes import RouteTable

TESTDATA = pathlib.Path(__file__).parent / "testdata"
SERVICE = "gatewaytest.v1.EchoService"


def compile_echo_proto(out_dir: pathlib.Path) -> descriptor_pb2.FileDescriptorSet:
    """Compile testdata/echo.proto with grpc_tools.protoc into a FileDescriptorSet with its imports."""
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    # google/api/*.proto ship inside the googleapis-common-protos wheel.
    googleapis = pathlib.Path(annotations_pb2.__file__).parents[2]
    out = out_dir / "echo.binpb"
    code = protoc.main(
        [
            "protoc",
            f"-I{TESTDATA}",
            f"-I{well_known}",
            f"-I{googleapis}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            str(TESTDATA / "echo.proto"),
        ]
    )
    assert code == 0, "protoc failed on echo.proto"
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


class EchoServer:
    """A grpc.aio server for EchoService built from the table's message classes."""

    def __init__(self, table: RouteTable):
        service = table.pool.FindServiceByName(SERVICE)
        self.request_class = message_factory.GetMessageClass(service.methods_by_name["GetEcho"].input_type)
        self.response_class = message_factory.GetMessageClass(service.methods_by_name["GetEcho"].output_type)
        self.metadata_seen: list[dict] = []
        self.active_watches = 0
        handlers = {}
        for method in service.methods:
            if method.client_streaming:
                continue
            if method.server_streaming:
                handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                    self.watch, self.request_class.FromString, self.response_class.SerializeToString
                )
            else:
                handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                    self.echo, self.request_class.FromString, self.response_class.SerializeToString
                )
        self.server = grpc.aio.server()
        self.server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])
        self.port = 0

    async def start(self) -> None:
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop(0)

    def _reply(self, request):
        return self.response_class(echo=request, tags=request.tags, score=request.score)

    async def echo(self, request, context):
        metadata = dict(context.invocation_metadata())
        self.metadata_seen.append(metadata)
        await context.send_initial_metadata((("x-echo-initial", "hello"),))
        context.set_trailing_metadata((("x-echo-trailing", "bye"), ("x-echo-bin", b"\x00\x01")))
        if request.name == "deny":
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "denied by the echo server")
        if request.name.startswith("code-"):
            await context.abort_with_status(_status(grpc.StatusCode[request.name[len("code-") :]]))
        return self._reply(request)

    async def watch(self, request, context):
        self.metadata_seen.append(dict(context.invocation_metadata()))
        self.active_watches += 1
        try:
            async for reply in self._watch_replies(request, context):
                yield reply
        finally:
            self.active_watches -= 1

    async def _watch_replies(self, request, context):
        if request.name == "forever":
            while True:
                yield self._reply(request)
                await asyncio.sleep(0.05)
        if request.name in ("quiet", "silent"):
            if request.name == "quiet":
                yield self._reply(request)
            await asyncio.Event().wait()
        for _ in range(request.count or 3):
            yield self._reply(request)
            if request.name == "fail":
                await context.abort(grpc.StatusCode.NOT_FOUND, "the echo ran out")


def _status(code: grpc.StatusCode) -> grpc.Status:
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=f"ECHO_{code.name}", domain="echo.test"))
    status = status_pb2.Status(code=code.value[0], message=f"echo failed with {code.name}", details=[info])
    return rpc_status.to_status(status)
