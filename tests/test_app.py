"""Server assembly: health, reflection, and the order of a clean shutdown."""

import asyncio

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from server.app import start_server
from tests.conftest import test_settings as make_settings


async def test_health_turns_not_serving_on_shutdown(database_url, tmp_path):
    running = await start_server(make_settings(tmp_path), database_url)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(service="origin.v1.ScoreService"))
        first = await asyncio.wait_for(watch.read(), 5)
        assert first.status == health_pb2.HealthCheckResponse.SERVING

        stopping = asyncio.create_task(running.stop())
        second = await asyncio.wait_for(watch.read(), 5)
        assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
        await asyncio.wait_for(stopping, 10)
    finally:
        await channel.close()


async def test_reflection_lists_services(api):
    stub = reflection_pb2_grpc.ServerReflectionStub(api.channel)

    async def one_request():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    responses = [response async for response in stub.ServerReflectionInfo(one_request())]
    names = {service.name for service in responses[0].list_services_response.service}
    assert {
        "origin.v1.AuthService",
        "origin.v1.ArcadeService",
        "origin.v1.MachineService",
        "origin.v1.ScoreService",
        "grpc.health.v1.Health",
    } <= names
