"""The pages that account mails link to, in a real headless Chromium: verify, confirm a new address, reset a password."""

import uuid

import pytest

from server.settings import Settings
from tests.gateway.rest import sign_up
from tests.gateway.test_scoreboard import WAIT_MS, page  # noqa: F401  (the Chromium page fixture)
from tests.helpers import PASSWORD


def page_url(api, path: str, token: str) -> str:
    return f"http://127.0.0.1:{api.running.http_port}{path}?token={token}"


async def verified(db, email: str) -> bool:
    row = await (await db.execute("SELECT email_verified FROM users WHERE email = %s", (email,))).fetchone()
    return row[0]


async def test_verify_link_verifies_after_the_button(api, http, db, page):  # noqa: F811
    user = await sign_up(http)
    token = await api.mailbox.last_link_token(user.email)

    await page.goto(page_url(api, "/verify-email", token))
    # Opening the link alone changes nothing: mail scanners open links too.
    assert not await verified(db, user.email)
    await page.click("button")
    await page.wait_for_selector("#result.ok", timeout=WAIT_MS)

    assert "verified" in await page.text_content("#result")
    assert await verified(db, user.email)


async def test_used_verify_link_shows_the_error(api, http, page):  # noqa: F811
    user = await sign_up(http)
    token = await api.mailbox.last_link_token(user.email)
    first = await http.post("/v1/auth:verifyEmail", json={"linkToken": token})
    assert first.status_code == 200, first.text

    await page.goto(page_url(api, "/verify-email", token))
    await page.click("button")
    await page.wait_for_selector("#result.error", timeout=WAIT_MS)

    assert "already used" in await page.text_content("#result")


async def test_reset_page_sets_new_password(api, http, page):  # noqa: F811
    user = await sign_up(http)
    requested = await http.post("/v1/auth:requestPasswordReset", json={"email": user.email})
    assert requested.status_code == 200, requested.text
    token = await api.mailbox.last_link_token(user.email, count=2)

    await page.goto(page_url(api, "/reset-password", token))
    await page.fill("input[name=newPassword]", "a brand new password")
    await page.click("button")
    await page.wait_for_selector("#result.ok", timeout=WAIT_MS)

    old = await http.post("/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    new = await http.post("/v1/auth/token", json={"email": user.email, "password": "a brand new password"})
    assert old.status_code == 401
    assert new.status_code == 200, new.text


async def test_confirm_page_moves_the_account(api, http, page):  # noqa: F811
    user = await sign_up(http)
    new_email = f"moved{uuid.uuid4().hex[:8]}@example.com"
    changed = await http.post(
        "/v1/users/me:changeEmail", json={"newEmail": new_email, "password": PASSWORD}, headers=user.headers
    )
    assert changed.status_code == 200, changed.text
    token = await api.mailbox.last_link_token(new_email)

    await page.goto(page_url(api, "/confirm-email", token))
    await page.click("button")
    await page.wait_for_selector("#result.ok", timeout=WAIT_MS)

    me = await http.get("/v1/users/me", headers=user.headers)
    assert me.json()["user"]["email"] == new_email


async def test_page_without_token_hides_the_form(api, page):  # noqa: F811
    reply = await page.goto(f"http://127.0.0.1:{api.running.http_port}/confirm-email")
    assert reply.status == 200
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert await page.is_hidden("#form")
    assert "no token" in await page.text_content("#result")


@pytest.mark.parametrize(
    ("http_addr", "expected"),
    [
        ("127.0.0.1:8181", "http://127.0.0.1:8181"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("127.0.0.1:0", "http://127.0.0.1:8080"),
        ("", "http://127.0.0.1:8080"),
    ],
)
def test_mail_links_follow_the_gateway_address(http_addr, expected):
    assert Settings.from_env({"ORIGIN_HTTP_ADDR": http_addr}).public_base_url == expected


def test_public_base_url_wins_over_the_gateway_address():
    env = {"ORIGIN_HTTP_ADDR": "127.0.0.1:8181", "ORIGIN_PUBLIC_BASE_URL": f"https://{uuid.uuid4().hex[:6]}.example.com"}
    assert Settings.from_env(env).public_base_url == env["ORIGIN_PUBLIC_BASE_URL"]
