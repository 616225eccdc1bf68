"""AccountService: the signed-in user's screen name, account deletion and data export."""

from __future__ import annotations

from origin.v1 import account_pb2, account_pb2_grpc

from server.deps import Deps
from server.domain import account_changes
from server.interceptors import current_caller, current_client_address
from server.services import convert


class AccountService(account_pb2_grpc.AccountServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def UpdateScreenName(self, request, context):
        name, next_change = await account_changes.do_update_screen_name(self.deps, current_caller(), request.screen_name)
        return account_pb2.UpdateScreenNameResponse(screen_name=name, next_change_time=convert.timestamp(next_change))

    async def DeleteAccount(self, request, context):
        await account_changes.do_delete_account(
            self.deps, current_caller(), request.password, request.second_factor_code, current_client_address()
        )
        return account_pb2.DeleteAccountResponse()

    async def ExportAccountData(self, request, context):
        data, export_time = await account_changes.export_account_data(self.deps, current_caller())
        return account_pb2.ExportAccountDataResponse(data_json=data, export_time=convert.timestamp(export_time))
