"""Account mail: queueing in the caller's transaction, and rendering when sent.

A queued message names a template, the account and non-secret parameters.
It is rendered only when the sender takes it, so it goes to the address the
account stores at that moment (for an email change, the pending address kept
with the code) and picks up codes and links derived from the code's ID.
Links are built from ORIGIN_PUBLIC_BASE_URL, never from request headers.
"""

from __future__ import annotations

import dataclasses
import html
import urllib.parse
import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import codes as codes_db
from server.db import mail as db
from server.deps import Deps
from server.domain import codes

VERIFY_EMAIL = "verify_email"
SIGN_UP_EXISTING = "sign_up_existing"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
CHANGE_EMAIL_CONFIRM = "change_email_confirm"
CHANGE_EMAIL_NOTICE = "change_email_notice"
SECOND_FACTOR_CODE = "second_factor_code"
# Queued for a request about an address with no account, so both cases do
# the same database work; the sender drops it unsent.
NO_ACCOUNT = "no_account"


@dataclasses.dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str


@dataclasses.dataclass(frozen=True)
class _Content:
    """The values a template fills in: the name to greet, and a code and link when the message carries them."""

    screen_name: str
    code: str = ""
    link: str = ""
    detail: str = ""


async def queue(conn: AsyncConnection, user_id: uuid.UUID | None, template: str, **params: str) -> None:
    """Queue a message in the caller's transaction; call notify_queued after commit."""
    await db.insert_mail(conn, user_id, template, params)


def notify_queued(deps: Deps) -> None:
    """Wake this process's sender; other processes find the row on their next poll."""
    if deps.mail is not None:
        deps.mail.wake()


async def render(deps: Deps, conn: AsyncConnection, row) -> OutgoingMail | None:
    """Build the message of an outbox row, or None when it must be dropped
    (no account, a deleted account, or a code already used or replaced)."""
    if row.user_id is None or row.template not in _TEMPLATES:
        return None
    account = await db.select_recipient(conn, row.user_id)
    if account is None:
        return None
    content = _Content(account.screen_name, detail=row.params.get("detail", ""))
    recipient = account.email

    code_id = row.params.get("code_id")
    if code_id is not None:
        code = await codes_db.select_code(conn, uuid.UUID(code_id))
        if code is None or not code.open:
            return None
        content = _with_code(deps, content, code)
        if code.purpose == codes.CHANGE_EMAIL:
            recipient = code.detail

    subject, text_body, html_body = _TEMPLATES[row.template](content)
    return OutgoingMail(recipient, subject, text_body, html_body)


def _with_code(deps: Deps, content: _Content, code) -> _Content:
    key = codes.code_key(deps.jwt_secret)
    token = codes.derive_link_token(key, code.id)
    path = _LINK_PATHS[code.purpose]
    link = f"{deps.settings.public_base_url}{path}?{urllib.parse.urlencode({'token': token})}"
    with_digits = (codes.VERIFY_EMAIL, codes.SECOND_FACTOR, codes.PASSWORD_RESET)
    digits = codes.derive_code(key, code.id) if code.purpose in with_digits else ""
    return dataclasses.replace(content, code=digits, link=link)


_LINK_PATHS = {
    codes.VERIFY_EMAIL: "/verify-email",
    codes.PASSWORD_RESET: "/reset-password",
    codes.CHANGE_EMAIL: "/confirm-email",
    codes.SECOND_FACTOR: "/sign-in",
}


def _message(subject: str, greeting_name: str, paragraphs: list[str], link: str = "") -> tuple[str, str, str]:
    """Return (subject, plain text, HTML) with the same paragraphs in both bodies."""
    text_lines = [f"Hello {greeting_name},", ""]
    html_parts = [f"<p>Hello {html.escape(greeting_name)},</p>"]
    for paragraph in paragraphs:
        text_lines += [paragraph, ""]
        html_parts.append(f"<p>{html.escape(paragraph)}</p>")
    if link:
        text_lines += [link, ""]
        html_parts.append(f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>')
    text_lines.append("Origin")
    html_parts.append("<p>Origin</p>")
    body_html = f"<!doctype html><html><body>{''.join(html_parts)}</body></html>"
    return subject, "\n".join(text_lines) + "\n", body_html


def _verify_email(c: _Content):
    return _message(
        f"Your Origin verification code is {c.code}",
        c.screen_name,
        [
            f"Your verification code is {c.code}. It is valid for 10 minutes and works once.",
            "You can also open this link to verify your address:",
        ],
        c.link,
    )


def _sign_up_existing(c: _Content):
    return _message(
        "Someone tried to sign up with your address",
        c.screen_name,
        [
            "Someone tried to create an Origin account with this email address, which already has one.",
            "If it was you, sign in instead, or reset your password if you forgot it."
            " If it was not you, you can ignore this message: nothing has changed.",
        ],
    )


def _password_reset(c: _Content):
    return _message(
        "Reset your Origin password",
        c.screen_name,
        [
            "Open this link within 30 minutes to choose a new password, or enter the code"
            f" {c.code} with your email address. The link and the code work once.",
            "If you did not ask for a reset, ignore this message: your password stays the same.",
        ],
        c.link,
    )


def _password_changed(c: _Content):
    return _message(
        "Your Origin password was changed",
        c.screen_name,
        [
            "The password of your Origin account was just changed, and your other sessions were signed out.",
            "If you did not do this, reset your password now and check your second factor.",
        ],
    )


def _change_email_confirm(c: _Content):
    return _message(
        "Confirm your new Origin email address",
        c.screen_name,
        ["Open this link within 30 minutes to make this the address of your Origin account."],
        c.link,
    )


def _change_email_notice(c: _Content):
    return _message(
        "Your Origin email address is being changed",
        c.screen_name,
        [
            "Someone signed in to your account asked to move it to another email address."
            " The change takes effect once the new address is confirmed.",
            "If you did not do this, change your password now.",
        ],
    )


def _second_factor_code(c: _Content):
    return _message(
        f"Your Origin sign-in code is {c.code}",
        c.screen_name,
        [f"Your sign-in code is {c.code}. It is valid for 10 minutes and works once."],
    )


_TEMPLATES = {
    VERIFY_EMAIL: _verify_email,
    SIGN_UP_EXISTING: _sign_up_existing,
    PASSWORD_RESET: _password_reset,
    PASSWORD_CHANGED: _password_changed,
    CHANGE_EMAIL_CONFIRM: _change_email_confirm,
    CHANGE_EMAIL_NOTICE: _change_email_notice,
    SECOND_FACTOR_CODE: _second_factor_code,
}
