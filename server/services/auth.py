"""AuthService: accounts, verification and tokens."""

from __future__ import annotations

from origin.v1 import auth_pb2, auth_pb2_grpc

from server.deps import Deps
from server.domain import accounts, credentials, second_factor, sessions
from server.interceptors import current_caller, current_client_address
from server.services import convert
from server.services.second_factor import METHOD_VALUES


class AuthService(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateUser(self, request, context):
        record = await accounts.check_create_user(
            self.deps, request.email, request.password, request.screen_name, request.phone_number
        )
        return auth_pb2.CreateUserResponse(user=convert.user(record))

    async def CreateToken(self, request, context):
        result = await accounts.do_create_token(self.deps, request.email, request.password, current_client_address())
        if isinstance(result, second_factor.Challenge):
            return auth_pb2.CreateTokenResponse(
                second_factor_challenge=result.token,
                second_factor_methods=[METHOD_VALUES[method] for method in result.methods],
                second_factor_challenge_expire_time=convert.timestamp(result.expire_time),
            )
        return auth_pb2.CreateTokenResponse(**_token_fields(result))

    async def CompleteSignIn(self, request, context):
        tokens = await second_factor.do_complete_sign_in(
            self.deps, request.challenge, request.code, current_client_address()
        )
        return auth_pb2.CompleteSignInResponse(**_token_fields(tokens))

    async def RequestPasswordReset(self, request, context):
        await credentials.do_request_password_reset(self.deps, request.email, current_client_address())
        return auth_pb2.RequestPasswordResetResponse()

    async def ResetPassword(self, request, context):
        await credentials.do_reset_password(
            self.deps,
            request.link_token,
            request.email,
            request.code,
            request.new_password,
            request.second_factor_code,
            current_client_address(),
        )
        return auth_pb2.ResetPasswordResponse()

    async def ChangePassword(self, request, context):
        await credentials.do_change_password(
            self.deps, current_caller(), request.current_password, request.new_password, current_client_address()
        )
        return auth_pb2.ChangePasswordResponse()

    async def ChangeEmail(self, request, context):
        await credentials.do_change_email(
            self.deps,
            current_caller(),
            request.new_email,
            request.password,
            request.second_factor_code,
            current_client_address(),
        )
        return auth_pb2.ChangeEmailResponse()

    async def ConfirmEmailChange(self, request, context):
        await credentials.do_confirm_email_change(self.deps, request.link_token)
        return auth_pb2.ConfirmEmailChangeResponse()

    async def RefreshToken(self, request, context):
        tokens = await sessions.do_refresh(self.deps, request.refresh_token)
        return auth_pb2.RefreshTokenResponse(**_token_fields(tokens))

    async def SignOut(self, request, context):
        caller = current_caller()
        await sessions.do_end_session(self.deps, caller, caller.session_id, "sign_out")
        return auth_pb2.SignOutResponse()

    async def VerifyEmail(self, request, context):
        await accounts.do_verify_email(self.deps, request.email, request.code, request.link_token)
        return auth_pb2.VerifyEmailResponse()

    async def SendVerificationCode(self, request, context):
        await accounts.do_send_verification_code(self.deps, request.email)
        return auth_pb2.SendVerificationCodeResponse()

    async def GetCurrentUser(self, request, context):
        read_time = convert.optional_time(request, "read_time")
        record = await accounts.get_current_user(self.deps, current_caller(), read_time)
        return auth_pb2.GetCurrentUserResponse(user=convert.user(record))


def _token_fields(tokens: sessions.Tokens) -> dict:
    """The fields that CreateTokenResponse, RefreshTokenResponse and CompleteSignInResponse share."""
    return dict(
        access_token=tokens.access.token,
        token_type="Bearer",
        expires_in=tokens.access.lifetime_seconds,
        expire_time=convert.timestamp(tokens.access.expire_time),
        refresh_token=tokens.refresh_token,
        refresh_expire_time=convert.timestamp(tokens.refresh_expire_time),
        session_id=str(tokens.session_id),
    )
