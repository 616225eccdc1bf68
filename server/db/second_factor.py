"""Queries of second factors, recovery codes and log-in challenges."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# An account's second factor, confirmed or pending, locked so enrolment,
# confirmation and disabling of one account run one after the other.
SELECT_FACTOR = text(
    """
    SELECT id, user_id, method, confirm_time IS NOT NULL AS confirmed, last_step
    FROM second_factors WHERE user_id = :user_id
    FOR UPDATE
    """
)

# The account's confirmed second factor, without a lock: log-in only reads it.
SELECT_CONFIRMED_FACTOR = text(
    """
    SELECT id, user_id, method, true AS confirmed, last_step
    FROM second_factors WHERE user_id = :user_id AND confirm_time IS NOT NULL
    """
)

INSERT_FACTOR = text("INSERT INTO second_factors (id, user_id, method) VALUES (:id, :user_id, :method)")

DELETE_FACTOR = text("DELETE FROM second_factors WHERE id = :id")

CONFIRM_FACTOR = text("UPDATE second_factors SET confirm_time = clock_timestamp() WHERE id = :id")

# Accept a TOTP step only if it is later than every step accepted before.
# Two concurrent calls with one code both reach this row; the second waits
# for the first's row lock, then reads the new last_step and updates nothing.
ADVANCE_STEP = text(
    """
    UPDATE second_factors SET last_step = :step
    WHERE id = :id AND last_step < :step
    RETURNING id
    """
)

INSERT_RECOVERY_CODE = text("INSERT INTO recovery_codes (factor_id, code_hash) VALUES (:factor_id, :code_hash)")

# Spend one unspent recovery code of a factor; returns no row when none matches.
SPEND_RECOVERY_CODE = text(
    """
    UPDATE recovery_codes SET spent_time = clock_timestamp()
    WHERE factor_id = :factor_id AND code_hash = :code_hash AND spent_time IS NULL
    RETURNING id
    """
)

INSERT_CHALLENGE = text(
    """
    INSERT INTO sign_in_challenges (user_id, token_hash, expire_time)
    VALUES (:user_id, :token_hash, clock_timestamp() + make_interval(secs => :lifetime_seconds))
    RETURNING expire_time
    """
)

# The open, unexpired challenge behind a token, locked so one completes it at most once.
SELECT_CHALLENGE = text(
    """
    SELECT id, user_id FROM sign_in_challenges
    WHERE token_hash = :token_hash AND spent_time IS NULL AND expire_time > clock_timestamp()
    FOR UPDATE
    """
)

SPEND_CHALLENGE = text("UPDATE sign_in_challenges SET spent_time = clock_timestamp() WHERE id = :id")

# Count a wrong code; the last allowed one also spends the challenge.
FAIL_CHALLENGE = text(
    """
    UPDATE sign_in_challenges
    SET failed_attempts = failed_attempts + 1,
        spent_time = CASE WHEN failed_attempts + 1 >= :max_attempts THEN clock_timestamp() END
    WHERE id = :id
    """
)


async def select_factor(conn: AsyncConnection, user_id: uuid.UUID, *, lock: bool = True):
    query = SELECT_FACTOR if lock else SELECT_CONFIRMED_FACTOR
    return (await conn.execute(query, {"user_id": user_id})).one_or_none()


async def insert_factor(conn: AsyncConnection, factor_id: uuid.UUID, user_id: uuid.UUID, method: str) -> None:
    await conn.execute(INSERT_FACTOR, {"id": factor_id, "user_id": user_id, "method": method})


async def delete_factor(conn: AsyncConnection, factor_id: uuid.UUID) -> None:
    await conn.execute(DELETE_FACTOR, {"id": factor_id})


async def confirm_factor(conn: AsyncConnection, factor_id: uuid.UUID) -> None:
    await conn.execute(CONFIRM_FACTOR, {"id": factor_id})


async def advance_step(conn: AsyncConnection, factor_id: uuid.UUID, step: int) -> bool:
    return (await conn.execute(ADVANCE_STEP, {"id": factor_id, "step": step})).one_or_none() is not None


async def insert_recovery_codes(conn: AsyncConnection, factor_id: uuid.UUID, hashes: list[bytes]) -> None:
    await conn.execute(INSERT_RECOVERY_CODE, [{"factor_id": factor_id, "code_hash": h} for h in hashes])


async def spend_recovery_code(conn: AsyncConnection, factor_id: uuid.UUID, code_hash: bytes) -> bool:
    values = {"factor_id": factor_id, "code_hash": code_hash}
    return (await conn.execute(SPEND_RECOVERY_CODE, values)).one_or_none() is not None


async def insert_challenge(conn: AsyncConnection, user_id: uuid.UUID, token_hash: bytes, lifetime_seconds: int):
    values = {"user_id": user_id, "token_hash": token_hash, "lifetime_seconds": lifetime_seconds}
    return (await conn.execute(INSERT_CHALLENGE, values)).scalar_one()


async def select_challenge(conn: AsyncConnection, token_hash: bytes):
    return (await conn.execute(SELECT_CHALLENGE, {"token_hash": token_hash})).one_or_none()


async def spend_challenge(conn: AsyncConnection, challenge_id: uuid.UUID) -> None:
    await conn.execute(SPEND_CHALLENGE, {"id": challenge_id})


async def fail_challenge(conn: AsyncConnection, challenge_id: uuid.UUID, max_attempts: int) -> None:
    await conn.execute(FAIL_CHALLENGE, {"id": challenge_id, "max_attempts": max_attempts})
