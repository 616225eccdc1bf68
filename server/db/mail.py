"""Queries of the mail outbox."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Queue one message; it commits or rolls back with the caller's transaction.
INSERT_MAIL = text(
    """
    INSERT INTO mail_outbox (user_id, template, params)
    VALUES (:user_id, :template, CAST(:params AS jsonb))
    """
)

# Take the oldest due message; SKIP LOCKED lets other senders take others.
CLAIM_DUE_MAIL = text(
    """
    SELECT id, user_id, template, params, attempts FROM mail_outbox
    WHERE done_time IS NULL AND next_attempt_time <= clock_timestamp()
    ORDER BY next_attempt_time
    LIMIT 1
    FOR UPDATE SKIP LOCKED
    """
)

# Close a message: delivered, dropped, or given up after its last attempt.
MARK_MAIL_DONE = text(
    """
    UPDATE mail_outbox SET done_time = clock_timestamp(), attempts = attempts + :tried, last_error = :error
    WHERE id = :id
    """
)

# Count a failed attempt and set when to try again.
MARK_MAIL_RETRY = text(
    """
    UPDATE mail_outbox
    SET attempts = attempts + 1, last_error = :error,
        next_attempt_time = clock_timestamp() + make_interval(secs => :delay_seconds)
    WHERE id = :id
    """
)

# The address and name of the account a message goes to.
SELECT_RECIPIENT = text("SELECT email, screen_name FROM users WHERE id = :id")


async def insert_mail(conn: AsyncConnection, user_id: uuid.UUID | None, template: str, params: dict) -> None:
    await conn.execute(INSERT_MAIL, {"user_id": user_id, "template": template, "params": json.dumps(params)})


async def claim_due_mail(conn: AsyncConnection):
    return (await conn.execute(CLAIM_DUE_MAIL)).one_or_none()


async def mark_mail_done(conn: AsyncConnection, mail_id: uuid.UUID, *, tried: bool, error: str | None = None) -> None:
    await conn.execute(MARK_MAIL_DONE, {"id": mail_id, "tried": int(tried), "error": error})


async def mark_mail_retry(conn: AsyncConnection, mail_id: uuid.UUID, error: str, delay_seconds: float) -> None:
    await conn.execute(MARK_MAIL_RETRY, {"id": mail_id, "error": error, "delay_seconds": delay_seconds})


async def select_recipient(conn: AsyncConnection, user_id: uuid.UUID):
    return (await conn.execute(SELECT_RECIPIENT, {"id": user_id})).one_or_none()
