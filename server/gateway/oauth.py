"""The OAuth 2.0 password and refresh-token grants (RFC 6749, sections 4.3 and 6) on the token route.

`POST /v1/auth/token` with `Content-Type: application/x-www-form-urlencoded`
and `grant_type=password&username=...&password=...` calls CreateToken with
the username as the e-mail; `grant_type=refresh_token&refresh_token=...`
calls RefreshToken. Both return the RFC's shapes: a token response (section
5.1) or an error response (section 5.2). JSON bodies on the same route keep
the usual mapping.
"""

from __future__ import annotations

import urllib.parse

import grpc
from google.rpc import status_pb2
from starlette.responses import JSONResponse

from server.gateway.routes import Route

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
TOKEN_METHOD = "/origin.v1.AuthService/CreateToken"
REFRESH_METHOD = "/origin.v1.AuthService/RefreshToken"

# RFC 6749 section 5.1: token responses must not be cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_MAX_FIELDS = 32


class OAuthError(Exception):
    """A token request rejected with an RFC 6749 error code, such as invalid_grant."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=400, headers={**_NO_STORE, **(headers or {})})


def accepts_form(route: Route, content_type: str) -> bool:
    """True when the request is a form body on the token route."""
    return route.grpc_path == TOKEN_METHOD and content_type == FORM_CONTENT_TYPE


def grant_request(route: Route, refresh_route: Route | None, body: bytes) -> tuple[Route, object]:
    """Return the route to call and its request for a token form; raise OAuthError for a bad form.

    `route` is the token route (CreateToken) and `refresh_route` the
    RefreshToken route, or None when the route table has none.
    """
    try:
        text = body.decode("ascii")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the form body is not valid application/x-www-form-urlencoded") from None

    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError("invalid_request", f"parameter {name!r} is given more than once")
        form[name] = value
    # Section 3.2: parameters that the server does not know are ignored.
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "missing parameter 'grant_type'; use grant_type=password")
    if grant_type == "refresh_token" and refresh_route is not None:
        if not form.get("refresh_token"):
            raise OAuthError("invalid_request", "missing parameter 'refresh_token'")
        return refresh_route, refresh_route.request_class(refresh_token=form["refresh_token"])
    if grant_type != "password":
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported; use password or refresh_token"
        )
    for name in ("username", "password"):
        if not form.get(name):
            raise OAuthError("invalid_request", f"missing parameter {name!r}")
    return route, route.request_class(email=form["username"], password=form["password"])


def token_response(reply) -> JSONResponse:
    """Return a CreateTokenResponse in the shape of RFC 6749 section 5.1; `expires_in` is a number of seconds.

    An account with a second factor gets no tokens from the password alone.
    RFC 6749 has no error for that, so the reply is a 403 with the error
    `mfa_required` and the challenge, which the client finishes through
    `POST /v1/auth/token:completeSignIn`.
    """
    challenge = getattr(reply, "second_factor_challenge", "")
    if challenge:
        return JSONResponse(
            {
                "error": "mfa_required",
                "error_description": "this account has a second factor: send the challenge and a code to "
                "/v1/auth/token:completeSignIn",
                "second_factor_challenge": challenge,
                "second_factor_methods": [_method_name(reply, number) for number in reply.second_factor_methods],
            },
            status_code=403,
            headers=_NO_STORE,
        )
    body = {"access_token": reply.access_token, "token_type": reply.token_type, "expires_in": reply.expires_in}
    # The refresh token is optional in the RFC's response and in older contracts.
    if "refresh_token" in reply.DESCRIPTOR.fields_by_name and reply.refresh_token:
        body["refresh_token"] = reply.refresh_token
    return JSONResponse(body, headers=_NO_STORE)


def _method_name(reply, number: int) -> str:
    enum = reply.DESCRIPTOR.fields_by_name["second_factor_methods"].enum_type
    value = enum.values_by_number.get(number) if enum is not None else None
    return value.name if value is not None else str(number)


def error_for_status(status: status_pb2.Status) -> OAuthError | None:
    """Return the RFC 6749 error for a failed CreateToken call, or None when the usual Status body fits better."""
    if status.code == grpc.StatusCode.UNAUTHENTICATED.value[0]:
        return OAuthError("invalid_grant", status.message or "the username and password do not match an account")
    if status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]:
        return OAuthError("invalid_request", status.message)
    return None
