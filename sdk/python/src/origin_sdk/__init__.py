"""Origin SDK: the generated messages and stubs live in `origin.v1`; helpers live here.

    OriginClient        asyncio client (origin_sdk.client)
    blocking            the blocking twin of OriginClient
    DeviceClient        device agent with a SQLite outbox (origin_sdk.device)
    BoardWatch          live board updates that reconnect (origin_sdk.watch)
    errors              typed exceptions with the gRPC code and ErrorInfo reason
"""

from origin_sdk import errors
from origin_sdk.client import OriginClient, RegisteredMachine, SignInResult, Stubs
from origin_sdk.device import DeviceClient
from origin_sdk.retry import RetryPolicy
from origin_sdk.session import SecondFactorChallenge, Session
from origin_sdk.watch import BoardWatch

__all__ = [
    "BoardWatch",
    "DeviceClient",
    "OriginClient",
    "RegisteredMachine",
    "RetryPolicy",
    "SecondFactorChallenge",
    "Session",
    "SignInResult",
    "Stubs",
    "errors",
]
