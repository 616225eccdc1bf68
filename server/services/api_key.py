"""ApiKeyService: partner API keys of an arcade, managed by its owner or an admin."""

from __future__ import annotations

from origin.v1 import api_key_pb2, api_key_pb2_grpc

from server.deps import Deps
from server.domain import api_keys, roles
from server.errors import InvalidArgument
from server.interceptors import current_caller
from server.services import convert

_SCOPE_NAMES = {
    api_key_pb2.API_KEY_SCOPE_BOARDS_READ: roles.BOARDS_READ,
    api_key_pb2.API_KEY_SCOPE_MACHINE_STATUSES_READ: roles.MACHINE_STATUSES_READ,
}
_SCOPE_VALUES = {name: value for value, name in _SCOPE_NAMES.items()}


def _scope_names(values) -> list[str]:
    names = []
    for value in values:
        if value not in _SCOPE_NAMES:
            raise InvalidArgument(
                "scopes", "each scope must be API_KEY_SCOPE_BOARDS_READ or API_KEY_SCOPE_MACHINE_STATUSES_READ"
            )
        names.append(_SCOPE_NAMES[value])
    return names


class ApiKeyService(api_key_pb2_grpc.ApiKeyServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateApiKey(self, request, context):
        record, secret = await api_keys.check_create_api_key(
            self.deps, current_caller(), request.arcade_id, request.display_name, _scope_names(request.scopes)
        )
        return api_key_pb2.CreateApiKeyResponse(api_key=_api_key(record), secret=secret)

    async def ListApiKeys(self, request, context):
        page = await api_keys.list_api_keys(
            self.deps, current_caller(), request.arcade_id, request.page_size, request.page_token
        )
        return api_key_pb2.ListApiKeysResponse(
            api_keys=[_api_key(record) for record in page.keys], next_page_token=page.next_page_token
        )

    async def RevokeApiKey(self, request, context):
        record = await api_keys.do_revoke_api_key(self.deps, current_caller(), request.api_key_id)
        return api_key_pb2.RevokeApiKeyResponse(api_key=_api_key(record))


def _api_key(record: api_keys.ApiKeyRecord) -> api_key_pb2.ApiKey:
    message = api_key_pb2.ApiKey(
        api_key_id=str(record.id),
        arcade_id=str(record.arcade_id),
        display_name=record.display_name,
        key_prefix=record.key_prefix,
        scopes=[_SCOPE_VALUES[name] for name in record.scopes],
        create_time=convert.timestamp(record.create_time),
    )
    if record.revoke_time is not None:
        message.revoke_time.CopyFrom(convert.timestamp(record.revoke_time))
    return message
