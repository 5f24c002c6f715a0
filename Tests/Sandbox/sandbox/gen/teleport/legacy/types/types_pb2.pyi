import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Metadata(_message.Message):
    __slots__ = ("Name", "Namespace", "Description", "Labels", "Expires", "Revision")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    Name: str
    Namespace: str
    Description: str
    Labels: _containers.ScalarMap[str, str]
    Expires: _timestamp_pb2.Timestamp
    Revision: str
    def __init__(self, Name: _Optional[str] = ..., Namespace: _Optional[str] = ..., Description: _Optional[str] = ..., Labels: _Optional[_Mapping[str, str]] = ..., Expires: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., Revision: _Optional[str] = ...) -> None: ...

class Rotation(_message.Message):
    __slots__ = ("State", "Phase", "Mode", "CurrentID", "Started", "GracePeriod", "LastRotated", "Schedule")
    STATE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    CURRENTID_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    GRACEPERIOD_FIELD_NUMBER: _ClassVar[int]
    LASTROTATED_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    State: str
    Phase: str
    Mode: str
    CurrentID: str
    Started: _timestamp_pb2.Timestamp
    GracePeriod: int
    LastRotated: _timestamp_pb2.Timestamp
    Schedule: RotationSchedule
    def __init__(self, State: _Optional[str] = ..., Phase: _Optional[str] = ..., Mode: _Optional[str] = ..., CurrentID: _Optional[str] = ..., Started: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., GracePeriod: _Optional[int] = ..., LastRotated: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., Schedule: _Optional[_Union[RotationSchedule, _Mapping]] = ...) -> None: ...

class RotationSchedule(_message.Message):
    __slots__ = ("UpdateClients", "UpdateServers", "Standby")
    UPDATECLIENTS_FIELD_NUMBER: _ClassVar[int]
    UPDATESERVERS_FIELD_NUMBER: _ClassVar[int]
    STANDBY_FIELD_NUMBER: _ClassVar[int]
    UpdateClients: _timestamp_pb2.Timestamp
    UpdateServers: _timestamp_pb2.Timestamp
    Standby: _timestamp_pb2.Timestamp
    def __init__(self, UpdateClients: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., UpdateServers: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., Standby: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CommandLabelV2(_message.Message):
    __slots__ = ("Period", "Command", "Result")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    Period: int
    Command: _containers.RepeatedScalarFieldContainer[str]
    Result: str
    def __init__(self, Period: _Optional[int] = ..., Command: _Optional[_Iterable[str]] = ..., Result: _Optional[str] = ...) -> None: ...

class SSHKeyPair(_message.Message):
    __slots__ = ("PublicKey",)
    PUBLICKEY_FIELD_NUMBER: _ClassVar[int]
    PublicKey: bytes
    def __init__(self, PublicKey: _Optional[bytes] = ...) -> None: ...

class TLSKeyPair(_message.Message):
    __slots__ = ("Cert",)
    CERT_FIELD_NUMBER: _ClassVar[int]
    Cert: bytes
    def __init__(self, Cert: _Optional[bytes] = ...) -> None: ...

class CAKeySet(_message.Message):
    __slots__ = ("SSH", "TLS")
    SSH_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    SSH: _containers.RepeatedCompositeFieldContainer[SSHKeyPair]
    TLS: _containers.RepeatedCompositeFieldContainer[TLSKeyPair]
    def __init__(self, SSH: _Optional[_Iterable[_Union[SSHKeyPair, _Mapping]]] = ..., TLS: _Optional[_Iterable[_Union[TLSKeyPair, _Mapping]]] = ...) -> None: ...

class CertAuthorityV2(_message.Message):
    __slots__ = ("Kind", "SubKind", "Version", "Metadata", "Spec")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBKIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    Kind: str
    SubKind: str
    Version: str
    Metadata: Metadata
    Spec: CertAuthoritySpecV2
    def __init__(self, Kind: _Optional[str] = ..., SubKind: _Optional[str] = ..., Version: _Optional[str] = ..., Metadata: _Optional[_Union[Metadata, _Mapping]] = ..., Spec: _Optional[_Union[CertAuthoritySpecV2, _Mapping]] = ...) -> None: ...

class CertAuthoritySpecV2(_message.Message):
    __slots__ = ("Type", "ClusterName", "Rotation", "ActiveKeys", "AdditionalTrustedKeys")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CLUSTERNAME_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVEKEYS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONALTRUSTEDKEYS_FIELD_NUMBER: _ClassVar[int]
    Type: str
    ClusterName: str
    Rotation: Rotation
    ActiveKeys: CAKeySet
    AdditionalTrustedKeys: CAKeySet
    def __init__(self, Type: _Optional[str] = ..., ClusterName: _Optional[str] = ..., Rotation: _Optional[_Union[Rotation, _Mapping]] = ..., ActiveKeys: _Optional[_Union[CAKeySet, _Mapping]] = ..., AdditionalTrustedKeys: _Optional[_Union[CAKeySet, _Mapping]] = ...) -> None: ...

class ServerV2(_message.Message):
    __slots__ = ("Kind", "SubKind", "Version", "Metadata", "Spec")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SUBKIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    Kind: str
    SubKind: str
    Version: str
    Metadata: Metadata
    Spec: ServerSpecV2
    def __init__(self, Kind: _Optional[str] = ..., SubKind: _Optional[str] = ..., Version: _Optional[str] = ..., Metadata: _Optional[_Union[Metadata, _Mapping]] = ..., Spec: _Optional[_Union[ServerSpecV2, _Mapping]] = ...) -> None: ...

class ServerSpecV2(_message.Message):
    __slots__ = ("Addr", "Hostname", "CmdLabels", "Rotation", "UseTunnel", "Version", "PeerAddr", "ProxyIDs", "public_addrs", "CloudMetadata", "git_hub")
    class CmdLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: CommandLabelV2
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[CommandLabelV2, _Mapping]] = ...) -> None: ...
    ADDR_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    CMDLABELS_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    USETUNNEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PEERADDR_FIELD_NUMBER: _ClassVar[int]
    PROXYIDS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_ADDRS_FIELD_NUMBER: _ClassVar[int]
    CLOUDMETADATA_FIELD_NUMBER: _ClassVar[int]
    GIT_HUB_FIELD_NUMBER: _ClassVar[int]
    Addr: str
    Hostname: str
    CmdLabels: _containers.MessageMap[str, CommandLabelV2]
    Rotation: Rotation
    UseTunnel: bool
    Version: str
    PeerAddr: str
    ProxyIDs: _containers.RepeatedScalarFieldContainer[str]
    public_addrs: _containers.RepeatedScalarFieldContainer[str]
    CloudMetadata: CloudMetadata
    git_hub: GitHubServerMetadata
    def __init__(self, Addr: _Optional[str] = ..., Hostname: _Optional[str] = ..., CmdLabels: _Optional[_Mapping[str, CommandLabelV2]] = ..., Rotation: _Optional[_Union[Rotation, _Mapping]] = ..., UseTunnel: _Optional[bool] = ..., Version: _Optional[str] = ..., PeerAddr: _Optional[str] = ..., ProxyIDs: _Optional[_Iterable[str]] = ..., public_addrs: _Optional[_Iterable[str]] = ..., CloudMetadata: _Optional[_Union[CloudMetadata, _Mapping]] = ..., git_hub: _Optional[_Union[GitHubServerMetadata, _Mapping]] = ...) -> None: ...

class CloudMetadata(_message.Message):
    __slots__ = ("AWS",)
    AWS_FIELD_NUMBER: _ClassVar[int]
    AWS: AWSInfo
    def __init__(self, AWS: _Optional[_Union[AWSInfo, _Mapping]] = ...) -> None: ...

class AWSInfo(_message.Message):
    __slots__ = ("AccountID", "InstanceID", "Region", "VPCID", "Integration", "SubnetID")
    ACCOUNTID_FIELD_NUMBER: _ClassVar[int]
    INSTANCEID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    VPCID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATION_FIELD_NUMBER: _ClassVar[int]
    SUBNETID_FIELD_NUMBER: _ClassVar[int]
    AccountID: str
    InstanceID: str
    Region: str
    VPCID: str
    Integration: str
    SubnetID: str
    def __init__(self, AccountID: _Optional[str] = ..., InstanceID: _Optional[str] = ..., Region: _Optional[str] = ..., VPCID: _Optional[str] = ..., Integration: _Optional[str] = ..., SubnetID: _Optional[str] = ...) -> None: ...

class GitHubServerMetadata(_message.Message):
    __slots__ = ("organization", "integration")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    INTEGRATION_FIELD_NUMBER: _ClassVar[int]
    organization: str
    integration: str
    def __init__(self, organization: _Optional[str] = ..., integration: _Optional[str] = ...) -> None: ...

class SortBy(_message.Message):
    __slots__ = ("IsDesc", "Field")
    ISDESC_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    IsDesc: bool
    Field: str
    def __init__(self, IsDesc: _Optional[bool] = ..., Field: _Optional[str] = ...) -> None: ...
