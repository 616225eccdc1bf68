"""gRPC status codes as HTTP statuses, and google.rpc.Status bodies.

Every error the gateway returns over REST is a JSON `google.rpc.Status`
(`code`, `message`, `details`), whether the server sent it or the gateway
rejected the request itself. Details stay typed: each is an object with an
`@type` URL, such as `type.googleapis.com/google.rpc.ErrorInfo`.
"""

from __future__ import annotations

import json
import logging

import grpc
from google.protobuf import any_pb2, descriptor_pool, json_format
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from server.errors import ERROR_DOMAIN

logger = logging.getLogger(__name__)

# The usual mapping, as in google/rpc/code.proto and HTTP/JSON gateways.
HTTP_STATUS_BY_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}

_CODE_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def code_from_number(number: int) -> grpc.StatusCode:
    """Return the StatusCode of a numeric code; numbers outside the enum are UNKNOWN."""
    return _CODE_BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


def http_status(code: grpc.StatusCode) -> int:
    return HTTP_STATUS_BY_CODE.get(code, 500)


class GatewayError(Exception):
    """A request that the gateway rejects itself, before or instead of calling the server.

    `http_status` overrides the table for statuses that HTTP has and gRPC
    lacks, such as 405 and 415.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str,
        field: str | None = None,
        http_status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.field = field
        self.http_status = http_status if http_status is not None else HTTP_STATUS_BY_CODE[code]
        self.headers = dict(headers or {})

    def status(self) -> status_pb2.Status:
        metadata = {"field": self.field} if self.field is not None else {}
        details = [_pack(error_details_pb2.ErrorInfo(reason=self.reason, domain=ERROR_DOMAIN, metadata=metadata))]
        if self.field is not None:
            violation = error_details_pb2.BadRequest.FieldViolation(field=self.field, description=self.message)
            details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=details)


def invalid_argument(field: str, message: str) -> GatewayError:
    """Return a 400 GatewayError that names the query parameter, header or body at fault."""
    return GatewayError(grpc.StatusCode.INVALID_ARGUMENT, message, reason="INVALID_ARGUMENT", field=field)


def internal_status(request_id: str) -> status_pb2.Status:
    info = error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN, metadata={"request_id": request_id})
    message = f"internal error; quote request id {request_id} when reporting it"
    return status_pb2.Status(code=grpc.StatusCode.INTERNAL.value[0], message=message, details=[_pack(info)])


def status_from_rpc_error(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    """Return the call's google.rpc.Status, with details from the `grpc-status-details-bin` trailer."""
    code = error.code()
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                status = status_pb2.Status.FromString(value)
            except DecodeError:
                logger.warning("ignoring a malformed %s trailer", STATUS_DETAILS_KEY)
                break
            if status.code == code.value[0]:
                return status
    return status_pb2.Status(code=code.value[0], message=error.details() or "")


def status_json(status: status_pb2.Status, pool: descriptor_pool.DescriptorPool) -> dict:
    """Render a Status as proto3 JSON, dropping only details whose type the pool lacks."""
    rendered = {"code": status.code, "message": status.message, "details": []}
    for detail in status.details:
        try:
            rendered["details"].append(json_format.MessageToDict(detail, descriptor_pool=pool))
        except (TypeError, KeyError, json_format.Error):
            logger.warning("dropping a status detail of unknown type %s", detail.type_url)
    return rendered


def status_body(status: status_pb2.Status, pool: descriptor_pool.DescriptorPool) -> bytes:
    return json.dumps(status_json(status, pool), ensure_ascii=False, separators=(",", ":")).encode()


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
