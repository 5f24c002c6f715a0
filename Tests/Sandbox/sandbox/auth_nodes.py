"""The nodes of the sandbox's auth servers: the records ListUnifiedResources pages through,
the deterministic fake nodes, and the label and search filters (split from
auth_service.py; the predicate language is in auth_predicate.py)."""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import grpc
from google.protobuf import timestamp_pb2

from . import gen  # noqa: F401  (gen puts the generated modules on sys.path)

from teleport.legacy.types import types_pb2 as typespb  # noqa: E402

# The unified resource cache's sort keys (lib/services/unified_resource.go).
UNIFIED_PREFIX = "/unified_resource"
SORT_BY_NAME = "name"
SORT_BY_KIND = "kind"

# Go's zero time.Time as a google.protobuf.Timestamp. Teleport's gogoproto fields with
# stdtime and nullable=false (Rotation.Started, LastRotated, the schedule's times) are
# always marshalled, so an unset one arrives as this value, not as an absent field.
GO_ZERO_TIME_SECONDS = -62135596800


class RPCError(Exception):
    """An error returned as a gRPC status, as Teleport's trail.ToGRPC does for trace errors."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def bad_parameter(message: str) -> RPCError:
    return RPCError(grpc.StatusCode.INVALID_ARGUMENT, message)


@dataclass
class NodeRecord:
    server: typespb.ServerV2
    name_key: str = ""
    kind_key: str = ""
    labels: Dict[str, str] = field(default_factory=dict)


def _combined_labels(s: typespb.ServerV2) -> Dict[str, str]:
    """Static labels and command labels' results in one map (types.CombineLabels)."""
    labels = dict(s.Metadata.Labels)
    for k, v in s.Spec.CmdLabels.items():
        labels[k] = v.Result
    return labels


def make_record(s: typespb.ServerV2) -> NodeRecord:
    # The sort keys of lib/services/unified_resource.go: hostname/uuid, lowercased.
    sort_name = (s.Spec.Hostname + "/" + s.Metadata.Name).lower()
    return NodeRecord(server=s,
                      name_key=f"{UNIFIED_PREFIX}/{sort_name}/{s.Kind}",
                      kind_key=f"{UNIFIED_PREFIX}/{s.Kind}/{sort_name}",
                      labels=_combined_labels(s))


def make_node(name: str, node_uuid: str, addr: str, labels: Dict[str, str], *,
              sub_kind: str = "openssh", version: str = "", use_tunnel: bool = False,
              expires: Optional[_dt.datetime] = None,
              cmd_labels: Optional[Dict[str, Tuple[int, List[str], str]]] = None,
              ) -> typespb.ServerV2:
    s = typespb.ServerV2(Kind="node", SubKind=sub_kind, Version="v2")
    s.Metadata.Name = node_uuid
    s.Metadata.Namespace = "default"
    s.Metadata.Labels.update(labels)
    s.Metadata.Revision = str(uuid.uuid5(uuid.NAMESPACE_URL, "rev/" + node_uuid))
    if expires is not None:
        ts = timestamp_pb2.Timestamp()
        ts.FromDatetime(expires)
        s.Metadata.Expires.CopyFrom(ts)
    s.Spec.Addr = addr
    s.Spec.Hostname = name
    # ServerSpecV2.Rotation is non-nullable, and so are its times: Teleport always sends it,
    # with Go's zero time in every timestamp when no rotation ever happened.
    rot = s.Spec.Rotation
    for ts in (rot.Started, rot.LastRotated, rot.Schedule.UpdateClients,
               rot.Schedule.UpdateServers, rot.Schedule.Standby):
        ts.seconds = GO_ZERO_TIME_SECONDS
    s.Spec.UseTunnel = use_tunnel
    s.Spec.Version = version
    for k, (period_ns, command, result) in (cmd_labels or {}).items():
        s.Spec.CmdLabels[k].Period = period_ns
        s.Spec.CmdLabels[k].Command.extend(command)
        s.Spec.CmdLabels[k].Result = result
    return s


ENVS = ["prod", "staging", "dev"]
TEAMS = ["red", "blue", "green", "gold"]


def fake_nodes(cluster: str, count: int) -> List[typespb.ServerV2]:
    """`count` deterministic nodes with labels; a few reached through a tunnel, some with
    command labels, one with awkward label values. Their addresses are never dialled."""
    out = []
    expires = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0) + _dt.timedelta(days=1)
    short = cluster.split(".")[0]
    for i in range(count):
        node_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{i}.fake.{cluster}"))
        name = f"{short}-fake-{i:04d}"
        labels = {"env": ENVS[i % 3], "team": TEAMS[i % 4], "rack": f"r{i % 7}"}
        kwargs: Dict[str, Any] = {}
        if i % 2:
            # A Teleport agent node: heartbeats with a version and an expiry.
            kwargs.update(sub_kind="", version="17.0.0", expires=expires)
        if i % 10 == 3:
            kwargs["cmd_labels"] = {"arch": (60_000_000_000, ["uname", "-m"], "x86_64")}
        addr = f"10.{(i >> 8) & 255}.{i & 255}.1:3022"
        if i % 50 == 7:
            kwargs["use_tunnel"] = True
            kwargs.update(sub_kind="", version="17.0.0", expires=expires)
            addr = ""
        if i == 11:
            labels["note"] = "a,b=c d"
            name = f"{short.capitalize()}-Mixed-Case"
        out.append(make_node(name, node_uuid, addr, labels, **kwargs))
    return out


# --------------------------------------------------------------------------- filters

def match_search(rec: NodeRecord, keywords: Sequence[str]) -> bool:
    """types.ServerV2.MatchSearch: every keyword must be a case-insensitive substring of a
    label key or value, the name (UUID), hostname, address or a public address; "tunnel"
    also matches a tunnel node."""
    s = rec.server
    fields = []
    for k, v in rec.labels.items():
        fields += [k, v]
    fields += [s.Metadata.Name, s.Spec.Hostname, s.Spec.Addr]
    fields += list(s.Spec.public_addrs)
    folded = [f.casefold() for f in fields]
    for kw in keywords:
        kwf = kw.casefold()
        if any(kwf in f for f in folded):
            continue
        if s.Spec.UseTunnel and kwf == "tunnel":
            continue
        return False
    return True


def match_labels(rec: NodeRecord, labels: Dict[str, str]) -> bool:
    """types.MatchLabels: each requested label exists with exactly that value."""
    return all(k in rec.labels and rec.labels[k] == v for k, v in labels.items())
