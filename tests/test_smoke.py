import grpc
import pytest
from origin.v1 import auth_pb2

from tests.helpers import bad_request_fields, error_info, owner_with_machine


async def test_create_user_and_profile(api):
    owner, arcade, machine = await owner_with_machine(api)
    me = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=owner.metadata)
    assert me.user.id == owner.user_id


async def test_bad_email_names_field(api):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.auth.CreateUser(auth_pb2.CreateUserRequest(email="nope", password="x" * 12, screen_name="abc"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).reason == "INVALID_ARGUMENT"
    assert bad_request_fields(caught.value) == ["email"]
