"""The OAuth 2.0 password grant on POST /v1/auth/token."""

import time

import pyotp
import pytest

from tests.gateway.rest import sign_up
from tests.helpers import PASSWORD


async def test_password_grant_returns_token_response(http):
    user = await sign_up(http)
    reply = await http.post("/v1/auth/token", data={"grant_type": "password", "username": user.email, "password": PASSWORD})
    assert reply.status_code == 200
    body = reply.json()
    assert {"access_token", "token_type", "expires_in"} <= set(body)
    assert set(body) <= {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert reply.headers["cache-control"] == "no-store"


async def test_password_grant_token_works(http):
    user = await sign_up(http)
    token = await http.post("/v1/auth/token", data={"grant_type": "password", "username": user.email, "password": PASSWORD})
    me = await http.get("/v1/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["user"]["id"] == user.user_id


async def test_password_grant_with_charset_and_extra_parameters(http):
    user = await sign_up(http)
    body = f"grant_type=password&username={user.email}&password={PASSWORD.replace(' ', '+')}&scope=&client_id=web"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    reply = await http.post("/v1/auth/token", content=body, headers=headers)
    assert reply.status_code == 200
    assert reply.json()["token_type"] == "Bearer"


async def test_wrong_password_is_invalid_grant(http):
    user = await sign_up(http)
    reply = await http.post("/v1/auth/token", data={"grant_type": "password", "username": user.email, "password": "not it at all"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_grant"
    assert reply.json()["error_description"]


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"username": "a@example.com", "password": "x"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "password", "password": "x"}, "invalid_request"),
        ({"grant_type": "password", "username": "a@example.com"}, "invalid_request"),
        ({"grant_type": "password", "username": "", "password": "x"}, "invalid_request"),
    ],
)
async def test_bad_forms_get_oauth_errors(http, form, error):
    reply = await http.post("/v1/auth/token", data=form)
    assert reply.status_code == 400
    assert reply.json()["error"] == error


async def test_repeated_parameter_is_invalid_request(http):
    body = "grant_type=password&username=a@example.com&username=b@example.com&password=x"
    reply = await http.post("/v1/auth/token", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"
    assert "more than once" in reply.json()["error_description"]


async def test_malformed_form_is_invalid_request(http):
    body = b"grant_type=password&username=%FF&password=x"
    reply = await http.post("/v1/auth/token", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "invalid_request"


async def test_json_on_the_same_route_keeps_proto_shape(http):
    user = await sign_up(http)
    reply = await http.post("/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert "accessToken" in reply.json()


async def test_password_grant_with_second_factor_is_mfa_required(http):
    user = await sign_up(http)
    enrolled = await http.post(
        "/v1/users/me/secondFactor:enroll",
        json={"method": "SECOND_FACTOR_METHOD_TOTP", "password": PASSWORD},
        headers=user.headers,
    )
    assert enrolled.status_code == 200, enrolled.text
    totp = pyotp.TOTP(enrolled.json()["totpSecret"])
    confirmed = await http.post("/v1/users/me/secondFactor:confirm", json={"code": totp.now()}, headers=user.headers)
    assert confirmed.status_code == 200, confirmed.text

    reply = await http.post("/v1/auth/token", data={"grant_type": "password", "username": user.email, "password": PASSWORD})
    assert reply.status_code == 403
    body = reply.json()
    assert body["error"] == "mfa_required"
    assert "access_token" not in body
    assert body["second_factor_methods"] == ["SECOND_FACTOR_METHOD_TOTP", "SECOND_FACTOR_METHOD_RECOVERY_CODE"]

    # The challenge from the form grant finishes the sign-in like one from JSON.
    finished = await http.post(
        "/v1/auth/token:completeSignIn",
        json={"challenge": body["second_factor_challenge"], "code": totp.at(time.time() + 30)},
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["accessToken"]


async def test_locked_log_in_has_retry_after_header(http):
    user = await sign_up(http)
    locked = None
    # Five failures are allowed; the sixth starts a lock of 2 seconds.
    for _ in range(7):
        reply = await http.post("/v1/auth/token", json={"email": user.email, "password": "not it at all"})
        if reply.status_code == 429:
            locked = reply
            break
        assert reply.status_code == 401, reply.text
    assert locked is not None, "seven wrong passwords in a row were never locked"
    assert locked.headers["Retry-After"] == "2"
    details = {detail["@type"].rsplit("/", 1)[-1]: detail for detail in locked.json()["details"]}
    assert details["google.rpc.RetryInfo"]["retryDelay"] == "2s"


async def test_refresh_token_grant_returns_new_tokens(http):
    user = await sign_up(http)
    first = await http.post("/v1/auth/token", data={"grant_type": "password", "username": user.email, "password": PASSWORD})
    refreshed = await http.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    )

    assert refreshed.status_code == 200, refreshed.text
    body = refreshed.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"] != first.json()["refresh_token"]
    me = await http.get("/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["user"]["id"] == user.user_id


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "refresh_token", "refresh_token": "not-a-real-token"}, "invalid_grant"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
async def test_bad_refresh_token_grant(http, form, error):
    reply = await http.post("/v1/auth/token", data=form)
    assert reply.status_code == 400
    assert reply.json()["error"] == error
