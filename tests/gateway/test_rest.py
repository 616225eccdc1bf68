"""Every public REST route of Origin through the gateway, against the real server and PostgreSQL."""

import datetime
import uuid

import pytest

from tests.gateway.rest import create_arcade, create_machine, sign_up, submit_score
from tests.helpers import PASSWORD

MAX_INT64 = 9_223_372_036_854_775_807


def reason(reply) -> str:
    infos = [d for d in reply.json()["details"] if d["@type"].endswith("/google.rpc.ErrorInfo")]
    return infos[0]["reason"]


def violations(reply) -> list[str]:
    bad = [d for d in reply.json()["details"] if d["@type"].endswith("/google.rpc.BadRequest")]
    return [v["field"] for d in bad for v in d["fieldViolations"]]


async def test_create_account(http):
    reply = await http.post(
        "/v1/users", json={"email": "ada@example.com", "password": PASSWORD, "screenName": "Ada"}
    )
    assert reply.status_code == 200
    user = reply.json()["user"]
    assert user["email"] == "ada@example.com"
    assert user["screenName"] == "Ada"
    assert datetime.datetime.fromisoformat(user["createTime"].replace("Z", "+00:00"))


async def test_create_account_accepts_proto_names(http):
    reply = await http.post("/v1/users", json={"email": "bo@example.com", "password": PASSWORD, "screen_name": "Bob"})
    assert reply.status_code == 200
    assert reply.json()["user"]["screenName"] == "Bob"


async def test_obtain_token_and_profile(http):
    user = await sign_up(http)
    reply = await http.get("/v1/users/me", headers=user.headers)
    assert reply.status_code == 200
    assert reply.json()["user"]["id"] == user.user_id


async def test_token_response_shape(http):
    user = await sign_up(http)
    reply = await http.post("/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    body = reply.json()
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == "900"
    assert "expireTime" in body


async def test_profile_read_time_query(http):
    user = await sign_up(http)
    before = "2000-01-01T00:00:00Z"
    reply = await http.get("/v1/users/me", params={"readTime": before}, headers=user.headers)
    assert reply.status_code == 404
    assert reason(reply) == "USER_NOT_FOUND"


async def test_register_machine_and_revoke_with_custom_verb(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    assert machine.machine["gameId"] == "attack-from-mars"
    assert machine.machine["deviceTokenActive"] is True

    listed = await http.get(f"/v1/arcades/{arcade['id']}/machines", headers=owner.headers)
    assert [m["id"] for m in listed.json()["machines"]] == [machine.machine["id"]]

    revoked = await http.post(f"/v1/machines/{machine.machine['id']}:revokeDeviceToken", json={}, headers=owner.headers)
    assert revoked.status_code == 200
    # false is the default value, so the JSON mapping leaves the field out.
    assert "deviceTokenActive" not in revoked.json()["machine"]
    rejected = await submit_score(http, machine, 100)
    assert rejected.status_code == 401
    assert reason(rejected) == "BAD_DEVICE_TOKEN"


async def test_custom_verb_without_body(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    renewed = await http.post(f"/v1/machines/{machine.machine['id']}:renewDeviceToken", headers=owner.headers)
    assert renewed.status_code == 200
    assert renewed.json()["deviceToken"] != machine.device_token


async def test_submit_score_and_read_boards(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])

    submitted = await submit_score(http, machine, "9000000000", userId=owner.user_id)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["score"]["value"] == "9000000000"
    await submit_score(http, machine, 1234, initials="ACE")

    top = await http.get("/v1/scores/top/attack-from-mars", params={"scope": "BOARD_SCOPE_GLOBAL"})
    assert top.status_code == 200
    entries = top.json()["entries"]
    assert [e["score"]["value"] for e in entries] == ["9000000000", "1234"]
    assert [e["rank"] for e in entries] == ["1", "2"]
    assert top.json()["totalSize"] == "2"

    mine = await http.get(f"/v1/scores/user/{owner.user_id}")
    assert [s["value"] for s in mine.json()["scores"]] == ["9000000000"]


@pytest.mark.parametrize("value", [9_000_000_000, "9000000000", MAX_INT64, str(MAX_INT64)])
async def test_int64_round_trip(http, value):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    # The JSON body carries the number itself, not a float approximation.
    submitted = await submit_score(http, machine, value)
    assert submitted.json()["score"]["value"] == str(value)

    top = await http.get("/v1/scores/top/attack-from-mars", params={"scope": "BOARD_SCOPE_MACHINE", "machineId": machine.machine["id"]})
    assert top.json()["entries"][0]["score"]["value"] == str(value)


async def test_score_above_int64_is_400(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    reply = await submit_score(http, machine, MAX_INT64 + 1)
    assert reply.status_code == 400
    assert violations(reply) == ["value"]
    assert "from -9,223,372,036,854,775,808 to 9,223,372,036,854,775,807" in reply.json()["message"]


async def test_enum_query_by_name_and_number(http):
    by_name = await http.get("/v1/scores/top/afm", params={"scope": "BOARD_SCOPE_GLOBAL", "mode": "BOARD_MODE_EVERY_ENTRY"})
    by_number = await http.get("/v1/scores/top/afm", params={"scope": "3", "mode": "2"})
    assert by_name.status_code == 200
    assert by_number.status_code == 200


async def test_timestamp_and_int_query_parameters(http):
    params = {"scope": "BOARD_SCOPE_GLOBAL", "period": "BOARD_PERIOD_DAY", "periodTime": "2024-03-10T12:00:00Z", "pageSize": "5"}
    reply = await http.get("/v1/scores/top/afm", params=params)
    assert reply.status_code == 200
    assert reply.json()["periodStartTime"] == "2024-03-10T00:00:00Z"
    assert reply.json()["periodEndTime"] == "2024-03-11T00:00:00Z"


async def test_arcades_nearby_is_not_taken_as_an_id(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner, latitude=48.1374, longitude=11.5755, timeZone="Europe/Berlin")
    reply = await http.get("/v1/arcades/nearby", params={"latitude": "48.14", "longitude": "11.58", "radiusMeters": "5000"})
    assert reply.status_code == 200
    found = reply.json()["arcades"]
    assert [a["arcade"]["id"] for a in found] == [arcade["id"]]
    assert found[0]["distanceMeters"] > 0


async def test_get_arcade_by_id_and_trailing_slash(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    plain = await http.get(f"/v1/arcades/{arcade['id']}")
    slashed = await http.get(f"/v1/arcades/{arcade['id']}/")
    assert plain.json() == slashed.json()
    assert plain.json()["arcade"]["displayName"] == "Flipper Hall"


async def test_unknown_query_parameter_is_400(http):
    reply = await http.get("/v1/arcades/nearby", params={"latitude": "1", "longitude": "2", "radius": "9"})
    assert reply.status_code == 400
    body = reply.json()
    assert body["code"] == 3
    assert "radius" in body["message"]
    assert violations(reply) == ["radius"]


async def test_bad_query_value_is_400(http):
    reply = await http.get("/v1/scores/top/afm", params={"scope": "BOARD_SCOPE_NOPE"})
    assert reply.status_code == 400
    assert violations(reply) == ["scope"]


async def test_malformed_json_is_400(http):
    reply = await http.post("/v1/users", content=b'{"email": ', headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()["code"] == 3
    assert "not valid JSON" in reply.json()["message"]
    assert violations(reply) == ["body"]


async def test_unknown_json_field_is_400(http):
    reply = await http.post("/v1/users", json={"email": "x@example.com", "nickname": "x"})
    assert reply.status_code == 400
    assert "nickname" in reply.json()["message"]


async def test_form_body_on_json_route_is_415(http):
    reply = await http.post("/v1/users", data={"email": "x@example.com"})
    assert reply.status_code == 415
    assert reason(reply) == "UNSUPPORTED_MEDIA_TYPE"


async def test_oversized_body_is_413(http):
    reply = await http.post("/v1/users", content=b" " * (4 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert reply.status_code == 413
    assert reason(reply) == "BODY_TOO_LARGE"


async def test_unknown_path_is_404_with_status(http):
    reply = await http.get("/v1/nothing/here")
    assert reply.status_code == 404
    assert reply.json()["code"] == 5
    assert reason(reply) == "ROUTE_NOT_FOUND"


async def test_wrong_method_is_405(http):
    reply = await http.delete("/v1/users/me")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "GET"
    assert reason(reply) == "HTTP_METHOD_NOT_ALLOWED"


async def test_error_400_invalid_argument(http):
    reply = await http.post("/v1/users", json={"email": "nope", "password": PASSWORD, "screenName": "abc"})
    assert reply.status_code == 400
    assert reason(reply) == "INVALID_ARGUMENT"
    assert violations(reply) == ["email"]


async def test_error_401_bad_credentials(http):
    user = await sign_up(http)
    reply = await http.post("/v1/auth/token", json={"email": user.email, "password": "wrong password!"})
    assert reply.status_code == 401
    assert reason(reply) == "BAD_CREDENTIALS"


async def test_error_401_bad_authorization_header(http):
    reply = await http.get("/v1/users/me", headers={"Authorization": "Basic abc"})
    assert reply.status_code == 401
    assert reason(reply) == "BAD_AUTHORIZATION"


async def test_error_403_not_owner(http):
    owner = await sign_up(http)
    stranger = await sign_up(http)
    arcade = await create_arcade(http, owner)
    reply = await http.post("/v1/machines", json={"arcadeId": arcade["id"], "gameTitle": "Medieval Madness"}, headers=stranger.headers)
    assert reply.status_code == 403
    assert reason(reply) == "NOT_ARCADE_OWNER"


async def test_error_404_missing_arcade(http):
    reply = await http.get(f"/v1/arcades/{uuid.uuid4()}")
    assert reply.status_code == 404
    assert reason(reply) == "ARCADE_NOT_FOUND"


async def test_error_409_screen_name_taken(http):
    user = await sign_up(http)
    reply = await http.post(
        "/v1/users", json={"email": "other@example.com", "password": PASSWORD, "screenName": user.screen_name}
    )
    assert reply.status_code == 409
    assert reply.json()["code"] == 6
    assert reason(reply) == "SCREEN_NAME_TAKEN"


async def test_error_body_keeps_error_info_domain(http):
    reply = await http.get(f"/v1/arcades/{uuid.uuid4()}")
    info = reply.json()["details"][0]
    assert info["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    assert info["domain"] == "origin.pinball"


async def test_request_id_round_trip(http):
    reply = await http.get("/v1/users/me", headers={"X-Request-Id": "trace-42"})
    assert reply.headers["x-request-id"] == "trace-42"


async def test_authorization_is_never_echoed(http):
    user = await sign_up(http)
    reply = await http.get("/v1/users/me", headers=user.headers)
    assert all(user.token not in value for value in reply.headers.values())
    assert not any(name.startswith("grpc-metadata-authorization") for name in reply.headers)


async def test_bad_value_names_field(http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    text_score = await submit_score(http, machine, "abc")
    bad_enum = await http.get("/v1/scores/top/afm", params={"scope": "NOPE"})

    assert text_score.status_code == 400
    assert violations(text_score) == ["value"]
    assert "must be a whole number" in text_score.json()["message"]
    assert "int()" not in text_score.json()["message"]
    assert bad_enum.status_code == 400
    assert "one of BOARD_SCOPE_MACHINE, BOARD_SCOPE_ARCADE, BOARD_SCOPE_GLOBAL" in bad_enum.json()["message"]
