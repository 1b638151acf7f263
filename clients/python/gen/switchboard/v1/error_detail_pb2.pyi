from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorDetail(_message.Message):
    __slots__ = ["kind", "param", "provider", "reason", "retry_after_ms"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARAM_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    param: str
    provider: str
    reason: str
    retry_after_ms: int
    def __init__(self, kind: _Optional[str] = ..., reason: _Optional[str] = ..., param: _Optional[str] = ..., provider: _Optional[str] = ..., retry_after_ms: _Optional[int] = ...) -> None: ...
