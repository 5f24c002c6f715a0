"""The sandbox's auth server: the two gRPC methods tsh calls after login and for `tsh ls`.

One gRPC server per cluster (the root and its one leaf), each serving TLS with an auth
host certificate (SAN `*.teleport.cluster.local`) and requiring a client certificate from
the user TLS CA, as Teleport's auth server does:

  - teleport.trust.v1.TrustService/GetCertAuthorities (api/proto/teleport/trust/v1/
    trust_service.proto): the cluster's own CAs of a type plus those of the clusters it
    trusts, so the root answers with the root's and the leaf's host CAs;
  - proto.AuthService/ListUnifiedResources (api/proto/teleport/legacy/client/proto/
    authservice.proto): the cluster's nodes, filtered by labels, search keywords and a
    predicate expression, sorted by kind or name, paged by start_key/next_key as
    lib/services/unified_resource.go does.

The proxy side (TLS routing with ALPN `teleport-auth@<hex(cluster)>.teleport.cluster.local`,
and TransportService/ProxyCluster) forwards the inner TLS connection, unchanged, to
`AuthServers.port_for(cluster)`. Standalone:

    servers = await auth_service.start(material)        # both clusters
    servers.port_for("sandbox.test"), servers.port_for("leaf.test")
    await servers.stop()

Hostile modes (HOSTILE_MODES) are a parameter of start(); none is on by default.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import grpc
from google.protobuf import timestamp_pb2

from . import crypto, gen  # noqa: F401  (gen puts the generated modules on sys.path)
from .material import LEAF_CLUSTER, ROOT_CLUSTER, Material, write_private

from teleport.legacy.client.proto import authservice_pb2 as authpb  # noqa: E402
from teleport.legacy.types import types_pb2 as typespb  # noqa: E402
from teleport.trust.v1 import trust_service_pb2 as trustpb  # noqa: E402

log = logging.getLogger("sandbox.auth")

GET_CERT_AUTHORITIES = "/teleport.trust.v1.TrustService/GetCertAuthorities"
LIST_UNIFIED_RESOURCES = "/proto.AuthService/ListUnifiedResources"

# Fake nodes added to the cluster's real ones, so that `tsh ls` needs several pages
# (Go tsh asks for 1,000 at a time).
DEFAULT_ROOT_FAKE_NODES = 1200
DEFAULT_LEAF_FAKE_NODES = 25

# lib/backend: the range limit used when a request gives none.
BACKEND_DEFAULT_RANGE_LIMIT = 200_000

# The unified resource cache's sort keys (lib/services/unified_resource.go).
UNIFIED_PREFIX = "/unified_resource"
SORT_BY_NAME = "name"
SORT_BY_KIND = "kind"

HOSTILE_MODES = {
    "ca-name-newline": "the leaf host CA's cluster name holds a newline and a known_hosts line",
    "ca-name-space": "the leaf host CA's cluster name holds a space",
    "ca-name-star": "the leaf host CA's cluster name is *",
    "ca-name-comma": "the leaf host CA's cluster name holds a comma (two known_hosts patterns)",
    "ca-key-injection": "the leaf host CA's SSH key is followed by a newline and another known_hosts line",
    "ca-tls-garbage": "the leaf host CA's TLS certificate is not PEM",
    "ca-huge-list": "GetCertAuthorities answers 100,000 host CAs (about 10 MB)",
    "ca-huge-response": "GetCertAuthorities answers one CA whose TLS cert is 64 MiB",
    "auth-garbage": "both methods answer bytes that are not a protobuf message",
    "ls-endless": "ListUnifiedResources always answers the same page with the same next_key",
}

CA_NAME_VALUES = {
    "ca-name-newline": "leaf.test\n@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPwned",
    "ca-name-space": "leaf test",
    "ca-name-star": "*",
    "ca-name-comma": "leaf.test,*",
}

# Go's zero time.Time as a google.protobuf.Timestamp. Teleport's gogoproto fields with
# stdtime and nullable=false (Rotation.Started, LastRotated, the schedule's times) are
# always marshalled, so an unset one arrives as this value, not as an absent field.
GO_ZERO_TIME_SECONDS = -62135596800

HUGE_LIST_COUNT = 100_000
HUGE_RESPONSE_BYTES = 64 * 1024 * 1024

# Not a protobuf message: field 1, wire type 2, with a length far past the end.
GARBAGE = b"\x0a\xff\xff\xff\xff\x0fnot a protobuf message"


class RPCError(Exception):
    """An error returned as a gRPC status, as Teleport's trail.ToGRPC does for trace errors."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def bad_parameter(message: str) -> RPCError:
    return RPCError(grpc.StatusCode.INVALID_ARGUMENT, message)


# --------------------------------------------------------------------------- key material

API_DOMAIN = "teleport.cluster.local"
ALPN_AUTH_PREFIX = "teleport-auth@"


def hex_cluster_sni(cluster: str) -> str:
    """The SNI (and ALPN suffix) Go tsh uses for a cluster's auth server
    (api/utils EncodeClusterName)."""
    return cluster.encode().hex() + "." + API_DOMAIN


def cluster_from_sni(name: str) -> Optional[str]:
    """The cluster named by `<hex(cluster)>.teleport.cluster.local`; None if it is not one."""
    suffix = "." + API_DOMAIN
    if not name.endswith(suffix):
        return None
    label = name[:-len(suffix)]
    if not label or "." in label:
        return None
    try:
        return bytes.fromhex(label).decode("utf-8")
    except ValueError:
        return None


def cluster_from_alpn(protocol: str) -> Optional[str]:
    """The cluster of an ALPN protocol `teleport-auth@<hex(cluster)>.teleport.cluster.local`
    (what the proxy routes to `AuthServers.port_for`); None for any other protocol."""
    if not protocol.startswith(ALPN_AUTH_PREFIX):
        return None
    return cluster_from_sni(protocol[len(ALPN_AUTH_PREFIX):])


def leaf_tls_ca(m: Material):
    """(key, cert) of the leaf cluster's host TLS CA, made once per Material.

    TODO: move into Material when it splits the TLS CAs (host/user) per cluster."""
    if getattr(m, "leaf_tls_ca", None) is None:
        m.leaf_tls_ca_key = crypto.generate_key(m.tls_kind)
        m.leaf_tls_ca = crypto.make_tls_ca(m.leaf_tls_ca_key, LEAF_CLUSTER, LEAF_CLUSTER)
        path = os.path.join(m.keys_dir, "leaf_tls_ca.pem")
        write_private(path, crypto.cert_pem(m.leaf_tls_ca))
        m.paths["leaf_tls_ca_pem"] = path
    return m.leaf_tls_ca_key, m.leaf_tls_ca


def leaf_rotation_keys(m: Material) -> Tuple[str, bytes]:
    """(SSH public line, TLS CA PEM) of the leaf's previous host CA, for a rotation in progress."""
    if getattr(m, "leaf_old_host_ca", None) is None:
        m.leaf_old_host_ca = crypto.generate_key(m.ssh_kind)
        key = crypto.generate_key(m.tls_kind)
        m.leaf_old_tls_ca = crypto.make_tls_ca(key, LEAF_CLUSTER, LEAF_CLUSTER)
    return crypto.ssh_public_line(m.leaf_old_host_ca), crypto.cert_pem(m.leaf_old_tls_ca)


def host_tls_ca(m: Material, cluster: str):
    """(key, cert) of a cluster's host TLS CA.

    TODO: Material has one TLS CA for the root that signs both user and host certificates;
    use its host TLS CA here once it has a separate one."""
    if cluster == ROOT_CLUSTER:
        return m.tls_ca_key, m.tls_ca
    return leaf_tls_ca(m)


def user_tls_ca_pem(m: Material) -> bytes:
    """The CA that signs users' TLS certificates: the root's (a leaf trusts it as well).

    TODO: the root's user TLS CA, once Material has one apart from the host TLS CA."""
    return crypto.cert_pem(m.tls_ca)


def auth_server_credentials(m: Material, cluster: str) -> grpc.ServerCredentials:
    ca_key, ca_cert = host_tls_ca(m, cluster)
    key = crypto.generate_key(m.tls_kind)
    cert = crypto.make_tls_server_cert(ca_key, ca_cert, key,
                                       ["*.teleport.cluster.local", "teleport.cluster.local"], [])
    chain = crypto.cert_pem(cert)
    return grpc.ssl_server_credentials([(crypto.key_pem_pkcs8(key), chain)],
                                       root_certificates=user_tls_ca_pem(m),
                                       require_client_auth=True)


# --------------------------------------------------------------------------- resources

def _authorized_key(line: str) -> bytes:
    """ssh.MarshalAuthorizedKey's form: "<type> <base64>\\n", no comment."""
    parts = line.split()
    return (parts[0] + " " + parts[1] + "\n").encode()


def make_host_ca(cluster: str, ssh_pub_line: str, tls_cert_pem: bytes) -> typespb.CertAuthorityV2:
    ca = typespb.CertAuthorityV2(Kind="cert_authority", SubKind="host", Version="v2")
    ca.Metadata.Name = cluster
    ca.Metadata.Namespace = "default"
    ca.Metadata.Revision = str(uuid.uuid5(uuid.NAMESPACE_DNS, "ca." + cluster))
    ca.Spec.Type = "host"
    ca.Spec.ClusterName = cluster
    ca.Spec.ActiveKeys.SSH.add(PublicKey=_authorized_key(ssh_pub_line))
    ca.Spec.ActiveKeys.TLS.add(Cert=tls_cert_pem)
    # Non-nullable in Teleport (gogoproto nullable=false): on the wire even when empty.
    ca.Spec.AdditionalTrustedKeys.SetInParent()
    return ca


def make_user_ca(cluster: str, ssh_pub_line: str, tls_cert_pem: bytes) -> typespb.CertAuthorityV2:
    ca = make_host_ca(cluster, ssh_pub_line, tls_cert_pem)
    ca.SubKind = "user"
    ca.Spec.Type = "user"
    return ca


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


# A small evaluator for the predicate language of `tsh ls --query`
# (lib/services/parser.go NewResourceExpression, on lib/utils/typical): variables
# `name` (a node's hostname), `labels` (labels["k"] or labels.k),
# `resource.metadata.name`, `resource.metadata.labels`, `resource.<json fields>`;
# functions hasPrefix, equals, search, exists, split, contains; operators ==, !=, &&, ||,
# !, parentheses; string literals in "..." or `...`, and true/false.

class _Tok:
    def __init__(self, kind: str, value: Any, pos: int):
        self.kind, self.value, self.pos = kind, value, pos


def _tokenize(src: str) -> List[_Tok]:
    toks: List[_Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        two = src[i:i + 2]
        if two in ("==", "!=", "&&", "||"):
            toks.append(_Tok("op", two, i))
            i += 2
            continue
        if c in "()[],.!":
            toks.append(_Tok("op", c, i))
            i += 1
            continue
        if c == '"':
            j, out = i + 1, []
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n:
                    esc = src[j + 1]
                    out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(esc, esc))
                    j += 2
                    continue
                out.append(src[j])
                j += 1
            if j >= n:
                raise bad_parameter(f"failed to parse predicate expression: string literal not terminated: {src!r}")
            toks.append(_Tok("str", "".join(out), i))
            i = j + 1
            continue
        if c == "`":
            j = src.find("`", i + 1)
            if j < 0:
                raise bad_parameter(f"failed to parse predicate expression: raw string literal not terminated: {src!r}")
            toks.append(_Tok("str", src[i + 1:j], i))
            i = j + 1
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            toks.append(_Tok("ident", src[i:j], i))
            i = j
            continue
        raise bad_parameter(f"failed to parse predicate expression: unexpected character {c!r} in {src!r}")
    toks.append(_Tok("end", None, n))
    return toks


class _Parser:
    """Parses to a tree of tuples; evaluation happens per node."""

    FUNCS = {"hasPrefix": 2, "equals": 2, "exists": 1, "split": 2, "contains": 2, "search": -1}

    def __init__(self, src: str):
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str, value: Any = None) -> _Tok:
        t = self.peek()
        if t.kind != kind or (value is not None and t.value != value):
            raise bad_parameter(f"failed to parse predicate expression {self.src!r}: "
                                f"unexpected {t.value or 'end'!r} at {t.pos}")
        self.i += 1
        return t

    def accept(self, value: str) -> bool:
        t = self.peek()
        if t.kind == "op" and t.value == value:
            self.i += 1
            return True
        return False

    def parse(self):
        tree = self.or_()
        self.take("end")
        return tree

    def or_(self):
        left = self.and_()
        while self.accept("||"):
            left = ("or", left, self.and_())
        return left

    def and_(self):
        left = self.unary()
        while self.accept("&&"):
            left = ("and", left, self.unary())
        return left

    def unary(self):
        if self.accept("!"):
            return ("not", self.unary())
        return self.cmp()

    def cmp(self):
        left = self.primary()
        for op in ("==", "!="):
            if self.accept(op):
                return (op, left, self.primary())
        return left

    def primary(self):
        t = self.peek()
        if self.accept("("):
            inner = self.or_()
            self.take("op", ")")
            return inner
        if t.kind == "str":
            self.i += 1
            return ("lit", t.value)
        if t.kind != "ident":
            raise bad_parameter(f"failed to parse predicate expression {self.src!r}: "
                                f"unexpected {t.value or 'end'!r} at {t.pos}")
        self.i += 1
        if t.value in ("true", "false"):
            return ("lit", t.value == "true")
        if self.accept("("):
            if t.value not in self.FUNCS:
                raise bad_parameter(f"unsupported function: {t.value}")
            args = []
            if not self.accept(")"):
                args.append(self.or_())
                while self.accept(","):
                    args.append(self.or_())
                self.take("op", ")")
            want = self.FUNCS[t.value]
            if (want >= 0 and len(args) != want) or (want < 0 and not args):
                raise bad_parameter(f"function {t.value} called with {len(args)} arguments")
            return ("call", t.value, args)
        path = [t.value]
        index = None
        while True:
            if self.accept("."):
                path.append(self.take("ident").value)
            elif self.accept("["):
                index = self.or_()
                self.take("op", "]")
                break
            else:
                break
        return ("var", path, index)


def _resource_json(s: typespb.ServerV2) -> Dict[str, Any]:
    """The fields reachable as resource.<json path>, named by their gogoproto json tags."""
    spec = s.Spec
    return {
        "kind": s.Kind, "sub_kind": s.SubKind, "version": s.Version,
        "metadata": {"name": s.Metadata.Name, "description": s.Metadata.Description,
                     "labels": dict(s.Metadata.Labels), "revision": s.Metadata.Revision},
        "spec": {"addr": spec.Addr, "hostname": spec.Hostname, "use_tunnel": spec.UseTunnel,
                 "version": spec.Version, "peer_addr": spec.PeerAddr,
                 "proxy_ids": list(spec.ProxyIDs), "public_addrs": list(spec.public_addrs)},
    }


def _eval(node, rec: NodeRecord) -> Any:
    op = node[0]
    if op == "lit":
        return node[1]
    if op in ("and", "or"):
        left = _expect_bool(_eval(node[1], rec))
        if op == "and" and not left:
            return False
        if op == "or" and left:
            return True
        return _expect_bool(_eval(node[2], rec))
    if op == "not":
        return not _expect_bool(_eval(node[1], rec))
    if op in ("==", "!="):
        a, b = _eval(node[1], rec), _eval(node[2], rec)
        if type(a) is not type(b):
            raise bad_parameter(f"operator {op} cannot compare {type(a).__name__} with {type(b).__name__}")
        return (a == b) if op == "==" else (a != b)
    if op == "call":
        name, args = node[1], [_eval(a, rec) for a in node[2]]
        if name == "search":
            return match_search(rec, [_expect_str(a) for a in args])
        if name == "hasPrefix":
            return _expect_str(args[0]).startswith(_expect_str(args[1]))
        if name == "equals":
            return _expect_str(args[0]) == _expect_str(args[1])
        if name == "exists":
            return _expect_str(args[0]) != ""
        if name == "split":
            return _expect_str(args[0]).split(_expect_str(args[1]))
        if name == "contains":
            if not isinstance(args[0], list):
                raise bad_parameter("contains expects a list as its first argument")
            return _expect_str(args[1]) in args[0]
    if op == "var":
        path, index = node[1], node[2]
        key = None if index is None else _expect_str(_eval(index, rec))
        if path == ["name"] and key is None:
            return rec.server.Spec.Hostname
        if path[0] == "labels":
            if key is None and len(path) == 2:
                key = path[1]
            if key is None or len(path) > 2:
                raise bad_parameter(f"identifier {'.'.join(path)} is not defined")
            return rec.labels.get(key, "")
        if path == ["resource", "metadata", "labels"] and key is not None:
            return dict(rec.server.Metadata.Labels).get(key, "")
        if path[0] == "resource" and len(path) > 1:
            value: Any = _resource_json(rec.server)
            for part in path[1:]:
                if not isinstance(value, dict) or part not in value:
                    value = None
                    break
                value = value[part]
            if value is not None and not isinstance(value, dict):
                if key is not None:
                    raise bad_parameter(f"identifier {'.'.join(path)} is not a map")
                return value
        raise bad_parameter(f"identifier {'.'.join(path)} is not defined")
    raise bad_parameter(f"unsupported expression {op}")


def _expect_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise bad_parameter(f"expected a boolean, got {type(v).__name__}")
    return v


def _expect_str(v: Any) -> str:
    if not isinstance(v, str):
        raise bad_parameter(f"expected a string, got {type(v).__name__}")
    return v


def compile_predicate(expression: str) -> Callable[[NodeRecord], bool]:
    tree = _Parser(expression).parse()

    def run(rec: NodeRecord) -> bool:
        result = _eval(tree, rec)
        if not isinstance(result, bool):
            raise bad_parameter(f"expression {expression!r} does not evaluate to a boolean")
        return result
    return run


# --------------------------------------------------------------------------- the service

class ClusterAuth:
    """The auth state of one cluster, and its two RPC handlers."""

    def __init__(self, material: Material, cluster: str, fake_count: int,
                 hostile: Optional[str], leaf_rotation: bool = False):
        self.m = material
        self.cluster = cluster
        self.hostile = hostile
        self.leaf_rotation = leaf_rotation
        self.fakes = [make_record(s) for s in fake_nodes(cluster, fake_count)]
        self.calls: List[Tuple[str, Any]] = []

    # ---- GetCertAuthorities

    def host_cas(self) -> List[typespb.CertAuthorityV2]:
        m = self.m
        root = make_host_ca(ROOT_CLUSTER, m.host_ca_pub, crypto.cert_pem(m.tls_ca))
        leaf = make_host_ca(LEAF_CLUSTER, m.leaf_host_ca_pub, crypto.cert_pem(leaf_tls_ca(m)[1]))
        if self.leaf_rotation:
            # Mid-rotation: the new keys sign, the old ones are still trusted
            # (CertAuthorityV2.GetTrustedSSHKeyPairs/GetTrustedTLSKeyPairs use both sets).
            old_ssh, old_tls = leaf_rotation_keys(m)
            leaf.Spec.AdditionalTrustedKeys.SSH.add(PublicKey=_authorized_key(old_ssh))
            leaf.Spec.AdditionalTrustedKeys.TLS.add(Cert=old_tls)
            leaf.Spec.Rotation.State = "in_progress"
            leaf.Spec.Rotation.Phase = "update_clients"
            leaf.Spec.Rotation.Mode = "manual"
            leaf.Spec.Rotation.CurrentID = str(uuid.uuid5(uuid.NAMESPACE_DNS, "rotation." + LEAF_CLUSTER))
        if self.hostile in CA_NAME_VALUES:
            bad = CA_NAME_VALUES[self.hostile]
            leaf.Metadata.Name = bad
            leaf.Spec.ClusterName = bad
        elif self.hostile == "ca-key-injection":
            line = leaf.Spec.ActiveKeys.SSH[0].PublicKey
            leaf.Spec.ActiveKeys.SSH[0].PublicKey = (
                line + b"@cert-authority * " + line.rstrip(b"\n") + b" type=host\n")
        elif self.hostile == "ca-tls-garbage":
            leaf.Spec.ActiveKeys.TLS[0].Cert = b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
        cas = sorted([root, leaf], key=lambda ca: ca.Metadata.Name)
        if self.hostile == "ca-huge-list":
            template = make_host_ca(LEAF_CLUSTER, m.leaf_host_ca_pub, b"")
            del template.Spec.ActiveKeys.TLS[:]
            for i in range(HUGE_LIST_COUNT):
                ca = typespb.CertAuthorityV2()
                ca.CopyFrom(template)
                ca.Metadata.Name = ca.Spec.ClusterName = f"leaf{i:06d}.test"
                cas.append(ca)
        elif self.hostile == "ca-huge-response":
            leaf.Spec.ActiveKeys.TLS[0].Cert = b"A" * HUGE_RESPONSE_BYTES
        return cas

    def get_cert_authorities(self, req: trustpb.GetCertAuthoritiesRequest, context) -> Any:
        self.calls.append(("GetCertAuthorities", req))
        if self.hostile == "auth-garbage":
            return GARBAGE
        if req.include_key:
            # Only Teleport's own services may read CA private keys.
            raise RPCError(grpc.StatusCode.PERMISSION_DENIED, "access denied")
        if req.type == "host":
            cas = self.host_cas()
        elif req.type == "user":
            cas = [make_user_ca(ROOT_CLUSTER, self.m.user_ca_pub, crypto.cert_pem(self.m.tls_ca))]
        elif req.type in ("db", "db_client", "openssh", "jwt", "saml_idp", "oidc_idp", "spiffe",
                          "okta", "awsra"):
            cas = []
        else:
            raise bad_parameter(f'"{req.type}" authority type is not supported')
        return trustpb.GetCertAuthoritiesResponse(cert_authorities_v2=cas)

    # ---- ListUnifiedResources

    def real_nodes(self) -> List[NodeRecord]:
        out = []
        for i, n in enumerate(self.m.nodes):
            if n.cluster != self.cluster:
                continue
            labels = {"env": "sandbox", "sshd": "openssh"}
            out.append(make_record(make_node(n.name, n.uuid, n.addr, labels)))
        return out

    def records(self) -> List[NodeRecord]:
        # The sandbox's real nodes are read per call: their ports are known only once they run.
        return self.real_nodes() + self.fakes

    def list_unified_resources(self, req: authpb.ListUnifiedResourcesRequest, context) -> Any:
        self.calls.append(("ListUnifiedResources", req))
        if self.hostile == "auth-garbage":
            return GARBAGE
        field_name = req.SortBy.Field
        if field_name not in (SORT_BY_NAME, SORT_BY_KIND):
            # UnifiedResourceCache.getSortTree.
            raise RPCError(grpc.StatusCode.UNIMPLEMENTED,
                           f"sorting by {field_name} is not supporting in unified resources")
        predicate = compile_predicate(req.PredicateExpression) if req.PredicateExpression else None
        kinds = set(req.Kinds)
        keyed = sorted(((r.kind_key if field_name == SORT_BY_KIND else r.name_key), r)
                       for r in self.records())
        keys = [k for k, _ in keyed]
        limit = req.Limit if req.Limit > 0 else BACKEND_DEFAULT_RANGE_LIMIT

        def matches(rec: NodeRecord) -> bool:
            if kinds and rec.server.Kind not in kinds:
                return False
            if req.Labels and not match_labels(rec, dict(req.Labels)):
                return False
            if req.SearchKeywords and not match_search(rec, list(req.SearchKeywords)):
                return False
            return predicate is None or predicate(rec)

        if req.SortBy.IsDesc:
            start = bisect_right(keys, req.StartKey) - 1 if req.StartKey else len(keys) - 1
            order = range(start, -1, -1)
        else:
            order = range(bisect_left(keys, req.StartKey) if req.StartKey else 0, len(keys))
        page: List[NodeRecord] = []
        next_key = ""
        for i in order:
            key, rec = keyed[i]
            if not matches(rec):
                continue
            if len(page) >= limit:
                next_key = key
                break
            page.append(rec)
        if self.hostile == "ls-endless":
            next_key = keys[0] if keys else "/unified_resource/again"
        resp = authpb.ListUnifiedResourcesResponse(NextKey=next_key)
        for rec in page:
            item = resp.Resources.add()
            item.Node.CopyFrom(rec.server)
            if req.IncludeLogins:
                item.Logins.extend(self.m.users["alice"].logins)
        return resp


def _unary(fn: Callable[[Any, Any], Any], deserializer) -> grpc.RpcMethodHandler:
    """A unary handler whose serializer passes raw bytes through (the garbage mode)."""

    async def handler(request, context):
        try:
            return fn(request, context)
        except RPCError as e:
            await context.abort(e.code, e.message)

    def serialize(msg) -> bytes:
        return msg if isinstance(msg, (bytes, bytearray)) else msg.SerializeToString()

    return grpc.unary_unary_rpc_method_handler(handler, request_deserializer=deserializer,
                                               response_serializer=serialize)


class AuthServer:
    """One cluster's auth gRPC server on a loopback port."""

    def __init__(self, material: Material, cluster: str, fake_count: int, hostile: Optional[str],
                 leaf_rotation: bool = False):
        self.state = ClusterAuth(material, cluster, fake_count, hostile, leaf_rotation)
        self.cluster = cluster
        self.server: Optional[grpc.aio.Server] = None
        self.port = 0

    async def start(self, host: str) -> int:
        options = [("grpc.max_send_message_length", -1),
                   ("grpc.max_receive_message_length", 4 * 1024 * 1024)]
        self.server = grpc.aio.server(options=options)
        self.server.add_generic_rpc_handlers([
            grpc.method_handlers_generic_handler("teleport.trust.v1.TrustService", {
                "GetCertAuthorities": _unary(self.state.get_cert_authorities,
                                             trustpb.GetCertAuthoritiesRequest.FromString)}),
            grpc.method_handlers_generic_handler("proto.AuthService", {
                "ListUnifiedResources": _unary(self.state.list_unified_resources,
                                               authpb.ListUnifiedResourcesRequest.FromString)}),
        ])
        self.port = self.server.add_secure_port(f"{host}:0",
                                                auth_server_credentials(self.state.m, self.cluster))
        await self.server.start()
        log.info("auth server for %s on %s:%d", self.cluster, host, self.port)
        return self.port

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(grace=0.5)
            self.server = None


class AuthServers:
    """The root's and the leaf's auth servers."""

    def __init__(self, servers: Dict[str, AuthServer]):
        self.servers = servers

    @property
    def port(self) -> int:
        return self.servers[ROOT_CLUSTER].port

    def port_for(self, cluster: str) -> Optional[int]:
        """The port to forward `teleport-auth@hex(cluster)` or ProxyCluster(cluster) to;
        None for a cluster the sandbox does not have."""
        s = self.servers.get(cluster)
        return s.port if s else None

    def ports(self) -> Dict[str, int]:
        return {c: s.port for c, s in self.servers.items()}

    async def stop(self) -> None:
        for s in self.servers.values():
            await s.stop()


async def start(material: Material, host: str = "127.0.0.1", *, hostile: Optional[str] = None,
                root_fake_nodes: int = DEFAULT_ROOT_FAKE_NODES,
                leaf_fake_nodes: int = DEFAULT_LEAF_FAKE_NODES,
                leaf_rotation: bool = False) -> AuthServers:
    """Starts the root's and the leaf's auth servers; returns them (ports via port_for).

    leaf_rotation: the leaf's host CA is mid-rotation, with its previous SSH key and TLS
    certificate in AdditionalTrustedKeys (a faithful mode, not a hostile one)."""
    if hostile is not None and hostile not in HOSTILE_MODES:
        raise ValueError(f"unknown auth hostile mode {hostile!r}")
    servers: Dict[str, AuthServer] = {}
    try:
        for cluster, count in ((ROOT_CLUSTER, root_fake_nodes), (LEAF_CLUSTER, leaf_fake_nodes)):
            s = AuthServer(material, cluster, count, hostile, leaf_rotation)
            servers[cluster] = s
            await s.start(host)
    except BaseException:
        for s in servers.values():
            await s.stop()
        raise
    return AuthServers(servers)


async def stop(servers: AuthServers) -> None:
    await servers.stop()
