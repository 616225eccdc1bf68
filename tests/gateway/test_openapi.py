"""The OpenAPI document, the docs page and the routes snapshot.

The snapshot in snapshots/routes.json lists every REST route (method, path
template, RPC). buf's breaking check does not see HTTP rules, so this test is
what notices a route that changed. After changing a route on purpose, rewrite
the snapshot with:

    ORIGIN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/gateway/test_openapi.py
"""

import json
import os
import pathlib
import re

import pytest

from server.gateway import openapi
from server.gateway.descriptors import load_sdk_file_set
from server.gateway.routes import RouteTable

SNAPSHOT = pathlib.Path(__file__).parent / "snapshots" / "routes.json"
UPDATE_VARIABLE = "ORIGIN_UPDATE_SNAPSHOTS"


@pytest.fixture(scope="module")
def sdk_table() -> RouteTable:
    return RouteTable.from_file_set(load_sdk_file_set())


@pytest.fixture(scope="module")
def document(sdk_table) -> dict:
    return openapi.build_document(sdk_table, openapi.sdk_comments())


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {(method.upper(), path): op for path, item in document["paths"].items() for method, op in item.items()}


def test_routes_match_snapshot(sdk_table):
    current = openapi.routes_snapshot(sdk_table)
    if os.environ.get(UPDATE_VARIABLE) == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n")
    saved = json.loads(SNAPSHOT.read_text())
    added = [route for route in current if route not in saved]
    removed = [route for route in saved if route not in current]
    hint = f"If this is on purpose, rerun with {UPDATE_VARIABLE}=1 and commit {SNAPSHOT.name}."
    assert not added, f"REST routes added: {added}. {hint}"
    assert not removed, f"REST routes removed: {removed}. {hint}"


def test_document_has_every_route(sdk_table, document):
    listed = {(key, op["x-grpc-method"]) for key, op in operations(document).items()}
    expected = {((r.http_method, openapi.openapi_path(r)), r.grpc_path) for r in sdk_table.routes}
    assert listed == expected


def test_document_header(document):
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {
        "bearerAuth", "deviceToken", "apiKeyHeader", "oauth2Password", "partnerApiKey"
    }


def test_int64_and_enum_mapping(document):
    schemas = document["components"]["schemas"]
    value = schemas["origin.v1.Score"]["properties"]["value"]
    assert value["type"] == "string"
    assert value["format"] == "int64"
    assert schemas["origin.v1.BoardScope"]["enum"][-1] == "BOARD_SCOPE_GLOBAL"
    assert "achieveTime" in schemas["origin.v1.Score"]["properties"]


def test_comments_become_descriptions(document):
    op = operations(document)[("GET", "/v1/scores/top/{game}")]
    assert op["summary"] == "Lists the top of a board for a game."
    assert "INVALID_ARGUMENT" in op["description"]
    game = next(p for p in op["parameters"] if p["name"] == "game")
    assert game["in"] == "path"
    assert "attack-from-mars" in game["description"]


def test_query_parameters_skip_path_fields(document):
    op = operations(document)[("GET", "/v1/scores/top/{game}")]
    query = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    assert "game" not in query
    assert query["scope"]["schema"] == {"$ref": "#/components/schemas/origin.v1.BoardScope"}
    assert query["period_time"]["schema"]["format"] == "date-time"


def test_body_star_leaves_out_path_fields(document):
    op = operations(document)[("POST", "/v1/scores/{score_id}:claim")]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert "scoreId" not in body["properties"]
    assert "parameters" in op
    assert [p["name"] for p in op["parameters"]] == ["score_id"]


def test_security_follows_policy(document):
    ops = operations(document)
    assert {"bearerAuth": []} in ops[("GET", "/v1/users/me")]["security"]
    assert ops[("POST", "/v1/scores")]["security"][0] == {"deviceToken": []}
    assert {} in ops[("GET", "/v1/scores/top/{game}")]["security"]


def test_errors_are_status(document):
    for op in operations(document).values():
        schema = op["responses"]["default"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/google.rpc.Status"}
    assert "google.rpc.Status" in document["components"]["schemas"]


def test_token_route_documents_form(document):
    op = operations(document)[("POST", "/v1/auth/token")]
    form = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["grant_type", "username", "password"]


def test_stream_response_media_types(document):
    op = operations(document)[("GET", "/v1/scores/top/{game}:watch")]
    assert set(op["responses"]["200"]["content"]) == {"application/x-ndjson", "text/event-stream"}


def test_echo_bindings_and_nesting(echo_table):
    document = openapi.build_document(echo_table, openapi.Comments({}))
    ops = operations(document)
    # Additional bindings: the POST :get binding has its own operation.
    assert ops[("POST", "/v1/{name}:get")]["x-grpc-method"] == "/gatewaytest.v1.EchoService/GetShelf"
    shelf = ops[("GET", "/v1/{name}")]
    assert shelf["parameters"][0]["schema"]["pattern"] == "^shelves/[^/]+$"
    assert "Also bound to `GET /v1/{name=rooms/*/shelves/*}`" in shelf["description"]
    # Nested fields bound by the path are left out of the query; their siblings stay.
    nested = ops[("GET", "/v1/games/{board.game}/arcades/{board.arcade_id}")]
    names = [p["name"] for p in nested["parameters"]]
    assert names[:2] == ["board.game", "board.arcade_id"]
    assert names.count("board.game") == 1
    echo = ops[("GET", "/v1/echo")]
    assert "board.game" in [p["name"] for p in echo["parameters"]]


async def test_openapi_json_served(http):
    reply = await http.get("/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["paths"]["/v1/users"]["post"]["operationId"] == "AuthService_CreateUser"


async def test_docs_page_serves_local_assets(http):
    page = await http.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text
    assert "https://" not in page.text
    script = await http.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    init = await http.get("/docs/init.js")
    assert '"/openapi.json"' in init.text


def test_api_doc_has_curl_for_every_route(sdk_table):
    text = (pathlib.Path(__file__).parents[2] / "docs" / "api.md").read_text()
    urls = re.findall(r"\$BASE(/[^\s\"?]*)", text)
    missing = []
    for route in sdk_table.routes:
        pattern = re.sub(r"\\\{[^}]*\\\}", r"[^/]+", re.escape(openapi.openapi_path(route)))
        if not any(re.fullmatch(pattern, url) for url in urls):
            missing.append(f"{route.http_method} {route.template.text}")
    assert missing == [], f"docs/api.md has no curl example for {missing}"
