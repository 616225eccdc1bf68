"""Request building and response rendering on the echo test service, without a server."""

import json

import pytest
from google.protobuf import json_format

from server.gateway import transcode
from server.gateway.errors import GatewayError


def build(table, method, path, query=(), body=b""):
    match = table.match(method, path)
    return transcode.build_request(match, list(query), body, table.pool)


def error_of(table, method, path, query=(), body=b"") -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        build(table, method, path, query, body)
    return caught.value


def test_nested_path_fields_are_set(echo_table):
    request = build(echo_table, "GET", "/v1/games/afm/arcades/a1")
    assert request.board.game == "afm"
    assert request.board.arcade_id == "a1"


def test_double_wildcard_value_is_set(echo_table):
    assert build(echo_table, "GET", "/v1/files/a/b%20c/d").path == "a/b c/d"


def test_body_star_fills_the_message(echo_table):
    body = json.dumps({"score": "9223372036854775807", "tags": ["a", "b"], "board": {"game": "afm"}}).encode()
    request = build(echo_table, "POST", "/v1/shelves/s1:get", body=body)
    assert request.name == "shelves/s1"
    assert request.score == 9223372036854775807
    assert list(request.tags) == ["a", "b"]
    assert request.board.game == "afm"


def test_body_accepts_proto_and_camel_names(echo_table):
    body = b'{"board": {"arcade_id": "x"}, "filter": {"minScore": "5"}}'
    request = build(echo_table, "POST", "/v1/shelves/s1:get", body=body)
    assert request.board.arcade_id == "x"
    assert request.filter.min_score == 5


def test_path_overrides_body(echo_table):
    request = build(echo_table, "POST", "/v1/shelves/s1:get", body=b'{"name": "other"}')
    assert request.name == "shelves/s1"


def test_blank_body_sets_nothing(echo_table):
    assert build(echo_table, "POST", "/v1/shelves/s1:get", body=b"  \n").score == 0


def test_body_mapped_to_message_field(echo_table):
    body = b'{"minScore": "9000000000", "tags": ["x"], "color": "COLOR_BLUE"}'
    request = build(echo_table, "PATCH", "/v1/boards/afm/filter", query=[("name", "n")], body=body)
    assert request.filter.min_score == 9_000_000_000
    assert request.filter.color == 2
    assert request.board.game == "afm"
    assert request.name == "n"


def test_body_mapped_to_repeated_field(echo_table):
    request = build(echo_table, "PUT", "/v1/items/i1/tags", body=b'["red", "blue"]')
    assert list(request.tags) == ["red", "blue"]
    assert request.name == "i1"


def test_query_cannot_set_the_body_field(echo_table):
    error = error_of(echo_table, "PUT", "/v1/items/i1/tags", query=[("tags", "x")], body=b"[]")
    assert error.field == "tags"
    assert "body" in error.message


def test_query_cannot_set_a_path_field(echo_table):
    error = error_of(echo_table, "GET", "/v1/games/afm/arcades/a1", query=[("board.game", "other")])
    assert error.field == "board.game"
    assert "path" in error.message


def test_body_star_takes_no_query_parameters(echo_table):
    error = error_of(echo_table, "POST", "/v1/shelves/s1:get", query=[("score", "1")], body=b"{}")
    assert error.http_status == 400
    assert error.field == "score"


def test_query_scalar_kinds(echo_table):
    query = [
        ("score", "9223372036854775807"),
        ("big", "18446744073709551615"),
        ("flag", "true"),
        ("ratio", "0.25"),
        ("count", "-7"),
        ("blob", "AAEC"),
        ("name", "a b"),
    ]
    request = build(echo_table, "GET", "/v1/echo", query=query)
    assert request.score == 9223372036854775807
    assert request.big == 18446744073709551615
    assert request.flag is True
    assert request.ratio == 0.25
    assert request.count == -7
    assert request.blob == b"\x00\x01\x02"
    assert request.name == "a b"


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("FALSE", False), ("1", True), ("0", False)])
def test_query_bool_spellings(echo_table, text, expected):
    assert build(echo_table, "GET", "/v1/echo", query=[("flag", text)]).flag is expected


def test_query_enum_by_name_or_number(echo_table):
    assert build(echo_table, "GET", "/v1/echo", query=[("color", "COLOR_BLUE")]).color == 2
    assert build(echo_table, "GET", "/v1/echo", query=[("color", "1")]).color == 1


def test_query_repeated_fields_repeat_the_parameter(echo_table):
    query = [("tags", "a"), ("tags", "b"), ("colors", "COLOR_RED"), ("colors", "2"), ("scores", "9000000000")]
    request = build(echo_table, "GET", "/v1/echo", query=query)
    assert list(request.tags) == ["a", "b"]
    assert list(request.colors) == [1, 2]
    assert list(request.scores) == [9_000_000_000]


def test_query_dotted_paths_in_both_spellings(echo_table):
    query = [("filter.min_score", "3"), ("filter.tags", "x"), ("filter.color", "COLOR_RED"), ("board.arcadeId", "a")]
    request = build(echo_table, "GET", "/v1/echo", query=query)
    assert request.filter.min_score == 3
    assert list(request.filter.tags) == ["x"]
    assert request.filter.color == 1
    assert request.board.arcade_id == "a"


def test_query_well_known_types(echo_table):
    query = [
        ("time", "2024-02-29T12:30:00.5+01:00"),
        ("wait", "1.5s"),
        ("mask", "board.game,name"),
        ("limit", "9000000000"),
        ("enabled", "false"),
    ]
    request = build(echo_table, "GET", "/v1/echo", query=query)
    assert request.time.ToJsonString() == "2024-02-29T11:30:00.500Z"
    assert request.wait.ToJsonString() == "1.500s"
    assert list(request.mask.paths) == ["board.game", "name"]
    assert request.limit.value == 9_000_000_000
    assert request.HasField("enabled")
    assert request.enabled.value is False


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("nope", "1", "unknown query parameter 'nope'"),
        ("board.nope", "1", "unknown query parameter 'board.nope'"),
        ("score", "abc", "invalid query parameter 'score'"),
        ("flag", "yes", "is not a bool"),
        ("color", "COLOR_GREEN", "invalid query parameter 'color'"),
        ("time", "yesterday", "invalid query parameter 'time'"),
        ("filter", "x", "set its fields with dotted names"),
        ("labels", "x", "map fields"),
        ("filters.tags", "x", "is repeated"),
        ("name.x", "1", "is not a message"),
        ("count", "99999999999", "invalid query parameter 'count'"),
    ],
)
def test_query_errors_name_the_parameter(echo_table, key, value, fragment):
    error = error_of(echo_table, "GET", "/v1/echo", query=[(key, value)])
    assert error.http_status == 400
    assert error.field == key
    assert fragment in error.message


def test_query_singular_given_twice_is_400(echo_table):
    error = error_of(echo_table, "GET", "/v1/echo", query=[("name", "a"), ("name", "b")])
    assert error.field == "name"
    assert "more than once" in error.message


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (b"{bad", "body", "not valid JSON"),
        (b'{"score": 1', "body", "not valid JSON"),
        (b"\xff\xfe", "body", "not valid UTF-8"),
        (b"[1, 2]", "body", "must be a JSON object"),
        (b'{"nope": 1}', "nope", "is not a field of"),
        (b'{"score": "x"}', "score", "must be a whole number"),
        (b'{"tags": "notalist"}', "tags", "must be a JSON array"),
        (b"[" * 100000 + b"]" * 100000, "body", "JSON"),
    ],
)
def test_malformed_body_is_400(echo_table, body, field, fragment):
    error = error_of(echo_table, "POST", "/v1/shelves/s1:get", body=body)
    assert error.http_status == 400
    assert error.field == field
    assert fragment in error.message


def test_response_is_camel_case_with_int64_strings(echo_table):
    route = echo_table.match("GET", "/v1/files/x").route
    reply = route.response_class()
    json_format.ParseDict({"score": "9223372036854775807", "echo": {"board": {"arcadeId": "a"}}}, reply)
    assert transcode.response_json(route, reply, echo_table.pool) == {
        "echo": {"board": {"arcadeId": "a"}},
        "score": "9223372036854775807",
    }


def test_response_omits_default_values(echo_table):
    route = echo_table.match("GET", "/v1/files/x").route
    assert transcode.response_json(route, route.response_class(), echo_table.pool) == {}


def test_response_body_selects_message_field(echo_table):
    route = echo_table.match("GET", "/v1/echo").route
    reply = route.response_class()
    reply.echo.name = "n"
    reply.score = 5
    assert transcode.response_json(route, reply, echo_table.pool) == {"name": "n"}
    assert transcode.response_json(route, route.response_class(), echo_table.pool) == {}


def test_response_body_selects_repeated_field(echo_table):
    route = echo_table.match("GET", "/v1/echo/tags").route
    reply = route.response_class(tags=["a", "b"])
    assert transcode.response_json(route, reply, echo_table.pool) == ["a", "b"]
    assert transcode.response_json(route, route.response_class(), echo_table.pool) == []
