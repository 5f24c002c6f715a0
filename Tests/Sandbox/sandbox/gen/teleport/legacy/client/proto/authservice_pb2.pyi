from teleport.legacy.types import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaginatedResource(_message.Message):
    __slots__ = ("Node", "Logins", "RequiresRequest")
    NODE_FIELD_NUMBER: _ClassVar[int]
    LOGINS_FIELD_NUMBER: _ClassVar[int]
    REQUIRESREQUEST_FIELD_NUMBER: _ClassVar[int]
    Node: _types_pb2.ServerV2
    Logins: _containers.RepeatedScalarFieldContainer[str]
    RequiresRequest: bool
    def __init__(self, Node: _Optional[_Union[_types_pb2.ServerV2, _Mapping]] = ..., Logins: _Optional[_Iterable[str]] = ..., RequiresRequest: _Optional[bool] = ...) -> None: ...

class ListUnifiedResourcesRequest(_message.Message):
    __slots__ = ("Kinds", "Limit", "StartKey", "Labels", "PredicateExpression", "SearchKeywords", "SortBy", "UseSearchAsRoles", "UsePreviewAsRoles", "PinnedOnly", "IncludeLogins", "IncludeRequestable")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KINDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STARTKEY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PREDICATEEXPRESSION_FIELD_NUMBER: _ClassVar[int]
    SEARCHKEYWORDS_FIELD_NUMBER: _ClassVar[int]
    SORTBY_FIELD_NUMBER: _ClassVar[int]
    USESEARCHASROLES_FIELD_NUMBER: _ClassVar[int]
    USEPREVIEWASROLES_FIELD_NUMBER: _ClassVar[int]
    PINNEDONLY_FIELD_NUMBER: _ClassVar[int]
    INCLUDELOGINS_FIELD_NUMBER: _ClassVar[int]
    INCLUDEREQUESTABLE_FIELD_NUMBER: _ClassVar[int]
    Kinds: _containers.RepeatedScalarFieldContainer[str]
    Limit: int
    StartKey: str
    Labels: _containers.ScalarMap[str, str]
    PredicateExpression: str
    SearchKeywords: _containers.RepeatedScalarFieldContainer[str]
    SortBy: _types_pb2.SortBy
    UseSearchAsRoles: bool
    UsePreviewAsRoles: bool
    PinnedOnly: bool
    IncludeLogins: bool
    IncludeRequestable: bool
    def __init__(self, Kinds: _Optional[_Iterable[str]] = ..., Limit: _Optional[int] = ..., StartKey: _Optional[str] = ..., Labels: _Optional[_Mapping[str, str]] = ..., PredicateExpression: _Optional[str] = ..., SearchKeywords: _Optional[_Iterable[str]] = ..., SortBy: _Optional[_Union[_types_pb2.SortBy, _Mapping]] = ..., UseSearchAsRoles: _Optional[bool] = ..., UsePreviewAsRoles: _Optional[bool] = ..., PinnedOnly: _Optional[bool] = ..., IncludeLogins: _Optional[bool] = ..., IncludeRequestable: _Optional[bool] = ...) -> None: ...

class ListUnifiedResourcesResponse(_message.Message):
    __slots__ = ("Resources", "NextKey")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXTKEY_FIELD_NUMBER: _ClassVar[int]
    Resources: _containers.RepeatedCompositeFieldContainer[PaginatedResource]
    NextKey: str
    def __init__(self, Resources: _Optional[_Iterable[_Union[PaginatedResource, _Mapping]]] = ..., NextKey: _Optional[str] = ...) -> None: ...
