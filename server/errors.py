"""The errors that domain code raises, each with its gRPC code and reason.

    OriginError
    ├── InvalidArgument      INVALID_ARGUMENT   (carries the field at fault)
    ├── Unauthenticated      UNAUTHENTICATED
    ├── PermissionDenied     PERMISSION_DENIED
    ├── NotFound             NOT_FOUND
    ├── AlreadyExists        ALREADY_EXISTS
    ├── FailedPrecondition   FAILED_PRECONDITION
    ├── ResourceExhausted    RESOURCE_EXHAUSTED
    └── Unavailable          UNAVAILABLE

The interceptor turns each into a status with a `google.rpc.ErrorInfo`
(reason, domain "origin.pinball", metadata) and, for InvalidArgument, a
`google.rpc.BadRequest` naming the field, and for ResourceExhausted with a
known wait, a `google.rpc.RetryInfo`. This module has no grpc import, so
domain code can raise these without depending on the transport.
"""

from __future__ import annotations

ERROR_DOMAIN = "origin.pinball"


class OriginError(Exception):
    """Base class. `code` is the name of a grpc.StatusCode member."""

    code = "UNKNOWN"
    reason = "UNKNOWN"

    def __init__(self, message: str, *, reason: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.metadata = dict(metadata or {})


class InvalidArgument(OriginError):
    code = "INVALID_ARGUMENT"
    reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, description: str, *, reason: str | None = None):
        super().__init__(f"invalid {field}: {description}", reason=reason, metadata={"field": field})
        self.field = field
        self.description = description


class Unauthenticated(OriginError):
    code = "UNAUTHENTICATED"
    reason = "UNAUTHENTICATED"


class PermissionDenied(OriginError):
    code = "PERMISSION_DENIED"
    reason = "PERMISSION_DENIED"


class NotFound(OriginError):
    code = "NOT_FOUND"
    reason = "NOT_FOUND"


class AlreadyExists(OriginError):
    code = "ALREADY_EXISTS"
    reason = "ALREADY_EXISTS"


class FailedPrecondition(OriginError):
    code = "FAILED_PRECONDITION"
    reason = "FAILED_PRECONDITION"


class ResourceExhausted(OriginError):
    """With `retry_after_seconds` set, the status also carries a `google.rpc.RetryInfo`."""

    code = "RESOURCE_EXHAUSTED"
    reason = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, reason: str | None = None, retry_after_seconds: float | None = None):
        super().__init__(message, reason=reason)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(OriginError):
    code = "UNAVAILABLE"
    reason = "UNAVAILABLE"
