"""Sources of the gateway's service descriptors: the SDK package or server reflection.

Both sources give a `FileDescriptorSet` with every imported file, which is
loaded into a private `DescriptorPool`. A private pool lets the gateway handle
messages that this process was never built with (a new RPC the server
reports by reflection) without clashing with the generated modules in the
default pool.
"""

from __future__ import annotations

import importlib.resources
import logging

import grpc
from google.api import annotations_pb2  # noqa: F401  # registers the google.api.http option before parsing
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

logger = logging.getLogger(__name__)

SDK_PACKAGE = "origin_sdk"
SDK_DESCRIPTOR_FILE = "descriptors.binpb"

# Error responses render google.rpc.Status with its typed details, so these
# files must be in the pool even when no service imports them.
_ALWAYS_LOADED = (status_pb2.DESCRIPTOR, error_details_pb2.DESCRIPTOR)

REFLECTION_TIMEOUT_SECONDS = 10.0


class DescriptorSourceError(RuntimeError):
    """The descriptors could not be loaded from the chosen source."""


def load_sdk_file_set() -> descriptor_pb2.FileDescriptorSet:
    """Read the descriptor set that `make generate` ships in the origin-sdk package."""
    data = importlib.resources.files(SDK_PACKAGE).joinpath(SDK_DESCRIPTOR_FILE).read_bytes()
    return descriptor_pb2.FileDescriptorSet.FromString(data)


async def load_reflection_file_set(channel: grpc.aio.Channel) -> descriptor_pb2.FileDescriptorSet:
    """Ask the server's reflection service for every service it lists and the files they need."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    # wait_for_ready: a gateway started beside its server waits for it to listen.
    call = stub.ServerReflectionInfo(timeout=REFLECTION_TIMEOUT_SECONDS, wait_for_ready=True)
    try:
        listed = await _ask(call, reflection_pb2.ServerReflectionRequest(list_services=""))
        files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        for service in listed.list_services_response.service:
            reply = await _ask(call, reflection_pb2.ServerReflectionRequest(file_containing_symbol=service.name))
            for serialized in reply.file_descriptor_response.file_descriptor_proto:
                file = descriptor_pb2.FileDescriptorProto.FromString(serialized)
                files.setdefault(file.name, file)
        await call.done_writing()
    except grpc.aio.AioRpcError as error:
        raise DescriptorSourceError(f"server reflection failed: {error.code().name}: {error.details()}") from None
    finally:
        call.cancel()
    return descriptor_pb2.FileDescriptorSet(file=list(files.values()))


async def _ask(call, request: reflection_pb2.ServerReflectionRequest) -> reflection_pb2.ServerReflectionResponse:
    await call.write(request)
    reply = await call.read()
    if reply is grpc.aio.EOF:
        raise DescriptorSourceError("server reflection ended the stream early")
    if reply.HasField("error_response"):
        error = reply.error_response
        raise DescriptorSourceError(f"server reflection failed: {error.error_message} ({error.error_code})")
    return reply


def build_pool(file_set: descriptor_pb2.FileDescriptorSet) -> descriptor_pool.DescriptorPool:
    """Load every file of the set, dependencies first, into a new pool."""
    pool = descriptor_pool.DescriptorPool()
    by_name = {file.name: file for file in file_set.file}
    for file in _always_loaded_files():
        by_name.setdefault(file.name, file)

    added: set[str] = set()

    def add(name: str, chain: tuple[str, ...]) -> None:
        if name in added:
            return
        if name in chain:
            raise DescriptorSourceError(f"import cycle through {name}")
        file = by_name.get(name)
        if file is None:
            raise DescriptorSourceError(f"descriptor set lacks {name}, imported by {chain[-1]}")
        for dependency in file.dependency:
            add(dependency, chain + (name,))
        pool.Add(file)
        added.add(name)

    for name in by_name:
        add(name, ())
    return pool


def _always_loaded_files() -> list[descriptor_pb2.FileDescriptorProto]:
    """Return the always-loaded files and their imports, taken from the modules generated into this process."""
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    pending = list(_ALWAYS_LOADED)
    while pending:
        descriptor = pending.pop()
        if descriptor.name in files:
            continue
        proto = descriptor_pb2.FileDescriptorProto()
        descriptor.CopyToProto(proto)
        files[descriptor.name] = proto
        pending.extend(descriptor.dependencies)
    return list(files.values())
