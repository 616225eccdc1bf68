"""The mail outbox and sender: commit with the change, survive a restart, SMTP or a directory."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging

import grpc
from origin.v1 import auth_pb2
from sqlalchemy.exc import IntegrityError

from server.db.engine import create_engine, transaction
from server.domain import mail
from tests import conftest
from tests.conftest import serving, smtp_settings
from tests.helpers import PASSWORD
from tests.mailbox import html_body, text_body
from tests.services.support import count_rows, rpc_error


def _new_user(name: str) -> auth_pb2.CreateUserRequest:
    return auth_pb2.CreateUserRequest(email=f"{name}@example.com", password=PASSWORD, screen_name=name)


async def test_sign_up_mails_code_and_link(api):
    await api.auth.CreateUser(_new_user("ann"))

    (message,) = await api.mailbox.wait_for("ann@example.com")

    assert message["Subject"].startswith("Your Origin verification code is ")
    text = text_body(message)
    assert "http://127.0.0.1:8080/verify-email?token=" in text
    assert "verify-email?token=" in html_body(message)
    assert message["From"] == "Origin <no-reply@localhost>"
    assert api.mailbox.envelopes[0][1] == ["ann@example.com"]


async def test_link_ignores_request_headers(api):
    metadata = (("host", "evil.example.com"), ("x-forwarded-host", "evil.example.com"))
    await api.auth.CreateUser(_new_user("bob"), metadata=metadata)

    (message,) = await api.mailbox.wait_for("bob@example.com")

    assert "evil" not in text_body(message)
    assert "evil" not in html_body(message)


async def test_rolled_back_change_queues_nothing(database_url, db):
    engine = create_engine(database_url)
    try:
        try:
            async with transaction(engine) as conn:
                await mail.queue(conn, None, mail.NO_ACCOUNT)
                raise IntegrityError("stop", None, Exception("stop"))
        except IntegrityError:
            pass
    finally:
        await engine.dispose()

    assert await count_rows(db, "mail_outbox") == {"mail_outbox": 0}


async def test_failed_sign_up_sends_nothing(api, db):
    await api.auth.CreateUser(_new_user("cat"))
    await api.mailbox.wait_for("cat@example.com")

    error = await rpc_error(
        api.auth.CreateUser(auth_pb2.CreateUserRequest(email="dan@example.com", password=PASSWORD, screen_name="CAT"))
    )

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert await count_rows(db, "mail_outbox") == {"mail_outbox": 1}


async def test_queued_mail_survives_restart(database_url, tmp_path, smtp_server, mailbox, db):
    # First server: no relay is reachable, so the message stays queued.
    dead_relay = dict(smtp_settings(smtp_server), smtp_port=1)
    async with serving(database_url, conftest.test_settings(tmp_path, **dead_relay)) as first:
        await first.auth.CreateUser(_new_user("eve"))
    row = await (await db.execute("SELECT attempts, done_time FROM mail_outbox")).fetchone()
    assert row[1] is None
    await db.execute("UPDATE mail_outbox SET next_attempt_time = clock_timestamp()")

    async with serving(database_url, conftest.test_settings(tmp_path, **smtp_settings(smtp_server)), mailbox):
        (message,) = await mailbox.wait_for("eve@example.com")

    assert message["Subject"].startswith("Your Origin verification code is ")
    done = await (await db.execute("SELECT done_time, last_error FROM mail_outbox")).fetchone()
    assert done[0] is not None
    assert done[1] is None


async def test_without_relay_writes_file(database_url, tmp_path, db, caplog):
    caplog.set_level(logging.INFO, logger="server.jobs.mail")
    settings = conftest.test_settings(tmp_path, account_reply_seconds=0.0)
    async with serving(database_url, settings) as running:
        await running.auth.CreateUser(_new_user("fay"))
        for _ in range(200):
            files = list((tmp_path / "mail").glob("*.eml"))
            if files:
                break
            await asyncio.sleep(0.05)

    (path,) = files
    assert path.stat().st_mode & 0o077 == 0
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "fay@example.com"
    code = message["Subject"].rsplit(" ", 1)[1]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert str(path) in logged
    assert code not in logged
