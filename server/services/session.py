"""SessionService: the signed-in user's sessions."""

from __future__ import annotations

from origin.v1 import session_pb2, session_pb2_grpc

from server.deps import Deps
from server.domain import sessions
from server.interceptors import current_caller
from server.services import convert


class SessionService(session_pb2_grpc.SessionServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def ListSessions(self, request, context):
        caller = current_caller()
        records = await sessions.list_sessions(self.deps, caller)
        return session_pb2.ListSessionsResponse(sessions=[_session(record, caller.session_id) for record in records])

    async def DeleteSession(self, request, context):
        session_id = sessions.parse_session_id(request.session_id)
        await sessions.do_end_session(self.deps, current_caller(), session_id, "deleted")
        return session_pb2.DeleteSessionResponse()

    async def DeleteAllSessions(self, request, context):
        count = await sessions.do_end_all_sessions(self.deps, current_caller(), request.keep_current)
        return session_pb2.DeleteAllSessionsResponse(ended_count=count)


def _session(record: sessions.SessionRecord, current_id) -> session_pb2.Session:
    message = session_pb2.Session(
        session_id=str(record.id),
        create_time=convert.timestamp(record.create_time),
        expire_time=convert.timestamp(record.expire_time),
        client_address=record.client_address,
        current=record.id == current_id,
    )
    if record.refresh_time is not None:
        message.refresh_time.CopyFrom(convert.timestamp(record.refresh_time))
    return message
