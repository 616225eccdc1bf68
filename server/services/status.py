"""Domain errors as gRPC statuses with google.rpc details."""

from __future__ import annotations

import math

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from server.errors import ERROR_DOMAIN, InvalidArgument, OriginError, ResourceExhausted


def status_proto(error: OriginError) -> status_pb2.Status:
    """Build a google.rpc.Status with an ErrorInfo, plus a BadRequest for invalid fields and a RetryInfo for a known wait."""
    details = []
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata)
    details.append(_pack(info))
    if isinstance(error, InvalidArgument):
        violation = error_details_pb2.BadRequest.FieldViolation(field=error.field, description=error.description)
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    if isinstance(error, ResourceExhausted) and error.retry_after_seconds is not None:
        # Whole seconds, rounded up, so a client that waits exactly this long is let in.
        delay = duration_pb2.Duration(seconds=math.ceil(error.retry_after_seconds))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    return status_pb2.Status(code=code_pb2.Code.Value(error.code), message=error.message, details=details)


def internal_status(request_id: str) -> status_pb2.Status:
    info = error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN, metadata={"request_id": request_id})
    message = f"internal error; quote request id {request_id} when reporting it"
    return status_pb2.Status(code=code_pb2.INTERNAL, message=message, details=[_pack(info)])


def to_grpc_status(status: status_pb2.Status) -> grpc.Status:
    return rpc_status.to_status(status)


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
