"""Path templates of `google.api.HttpRule`: parsing, matching and precedence.

The grammar, from google/api/http.proto:

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    FieldPath = IDENT { "." IDENT } ;
    Verb     = ":" LITERAL ;

`{name}` is short for `{name=*}`. A `*` matches one path segment and `**`
matches zero or more. A template may hold at most one `**`, which keeps
matching linear: the segments before it match from the left and the ones
after it from the right.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import urllib.parse

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LITERAL = re.compile(r"[^/{}*:=]+")
_ENCODED_SLASH = re.compile(r"%2[fF]")


class TemplateError(ValueError):
    """A path template does not follow the google.api.HttpRule grammar."""


class PathDecodeError(ValueError):
    """A path segment is not valid percent-encoded UTF-8."""


class SegmentKind(enum.IntEnum):
    # The values order segments by precedence: a literal beats a
    # single-segment wildcard, which beats `**`.
    MULTI = 0
    SINGLE = 1
    LITERAL = 2


@dataclasses.dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    literal: str = ""


@dataclasses.dataclass(frozen=True)
class Variable:
    """A field bound to the template segments in [start, end)."""

    field_path: tuple[str, ...]
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class PathTemplate:
    text: str
    segments: tuple[Segment, ...]
    variables: tuple[Variable, ...]
    verb: str | None

    @property
    def precedence(self) -> tuple:
        """Sort key: higher is more specific, so `/v1/arcades/nearby` beats `/v1/arcades/{arcade_id}`."""
        return (self.verb is not None, tuple(segment.kind for segment in self.segments))

    def match(self, path: str) -> dict[tuple[str, ...], str] | None:
        """Return the variable bindings for a raw (percent-encoded) request path, or None.

        Raises PathDecodeError when a segment bound to a variable or compared
        with a literal is not valid percent-encoded UTF-8.
        """
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if not path.startswith("/"):
            return None
        if self.verb is not None:
            suffix = ":" + self.verb
            if not path.endswith(suffix):
                return None
            path = path[: -len(suffix)]

        parts = path[1:].split("/")
        spans = self._align(parts)
        if spans is None:
            return None
        for segment, (start, end) in zip(self.segments, spans):
            if segment.kind is SegmentKind.LITERAL and _decode(parts[start]) != segment.literal:
                return None
        return {variable.field_path: self._value(variable, parts, spans) for variable in self.variables}

    def _align(self, parts: list[str]) -> list[tuple[int, int]] | None:
        """Map each template segment to the span of path segments it covers."""
        if any(part == "" for part in parts):
            return None
        count = len(self.segments)
        multi = next((i for i, s in enumerate(self.segments) if s.kind is SegmentKind.MULTI), None)
        if multi is None:
            if len(parts) != count:
                return None
            return [(i, i + 1) for i in range(count)]

        if len(parts) < count - 1:
            return None
        extra = len(parts) - (count - 1)
        spans = [(i, i + 1) for i in range(multi)]
        spans.append((multi, multi + extra))
        spans.extend((i + extra - 1, i + extra) for i in range(multi + 1, count))
        return spans

    def _value(self, variable: Variable, parts: list[str], spans: list[tuple[int, int]]) -> str:
        start = spans[variable.start][0]
        end = spans[variable.end - 1][1]
        covered = parts[start:end]
        single = variable.end - variable.start == 1 and self.segments[variable.start].kind is SegmentKind.SINGLE
        if single:
            return _decode(covered[0])
        # Multi-segment values keep an encoded slash encoded, so a client can
        # tell a `/` inside a name from a path separator.
        return "/".join(_decode(_ENCODED_SLASH.sub("%252F", part)) for part in covered)


def parse(text: str) -> PathTemplate:
    """Parse a path template such as `/v1/{name=shelves/*}/books:watch`."""
    if not text.startswith("/"):
        raise TemplateError(f"path template {text!r} must start with '/'")
    body, verb = _split_verb(text)
    segments: list[Segment] = []
    variables: list[Variable] = []
    for token in _split_segments(body[1:], text):
        if token.startswith("{"):
            variables.append(_parse_variable(token, len(segments), segments, text))
        else:
            segments.append(_parse_segment(token, text))

    if sum(segment.kind is SegmentKind.MULTI for segment in segments) > 1:
        raise TemplateError(f"path template {text!r} has more than one '**'")
    paths = [variable.field_path for variable in variables]
    if len(set(paths)) != len(paths):
        raise TemplateError(f"path template {text!r} binds a field twice")
    return PathTemplate(text, tuple(segments), tuple(variables), verb)


def _split_verb(text: str) -> tuple[str, str | None]:
    """Split off the `:verb`: the last ':' outside braces after the last '/' outside braces."""
    depth = 0
    last_slash = -1
    colon = -1
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char == "/":
            last_slash, colon = index, -1
        elif depth == 0 and char == ":":
            colon = index
    if colon == -1:
        return text, None
    verb = text[colon + 1 :]
    if not _LITERAL.fullmatch(verb):
        raise TemplateError(f"path template {text!r} has an invalid verb {verb!r}")
    return text[:colon], verb


def _split_segments(body: str, text: str) -> list[str]:
    """Split at '/' outside braces, so `{name=shelves/*}` stays one token."""
    tokens: list[str] = []
    depth = 0
    current = ""
    for char in body:
        if char == "{":
            if depth:
                raise TemplateError(f"path template {text!r} nests variables")
            depth = 1
        elif char == "}":
            if not depth:
                raise TemplateError(f"path template {text!r} has an unmatched '}}'")
            depth = 0
        if char == "/" and not depth:
            tokens.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise TemplateError(f"path template {text!r} has an unclosed '{{'")
    tokens.append(current)
    return tokens


def _parse_segment(token: str, text: str) -> Segment:
    if token == "*":
        return Segment(SegmentKind.SINGLE)
    if token == "**":
        return Segment(SegmentKind.MULTI)
    if not _LITERAL.fullmatch(token):
        raise TemplateError(f"path template {text!r} has an invalid segment {token!r}")
    return Segment(SegmentKind.LITERAL, token)


def _parse_variable(token: str, start: int, segments: list[Segment], text: str) -> Variable:
    if not token.endswith("}"):
        raise TemplateError(f"path template {text!r} has text after a variable in {token!r}")
    inner = token[1:-1]
    field_path, _, sub_template = inner.partition("=")
    names = tuple(field_path.split("."))
    if not all(_IDENT.fullmatch(name) for name in names):
        raise TemplateError(f"path template {text!r} has an invalid field path {field_path!r}")

    for sub_token in (sub_template or "*").split("/"):
        if sub_token.startswith("{"):
            raise TemplateError(f"path template {text!r} nests variables")
        segments.append(_parse_segment(sub_token, text))
    return Variable(names, start, len(segments))


def _decode(segment: str) -> str:
    try:
        return urllib.parse.unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise PathDecodeError(f"path segment {segment!r} is not valid percent-encoded UTF-8") from None
