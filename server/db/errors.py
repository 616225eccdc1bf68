"""The one place where database errors become domain errors, by constraint name."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg.errors
from sqlalchemy.exc import DBAPIError

from server import errors

# Constraint name -> the error the caller receives. Every constraint that user input
# can violate is listed; any other violation is a bug and becomes INTERNAL.
_CONSTRAINT_ERRORS = {
    "users_email_key_uq": lambda: errors.AlreadyExists(
        "an account with this email already exists", reason="EMAIL_TAKEN"
    ),
    "users_screen_name_key_uq": lambda: errors.AlreadyExists(
        "this screen name is taken", reason="SCREEN_NAME_TAKEN"
    ),
    # Two accounts that take look-alike names at the same moment.
    "users_screen_name_skeleton_uq": lambda: errors.AlreadyExists(
        "this screen name is taken, or looks the same as one that is", reason="SCREEN_NAME_TAKEN"
    ),
    "scores_user_fk": lambda: errors.NotFound("no user has this user_id", reason="USER_NOT_FOUND"),
    # Two claims for one slot, or by one player, that commit at the same time.
    "check_ins_open_slot_uq": lambda: errors.FailedPrecondition(
        "another check-in for this slot happened at the same moment; try again", reason="CHECK_IN_CONFLICT"
    ),
    "check_ins_open_user_uq": lambda: errors.FailedPrecondition(
        "another check-in of this player happened at the same moment; try again", reason="CHECK_IN_CONFLICT"
    ),
    # An access token can outlive its account.
    "arcades_owner_fk": lambda: errors.Unauthenticated("the account of this access token no longer exists"),
}


@contextlib.contextmanager
def translate_database_errors() -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        cause = exc.orig
        constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
        factory = _CONSTRAINT_ERRORS.get(constraint or "")
        if factory is not None and isinstance(
            cause,
            (psycopg.errors.UniqueViolation, psycopg.errors.ForeignKeyViolation, psycopg.errors.ExclusionViolation),
        ):
            raise factory() from exc
        raise
