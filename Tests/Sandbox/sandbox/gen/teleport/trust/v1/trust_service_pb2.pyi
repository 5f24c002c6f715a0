from teleport.legacy.types import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetCertAuthoritiesRequest(_message.Message):
    __slots__ = ("type", "include_key")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_KEY_FIELD_NUMBER: _ClassVar[int]
    type: str
    include_key: bool
    def __init__(self, type: _Optional[str] = ..., include_key: _Optional[bool] = ...) -> None: ...

class GetCertAuthoritiesResponse(_message.Message):
    __slots__ = ("cert_authorities_v2",)
    CERT_AUTHORITIES_V2_FIELD_NUMBER: _ClassVar[int]
    cert_authorities_v2: _containers.RepeatedCompositeFieldContainer[_types_pb2.CertAuthorityV2]
    def __init__(self, cert_authorities_v2: _Optional[_Iterable[_Union[_types_pb2.CertAuthorityV2, _Mapping]]] = ...) -> None: ...
