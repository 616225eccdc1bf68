"""Checks shared by the service tests: caught errors, row counts and database time."""

from __future__ import annotations

import datetime

import grpc
import pytest
from google.protobuf import timestamp_pb2
from psycopg import sql

from tests.helpers import bad_request_fields, error_info


async def rpc_error(call) -> grpc.aio.AioRpcError:
    """Await a unary call that must fail and return its error."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def assert_invalid(error: grpc.aio.AioRpcError, field: str) -> None:
    """Assert an INVALID_ARGUMENT that names `field` in ErrorInfo and BadRequest."""
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert error_info(error).reason == "INVALID_ARGUMENT"
    assert error_info(error).metadata["field"] == field
    assert bad_request_fields(error) == [field]


async def count_rows(db, *tables: str) -> dict[str, int]:
    """Return the row count of each table, so one comparison covers all of them."""
    counts = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        counts[table] = (await (await db.execute(query)).fetchone())[0]
    return counts


async def database_now(db) -> datetime.datetime:
    """Return the database server's clock time, which also stamps the history tables."""
    return (await (await db.execute("SELECT clock_timestamp()")).fetchone())[0]


def timestamp(moment: datetime.datetime) -> timestamp_pb2.Timestamp:
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(moment)
    return message
