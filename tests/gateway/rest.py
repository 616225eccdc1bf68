"""Builders for gateway tests: accounts, arcades and machines made through the REST routes."""

from __future__ import annotations

import dataclasses
import uuid

import httpx

from tests.helpers import PASSWORD


@dataclasses.dataclass
class RestUser:
    user_id: str
    email: str
    screen_name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclasses.dataclass
class RestMachine:
    machine: dict
    device_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.device_token}"}


async def sign_up(http: httpx.AsyncClient) -> RestUser:
    name = f"player{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    created = await http.post("/v1/users", json={"email": email, "password": PASSWORD, "screenName": name})
    assert created.status_code == 200, created.text
    token = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return RestUser(created.json()["user"]["id"], email, name, token.json()["accessToken"])


async def create_arcade(http: httpx.AsyncClient, user: RestUser, **fields) -> dict:
    body = {"displayName": "Flipper Hall", "latitude": 52.52, "longitude": 13.405, "timeZone": "Europe/Berlin"}
    body.update(fields)
    reply = await http.post("/v1/arcades", json=body, headers=user.headers)
    assert reply.status_code == 200, reply.text
    return reply.json()["arcade"]


async def create_machine(http: httpx.AsyncClient, user: RestUser, arcade_id: str, title="Attack From Mars (1.13b)") -> RestMachine:
    reply = await http.post("/v1/machines", json={"arcadeId": arcade_id, "gameTitle": title}, headers=user.headers)
    assert reply.status_code == 200, reply.text
    return RestMachine(reply.json()["machine"], reply.json()["deviceToken"])


async def submit_score(http: httpx.AsyncClient, machine: RestMachine, value, **fields) -> httpx.Response:
    body = {"submissionId": uuid.uuid4().hex, "value": value, **fields}
    return await http.post("/v1/scores", json=body, headers=machine.headers)
