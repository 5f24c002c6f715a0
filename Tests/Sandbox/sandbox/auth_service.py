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

The key material and CA messages are in auth_keys.py, the nodes and their filters in
auth_nodes.py, the predicate language in auth_predicate.py; this module re-exports the
names its callers use.
"""

from __future__ import annotations

import logging
import uuid
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Dict, List, Optional, Tuple

import grpc

from . import crypto, gen  # noqa: F401  (gen puts the generated modules on sys.path)
from .material import LEAF_CLUSTER, ROOT_CLUSTER, Material
# The names below are this module's API (the proxy, the tests): they live in the split modules.
from .auth_keys import (  # noqa: F401
    ALPN_AUTH_PREFIX, API_DOMAIN, _authorized_key, auth_server_credentials, cluster_from_alpn,
    cluster_from_sni, hex_cluster_sni, host_tls_ca, leaf_rotation_keys, leaf_tls_ca,
    make_host_ca, make_user_ca, user_tls_ca_pem)
from .auth_nodes import (  # noqa: F401
    GO_ZERO_TIME_SECONDS, SORT_BY_KIND, SORT_BY_NAME, UNIFIED_PREFIX, NodeRecord, RPCError,
    bad_parameter, fake_nodes, make_node, make_record, match_labels, match_search)
from .auth_predicate import compile_predicate  # noqa: F401

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
    # Not hostile: a gRPC send limit, as a server or proxy configured with one has.
    "auth-send-limit": "the auth servers send at most 200,000 bytes a message "
                       "(grpc.max_send_message_length), so a page of 1,000 root nodes fails "
                       "with RESOURCE_EXHAUSTED and a client must ask for fewer",
}

# The "auth-send-limit" mode: gRPC's own limit, whose error (RESOURCE_EXHAUSTED) Teleport's
# client reads as trace.LimitExceeded and answers by halving the page (api/client
# GetUnifiedResourcePage). A page of 1,000 fake nodes is about 260 kB, one of 500 about 130 kB.
SEND_LIMIT_BYTES = 200_000

CA_NAME_VALUES = {
    "ca-name-newline": "leaf.test\n@cert-authority * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPwned",
    "ca-name-space": "leaf test",
    "ca-name-star": "*",
    "ca-name-comma": "leaf.test,*",
}

HUGE_LIST_COUNT = 100_000
HUGE_RESPONSE_BYTES = 64 * 1024 * 1024

# Not a protobuf message: field 1, wire type 2, with a length far past the end.
GARBAGE = b"\x0a\xff\xff\xff\xff\x0fnot a protobuf message"


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
        send_limit = SEND_LIMIT_BYTES if self.state.hostile == "auth-send-limit" else -1
        options = [("grpc.max_send_message_length", send_limit),
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
