"""The route table built from descriptors: the Origin contracts and the echo test service."""

import logging

import grpc
import pytest
from google.api import annotations_pb2

from server.gateway.descriptors import build_pool, load_sdk_file_set
from server.gateway.errors import GatewayError
from server.gateway.routes import RouteTable


@pytest.fixture(scope="module")
def origin_table():
    return RouteTable.from_file_set(load_sdk_file_set())


def grpc_method(table, http_method, path):
    return table.match(http_method, path).route.grpc_path


def test_every_http_rule_of_origin_has_a_route(origin_table):
    paths = {(route.http_method, route.template.text) for route in origin_table.routes}
    assert ("POST", "/v1/users") in paths
    assert ("POST", "/v1/auth/token") in paths
    assert ("GET", "/v1/scores/top/{game}:watch") in paths
    assert ("POST", "/v1/machines/{machine_id}:revokeDeviceToken") in paths
    rules = [
        method.options.Extensions[annotations_pb2.http]
        for file in load_sdk_file_set().file
        for service in file.service
        for method in service.method
        if method.options.HasExtension(annotations_pb2.http)
    ]
    assert len(origin_table.routes) == sum(1 + len(rule.additional_bindings) for rule in rules)


def test_stream_without_http_rule_has_no_route(origin_table):
    assert all(route.grpc_path != "/origin.v1.ScoreService/StreamScores" for route in origin_table.routes)


def test_literal_wins_over_variable(origin_table):
    assert grpc_method(origin_table, "GET", "/v1/arcades/nearby") == "/origin.v1.ArcadeService/ListNearbyArcades"
    assert grpc_method(origin_table, "GET", "/v1/arcades/a1") == "/origin.v1.ArcadeService/GetArcade"
    assert grpc_method(origin_table, "GET", "/v1/users/me") == "/origin.v1.AuthService/GetCurrentUser"


def test_custom_verb_wins_over_plain_variable(origin_table):
    assert grpc_method(origin_table, "GET", "/v1/scores/top/afm:watch") == "/origin.v1.ScoreService/WatchBoard"
    assert grpc_method(origin_table, "GET", "/v1/scores/top/afm") == "/origin.v1.ScoreService/ListTopScores"


def test_custom_verbs_select_methods(origin_table):
    revoke = origin_table.match("POST", "/v1/machines/m1:revokeDeviceToken")
    assert revoke.route.grpc_path == "/origin.v1.MachineService/RevokeDeviceToken"
    assert revoke.bindings == {("machine_id",): "m1"}
    renew = origin_table.match("POST", "/v1/machines/m1:renewDeviceToken")
    assert renew.route.grpc_path == "/origin.v1.MachineService/RenewDeviceToken"


def test_trailing_slash_matches(origin_table):
    assert grpc_method(origin_table, "GET", "/v1/arcades/nearby/") == "/origin.v1.ArcadeService/ListNearbyArcades"
    assert grpc_method(origin_table, "POST", "/v1/users/") == "/origin.v1.AuthService/CreateUser"


def test_unknown_path_is_404(origin_table):
    with pytest.raises(GatewayError) as caught:
        origin_table.match("GET", "/v2/users/me")
    assert caught.value.http_status == 404
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    assert caught.value.reason == "ROUTE_NOT_FOUND"


def test_wrong_method_is_405_with_allow(origin_table):
    with pytest.raises(GatewayError) as caught:
        origin_table.match("DELETE", "/v1/arcades/a1")
    assert caught.value.http_status == 405
    assert caught.value.headers == {"Allow": "GET"}


def test_post_on_literal_path_lists_get(origin_table):
    with pytest.raises(GatewayError) as caught:
        origin_table.match("POST", "/v1/arcades/nearby")
    assert caught.value.http_status == 405
    assert caught.value.headers["Allow"] == "GET"


def test_bad_percent_encoding_is_400(origin_table):
    with pytest.raises(GatewayError) as caught:
        origin_table.match("GET", "/v1/arcades/%FF")
    assert caught.value.http_status == 400
    assert caught.value.field == "path"


def test_echo_nested_field_binding(echo_table):
    match = echo_table.match("GET", "/v1/games/afm/arcades/a1")
    assert match.route.grpc_path == "/gatewaytest.v1.EchoService/GetBoard"
    assert match.bindings == {("board", "game"): "afm", ("board", "arcade_id"): "a1"}


def test_echo_double_wildcard_and_verb(echo_table):
    plain = echo_table.match("GET", "/v1/files/a/b/c.txt")
    assert plain.route.grpc_path == "/gatewaytest.v1.EchoService/GetFile"
    assert plain.bindings == {("path",): "a/b/c.txt"}
    download = echo_table.match("GET", "/v1/files/a/b/c.txt:download")
    assert download.route.grpc_path == "/gatewaytest.v1.EchoService/DownloadFile"
    assert download.bindings == {("path",): "a/b/c.txt"}


def test_echo_additional_bindings(echo_table):
    shelves = [route for route in echo_table.routes if route.grpc_path.endswith("/GetShelf")]
    assert [(route.http_method, route.template.text, route.body) for route in shelves] == [
        ("GET", "/v1/{name=shelves/*}", ""),
        ("GET", "/v1/{name=rooms/*/shelves/*}", ""),
        ("POST", "/v1/{name=shelves/*}:get", "*"),
    ]
    assert echo_table.match("GET", "/v1/rooms/r1/shelves/s1").bindings == {("name",): "rooms/r1/shelves/s1"}
    assert echo_table.match("POST", "/v1/shelves/s1:get").route.body == "*"


def test_echo_custom_http_method(echo_table):
    assert grpc_method(echo_table, "SEARCH", "/v1/search") == "/gatewaytest.v1.EchoService/Search"


def test_echo_anonymous_wildcard(echo_table):
    assert echo_table.match("GET", "/v1/wild/zzz/x/n1").bindings == {("name",): "n1"}


def test_echo_body_and_response_body_options(echo_table):
    assert echo_table.match("PATCH", "/v1/boards/afm/filter").route.body == "filter"
    assert echo_table.match("PUT", "/v1/items/i1/tags").route.body == "tags"
    assert echo_table.match("GET", "/v1/echo").route.response_body == "echo"


def test_unusable_rules_are_skipped_with_a_warning(echo_file_set, caplog):
    with caplog.at_level(logging.WARNING, logger="server.gateway.routes"):
        table = RouteTable.from_file_set(echo_file_set)
    names = {route.grpc_path.rsplit("/", 1)[1] for route in table.routes}
    assert {"Upload", "Broken", "BrokenBody", "Private"}.isdisjoint(names)
    warnings = " ".join(record.getMessage() for record in caplog.records)
    assert "client-streaming" in warnings
    assert "nope" in warnings


def test_pool_always_has_error_details(echo_file_set):
    pool = build_pool(echo_file_set)
    assert pool.FindMessageTypeByName("google.rpc.ErrorInfo").full_name == "google.rpc.ErrorInfo"
    assert pool.FindMessageTypeByName("google.rpc.Status").full_name == "google.rpc.Status"
