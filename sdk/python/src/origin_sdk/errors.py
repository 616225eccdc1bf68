"""Typed exceptions for failed calls, built from the gRPC status and its details.

    OriginError               any status other than OK
    ├── InvalidArgument       INVALID_ARGUMENT   (see `field_violations`)
    ├── Unauthenticated       UNAUTHENTICATED
    ├── PermissionDenied      PERMISSION_DENIED
    ├── NotFound              NOT_FOUND
    ├── AlreadyExists         ALREADY_EXISTS
    ├── FailedPrecondition    FAILED_PRECONDITION
    ├── ResourceExhausted     RESOURCE_EXHAUSTED (see `retry_delay`)
    ├── DeadlineExceeded      DEADLINE_EXCEEDED
    └── Unavailable           UNAVAILABLE

The server sends a `google.rpc.Status` in the `grpc-status-details-bin`
trailer. Its `ErrorInfo` gives `reason` (an UPPER_SNAKE word such as
"BAD_CREDENTIALS" that programs can compare), `domain` and `metadata`; a
`BadRequest` names the fields at fault; a `RetryInfo` gives the wait before
trying again.
"""

from __future__ import annotations

import dataclasses

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"
REQUEST_ID_KEY = "x-request-id"


@dataclasses.dataclass(frozen=True)
class FieldViolation:
    """One invalid request field: its path, such as "arcade_id", and what is allowed."""

    field: str
    description: str


class OriginError(Exception):
    """A call failed with a gRPC status other than OK.

    `code` is the grpc.StatusCode; `message` the server's text for people;
    `reason`, `domain` and `metadata` come from the status's ErrorInfo ("" and
    {} when it carries none); `request_id` is the server's ID for the call, to
    quote when reporting a problem.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str = "",
        domain: str = "",
        metadata: dict[str, str] | None = None,
        field_violations: list[FieldViolation] | None = None,
        retry_delay: float | None = None,
        request_id: str = "",
    ):
        super().__init__(f"{code.name}: {message}" + (f" ({reason})" if reason else ""))
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = dict(metadata or {})
        self.field_violations = list(field_violations or [])
        self.retry_delay = retry_delay
        self.request_id = request_id


class InvalidArgument(OriginError):
    """The request is malformed; `field_violations` names the fields at fault."""


class Unauthenticated(OriginError):
    """The token is missing, expired or revoked, or the credentials are wrong."""


class PermissionDenied(OriginError):
    """The caller is signed in but may not do this."""


class NotFound(OriginError):
    """The named resource does not exist."""


class AlreadyExists(OriginError):
    """The resource exists, or a request ID was used before with different content."""


class FailedPrecondition(OriginError):
    """The system is not in the state the call needs."""


class ResourceExhausted(OriginError):
    """A limit was reached. `retry_delay` is the wait in seconds the server
    asked for, or None when it named none."""


class DeadlineExceeded(OriginError):
    """The call did not finish before its deadline."""


class Unavailable(OriginError):
    """The server could not be reached or is shutting down; retrying may help."""


_CLASSES: dict[grpc.StatusCode, type[OriginError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
}
_CODES_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def from_rpc_error(error: grpc.RpcError) -> OriginError:
    """Convert a failed call (grpc.aio.AioRpcError or a sync grpc.Call error) to its typed exception."""
    code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
    message = error.details() if callable(getattr(error, "details", None)) else str(error)
    status = _status_from_trailer(_metadata(error, "trailing_metadata"))
    request_id = _metadata_value(_metadata(error, "initial_metadata"), REQUEST_ID_KEY)
    converted = from_status(status, request_id=request_id) if status is not None else None
    if converted is None or converted.code != code:
        converted = _CLASSES.get(code, OriginError)(code, message or "", request_id=request_id)
    converted.__cause__ = error
    return converted


def from_status(status: status_pb2.Status, *, request_id: str = "") -> OriginError:
    """Build the typed exception for a google.rpc.Status, such as the `error` of a stream response."""
    code = _CODES_BY_NUMBER.get(status.code, grpc.StatusCode.UNKNOWN)
    fields: dict = {"reason": "", "domain": "", "metadata": {}, "field_violations": [], "retry_delay": None}
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            fields.update(reason=info.reason, domain=info.domain, metadata=dict(info.metadata))
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields["field_violations"] += [
                FieldViolation(violation.field, violation.description) for violation in bad_request.field_violations
            ]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            fields["retry_delay"] = retry.retry_delay.ToTimedelta().total_seconds()
    return _CLASSES.get(code, OriginError)(code, status.message, request_id=request_id, **fields)


def _metadata(error: grpc.RpcError, name: str) -> tuple:
    method = getattr(error, name, None)
    if not callable(method):
        return ()
    return tuple(method() or ())


def _metadata_value(metadata: tuple, key: str) -> str:
    for name, value in metadata:
        if name == key:
            return value if isinstance(value, str) else value.decode("ascii", "replace")
    return ""


def _status_from_trailer(trailer: tuple) -> status_pb2.Status | None:
    for name, value in trailer:
        if name == STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:
                # A trailer that does not parse is treated as absent: the
                # code and message still make a useful exception.
                return None
    return None
