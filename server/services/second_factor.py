"""SecondFactorService: enrolment, confirmation and removal of the second factor."""

from __future__ import annotations

from origin.v1 import second_factor_pb2, second_factor_pb2_grpc

from server.deps import Deps
from server.domain import second_factor
from server.interceptors import current_caller, current_client_address

# The domain's method names and their enum values in the contract.
METHOD_VALUES = {
    second_factor.TOTP: second_factor_pb2.SECOND_FACTOR_METHOD_TOTP,
    second_factor.EMAIL: second_factor_pb2.SECOND_FACTOR_METHOD_EMAIL,
    second_factor.RECOVERY_CODE: second_factor_pb2.SECOND_FACTOR_METHOD_RECOVERY_CODE,
}
_METHOD_NAMES = {value: name for name, value in METHOD_VALUES.items()}


class SecondFactorService(second_factor_pb2_grpc.SecondFactorServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def EnrollSecondFactor(self, request, context):
        # An unknown or unset enum value maps to "", which the domain rejects as INVALID_ARGUMENT.
        method = _METHOD_NAMES.get(request.method, "")
        enrolment = await second_factor.do_enroll(
            self.deps, current_caller(), method, request.password, current_client_address()
        )
        return second_factor_pb2.EnrollSecondFactorResponse(
            totp_secret=enrolment.totp_secret,
            totp_uri=enrolment.totp_uri,
            recovery_codes=enrolment.recovery_codes,
        )

    async def ConfirmSecondFactor(self, request, context):
        await second_factor.do_confirm(self.deps, current_caller(), request.code, current_client_address())
        return second_factor_pb2.ConfirmSecondFactorResponse()

    async def DisableSecondFactor(self, request, context):
        await second_factor.do_disable(
            self.deps, current_caller(), request.password, request.code, current_client_address()
        )
        return second_factor_pb2.DisableSecondFactorResponse()

    async def SendSecondFactorCode(self, request, context):
        await second_factor.do_send_code(self.deps, current_caller())
        return second_factor_pb2.SendSecondFactorCodeResponse()
