"""AuthService: accounts and access tokens."""

from __future__ import annotations

from origin.v1 import auth_pb2, auth_pb2_grpc

from server.deps import Deps
from server.domain import accounts
from server.interceptors import current_caller
from server.services import convert


class AuthService(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateUser(self, request, context):
        record = await accounts.check_create_user(self.deps, request.email, request.password, request.screen_name)
        return auth_pb2.CreateUserResponse(user=convert.user(record))

    async def CreateToken(self, request, context):
        token = await accounts.do_create_token(self.deps, request.email, request.password)
        return auth_pb2.CreateTokenResponse(
            access_token=token.token,
            token_type="Bearer",
            expires_in=token.lifetime_seconds,
            expire_time=convert.timestamp(token.expire_time),
        )

    async def GetCurrentUser(self, request, context):
        read_time = convert.optional_time(request, "read_time")
        record = await accounts.get_current_user(self.deps, current_caller(), read_time)
        return auth_pb2.GetCurrentUserResponse(user=convert.user(record))
