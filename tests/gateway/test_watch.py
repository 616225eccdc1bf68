"""WatchBoard over HTTP: newline-delimited JSON, server-sent events, and cancellation when the client leaves."""

import asyncio
import json

import httpx

from tests.conftest import serving
from tests.conftest import test_settings as make_settings
from tests.gateway.rest import create_arcade, create_machine, sign_up, submit_score

WATCH = "/v1/scores/top/attack-from-mars:watch"
GLOBAL = {"scope": "BOARD_SCOPE_GLOBAL", "mode": "BOARD_MODE_EVERY_ENTRY"}
SSE = {"Accept": "text/event-stream"}


async def wait_for_watchers(api, expected: int, within: float = 1.0) -> int:
    """Poll the hub until it has `expected` watchers or `within` seconds pass; return the last count."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    count = api.running.deps.hub.watcher_count()
    while count != expected and loop.time() < deadline:
        await asyncio.sleep(0.02)
        count = api.running.deps.hub.watcher_count()
    return count


async def owner_machine(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    return await create_machine(http, owner, arcade["id"])


async def test_ndjson_snapshot_then_update(api, http):
    machine = await owner_machine(http)
    async with asyncio.timeout(10):
        async with http.stream("GET", WATCH, params=GLOBAL) as reply:
            assert reply.status_code == 200
            assert reply.headers["content-type"] == "application/x-ndjson"
            lines = reply.aiter_lines()
            first = json.loads(await anext(lines))
            assert first["result"]["snapshot"]["board"]["game"] == "attack-from-mars"
            assert "entries" not in first["result"]["snapshot"]

            submitted = await submit_score(http, machine, "9000000000", initials="MAX")
            assert submitted.status_code == 200
            second = json.loads(await anext(lines))
            entries = second["result"]["snapshot"]["entries"]
            assert entries[0]["score"]["value"] == "9000000000"
            assert entries[0]["score"]["player"]["initials"] == "MAX"


async def test_ndjson_disconnect_cancels_server_watch(api, http):
    async with asyncio.timeout(10):
        async with http.stream("GET", WATCH, params=GLOBAL) as reply:
            await anext(reply.aiter_lines())
            assert api.running.deps.hub.watcher_count() == 1
    assert await wait_for_watchers(api, 0) == 0


async def test_sse_events_and_disconnect(api, http):
    machine = await owner_machine(http)
    async with asyncio.timeout(10):
        async with http.stream("GET", WATCH, params=GLOBAL, headers=SSE) as reply:
            assert reply.headers["content-type"] == "text/event-stream"
            assert reply.headers["cache-control"] == "no-cache"
            events = sse_events(reply)
            first = await anext(events)
            assert first["id"] == "1"
            assert json.loads(first["data"])["snapshot"]["board"]["scope"] == "BOARD_SCOPE_GLOBAL"

            await submit_score(http, machine, 4200)
            second = await anext(events)
            assert second["id"] == "2"
            assert json.loads(second["data"])["snapshot"]["entries"][0]["score"]["value"] == "4200"
            assert api.running.deps.hub.watcher_count() == 1
    assert await wait_for_watchers(api, 0) == 0


async def test_sse_heartbeat(database_url, tmp_path):
    settings = make_settings(tmp_path, sse_heartbeat_seconds=0.2)
    async with serving(database_url, settings) as api:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.running.http_port}") as client:
            text = ""
            async with asyncio.timeout(10):
                async with client.stream("GET", WATCH, params=GLOBAL, headers=SSE) as reply:
                    async for chunk in reply.aiter_text():
                        text += chunk
                        if ": heartbeat" in text:
                            break
    assert text.startswith("id: 1\ndata: ")
    assert "\n\n: heartbeat\n\n" in text


async def test_sse_resume_with_last_event_id(api, http):
    headers = {**SSE, "Last-Event-ID": "7"}
    async with asyncio.timeout(10):
        async with http.stream("GET", WATCH, params=GLOBAL, headers=headers) as reply:
            first = await anext(sse_events(reply))
    # The first event after a reconnection is the board as it is now.
    assert first["id"] == "8"
    assert json.loads(first["data"])["snapshot"]["board"]["game"] == "attack-from-mars"


async def test_bad_selection_is_400_before_streaming(http):
    reply = await http.get(WATCH, params={"mode": "BOARD_MODE_EVERY_ENTRY"})
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["code"] == 3


async def test_sse_bad_selection_is_400(http):
    reply = await http.get(WATCH, params={"scope": "BOARD_SCOPE_ARCADE"}, headers=SSE)
    assert reply.status_code == 400


async def test_gateway_stop_ends_stream_with_unavailable(database_url, tmp_path):
    async with serving(database_url, make_settings(tmp_path)) as api:
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.running.http_port}", timeout=10)
        lines = []
        async with asyncio.timeout(10):
            async with client.stream("GET", WATCH, params=GLOBAL) as reply:
                async for line in reply.aiter_lines():
                    lines.append(json.loads(line))
                    if len(lines) == 1:
                        stopping = asyncio.get_running_loop().create_task(api.running.gateway.stop())
        await stopping
        await client.aclose()
    assert lines[-1]["error"]["code"] == 14
    assert lines[-1]["error"]["details"][0]["reason"] == "GATEWAY_SHUTTING_DOWN"


async def sse_events(reply):
    """Yield each event of an SSE response as a dict of its fields; comments are skipped."""
    fields = {}
    async for line in reply.aiter_lines():
        if line == "":
            if fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
