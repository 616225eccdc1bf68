"""Path templates: parsing, matching, precedence and percent-decoding."""

import pytest

from server.gateway import templates
from server.gateway.templates import PathDecodeError, TemplateError, parse


def test_variable_binds_one_segment():
    template = parse("/v1/arcades/{arcade_id}")
    assert template.match("/v1/arcades/abc") == {("arcade_id",): "abc"}
    assert template.match("/v1/arcades/abc/def") is None
    assert template.match("/v1/arcades") is None


def test_trailing_slash_matches():
    template = parse("/v1/arcades/{arcade_id}")
    assert template.match("/v1/arcades/abc/") == {("arcade_id",): "abc"}
    assert template.match("/v1/arcades/abc//") is None


def test_empty_segment_does_not_match():
    assert parse("/v1/arcades/{arcade_id}/machines").match("/v1/arcades//machines") is None


def test_nested_field_path():
    template = parse("/v1/games/{board.game}/arcades/{board.arcade_id}")
    assert template.match("/v1/games/afm/arcades/a1") == {("board", "game"): "afm", ("board", "arcade_id"): "a1"}


def test_single_wildcard_binds_nothing():
    template = parse("/v1/wild/*/x/{name}")
    assert template.match("/v1/wild/anything/x/n") == {("name",): "n"}
    assert template.match("/v1/wild/x/n") is None


def test_double_wildcard_matches_any_depth():
    template = parse("/v1/files/{path=**}")
    assert template.match("/v1/files/a") == {("path",): "a"}
    assert template.match("/v1/files/a/b/c") == {("path",): "a/b/c"}
    assert template.match("/v1/files") == {("path",): ""}


def test_double_wildcard_in_the_middle():
    template = parse("/v1/{path=**}/meta")
    assert template.match("/v1/a/b/meta") == {("path",): "a/b"}
    assert template.match("/v1/meta") == {("path",): ""}
    assert template.match("/v1/a/b") is None


def test_sub_template_binds_the_matched_text():
    template = parse("/v1/{name=rooms/*/shelves/*}")
    assert template.match("/v1/rooms/r1/shelves/s2") == {("name",): "rooms/r1/shelves/s2"}
    assert template.match("/v1/halls/r1/shelves/s2") is None


def test_verb_is_split_from_last_segment():
    template = parse("/v1/machines/{machine_id}:revokeDeviceToken")
    assert template.verb == "revokeDeviceToken"
    assert template.match("/v1/machines/m1:revokeDeviceToken") == {("machine_id",): "m1"}
    assert template.match("/v1/machines/m1:renewDeviceToken") is None
    assert template.match("/v1/machines/m1") is None


def test_verb_after_sub_template():
    template = parse("/v1/{name=shelves/*}:get")
    assert template.verb == "get"
    assert template.match("/v1/shelves/s1:get") == {("name",): "shelves/s1"}


def test_verb_with_trailing_slash():
    assert parse("/v1/scores/top/{game}:watch").match("/v1/scores/top/afm:watch/") == {("game",): "afm"}


def test_colon_inside_a_variable_value():
    # Without a verb in the template, a colon is part of the segment.
    assert parse("/v1/scores/top/{game}").match("/v1/scores/top/afm:watch") == {("game",): "afm:watch"}


def test_single_segment_value_is_percent_decoded():
    template = parse("/v1/scores/top/{game}")
    assert template.match("/v1/scores/top/attack%20from%20mars") == {("game",): "attack from mars"}
    assert template.match("/v1/scores/top/a%2Fb") == {("game",): "a/b"}
    assert template.match("/v1/scores/top/%C3%A9t%C3%A9") == {("game",): "été"}


def test_multi_segment_value_keeps_encoded_slash():
    assert parse("/v1/files/{path=**}").match("/v1/files/a%2Fb/c%20d") == {("path",): "a%2Fb/c d"}


def test_invalid_percent_encoding_raises():
    with pytest.raises(PathDecodeError):
        parse("/v1/scores/top/{game}").match("/v1/scores/top/%FF")


def test_literal_is_compared_decoded():
    assert parse("/v1/arcades/nearby").match("/v1/arcades/near%62y") == {}


def test_literal_beats_variable():
    literal = parse("/v1/arcades/nearby")
    variable = parse("/v1/arcades/{arcade_id}")
    assert literal.precedence > variable.precedence


def test_variable_beats_double_wildcard():
    assert parse("/v1/files/{name}").precedence > parse("/v1/files/{path=**}").precedence


def test_verb_beats_no_verb():
    assert parse("/v1/scores/top/{game}:watch").precedence > parse("/v1/scores/top/{game}").precedence


@pytest.mark.parametrize(
    "text",
    [
        "v1/no/leading/slash",
        "/v1//empty",
        "/v1/{unclosed",
        "/v1/unopened}",
        "/v1/{a={b}}",
        "/v1/{a}/{a}",
        "/v1/**/x/**",
        "/v1/{bad-name}",
        "/v1/{name}suffix",
        "/v1/x:",
        "/v1/pre*fix",
    ],
)
def test_invalid_templates_raise(text):
    with pytest.raises(TemplateError):
        parse(text)


def test_segment_kinds_record_precedence_order():
    assert templates.SegmentKind.LITERAL > templates.SegmentKind.SINGLE > templates.SegmentKind.MULTI
