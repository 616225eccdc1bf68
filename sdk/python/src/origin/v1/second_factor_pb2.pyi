from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SecondFactorMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECOND_FACTOR_METHOD_UNSPECIFIED: _ClassVar[SecondFactorMethod]
    SECOND_FACTOR_METHOD_TOTP: _ClassVar[SecondFactorMethod]
    SECOND_FACTOR_METHOD_EMAIL: _ClassVar[SecondFactorMethod]
    SECOND_FACTOR_METHOD_RECOVERY_CODE: _ClassVar[SecondFactorMethod]
SECOND_FACTOR_METHOD_UNSPECIFIED: SecondFactorMethod
SECOND_FACTOR_METHOD_TOTP: SecondFactorMethod
SECOND_FACTOR_METHOD_EMAIL: SecondFactorMethod
SECOND_FACTOR_METHOD_RECOVERY_CODE: SecondFactorMethod

class EnrollSecondFactorRequest(_message.Message):
    __slots__ = ("method", "password")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    method: SecondFactorMethod
    password: str
    def __init__(self, method: _Optional[_Union[SecondFactorMethod, str]] = ..., password: _Optional[str] = ...) -> None: ...

class EnrollSecondFactorResponse(_message.Message):
    __slots__ = ("totp_secret", "totp_uri", "recovery_codes")
    TOTP_SECRET_FIELD_NUMBER: _ClassVar[int]
    TOTP_URI_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_CODES_FIELD_NUMBER: _ClassVar[int]
    totp_secret: str
    totp_uri: str
    recovery_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, totp_secret: _Optional[str] = ..., totp_uri: _Optional[str] = ..., recovery_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class ConfirmSecondFactorRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ConfirmSecondFactorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DisableSecondFactorRequest(_message.Message):
    __slots__ = ("password", "code")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    password: str
    code: str
    def __init__(self, password: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class DisableSecondFactorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendSecondFactorCodeRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendSecondFactorCodeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
