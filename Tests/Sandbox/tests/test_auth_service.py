"""The sandbox's auth gRPC server, standalone: a real grpcio client over mutual TLS with a
user certificate, as tsh reaches it once the proxy has forwarded the connection."""
import asyncio
import datetime as dt
import threading

import grpc
import pytest

from sandbox import auth_service, crypto
from sandbox.material import LEAF_CLUSTER, ROOT_CLUSTER, Material

from teleport.legacy.client.proto import authservice_pb2 as authpb  # noqa: E402
from teleport.legacy.client.proto import authservice_pb2_grpc as authgrpc  # noqa: E402
from teleport.trust.v1 import trust_service_pb2 as trustpb  # noqa: E402
from teleport.trust.v1 import trust_service_pb2_grpc as trustgrpc  # noqa: E402


class Loop:
    """An asyncio loop in a thread, for the grpc.aio servers."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def loop():
    lp = Loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    return Material(str(tmp_path_factory.mktemp("auth")), "balanced-v1")


class Client:
    def __init__(self, material, servers, cluster, *, max_receive=None, tls_ca=None,
                 user_ca=None):
        m = material
        key = crypto.generate_key("ecdsa")
        not_after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        ca_key, ca_cert = user_ca or (m.user_tls_ca_key, m.user_tls_ca)
        cert = crypto.make_tls_user_cert(ca_key, ca_cert, key.public_key(), "alice",
                                         ["access"], ["alice"], "", not_after)
        roots = tls_ca or crypto.cert_pem(auth_service.host_tls_ca(m, cluster)[1])
        creds = grpc.ssl_channel_credentials(root_certificates=roots,
                                             private_key=crypto.key_pem_pkcs8(key),
                                             certificate_chain=crypto.cert_pem(cert))
        options = [("grpc.ssl_target_name_override", auth_service.hex_cluster_sni(cluster))]
        if max_receive is not None:
            options.append(("grpc.max_receive_message_length", max_receive))
        self.channel = grpc.secure_channel(f"127.0.0.1:{servers.port_for(cluster)}", creds,
                                           options=options)
        self.trust = trustgrpc.TrustServiceStub(self.channel)
        self.auth = authgrpc.AuthServiceStub(self.channel)

    def cas(self, ca_type="host", include_key=False):
        req = trustpb.GetCertAuthoritiesRequest(type=ca_type, include_key=include_key)
        return self.trust.GetCertAuthorities(req, timeout=60).cert_authorities_v2

    def page(self, **kw):
        req = authpb.ListUnifiedResourcesRequest(**kw)
        return self.auth.ListUnifiedResources(req, timeout=60)

    def ls(self, limit=1000, max_pages=100, **kw):
        """All nodes, page by page as Go tsh does (kinds node, sorted by kind)."""
        nodes, start, pages = [], "", 0
        while True:
            resp = self.page(Kinds=["node"], Limit=limit, StartKey=start,
                             SortBy={"Field": "kind"}, **kw)
            pages += 1
            nodes += [r.Node for r in resp.Resources]
            start = resp.NextKey
            if not start or pages >= max_pages:
                return nodes, pages

    def close(self):
        self.channel.close()


@pytest.fixture(scope="module")
def servers(loop, material):
    s = loop.run(auth_service.start(material))
    yield s
    loop.run(s.stop())


@pytest.fixture
def root(material, servers):
    c = Client(material, servers, ROOT_CLUSTER)
    yield c
    c.close()


@pytest.fixture
def leaf(material, servers):
    c = Client(material, servers, LEAF_CLUSTER)
    yield c
    c.close()


def hostile_client(loop, material, mode, **client_kw):
    servers = loop.run(auth_service.start(material, hostile=mode, root_fake_nodes=3,
                                          leaf_fake_nodes=0))
    return servers, Client(material, servers, ROOT_CLUSTER, **client_kw)


# --------------------------------------------------------------------------- routing names

def test_alpn_and_sni_names():
    assert auth_service.hex_cluster_sni("example.com") == \
        "6578616d706c652e636f6d.teleport.cluster.local"
    assert auth_service.cluster_from_alpn(
        "teleport-auth@6578616d706c652e636f6d.teleport.cluster.local") == "example.com"
    assert auth_service.cluster_from_alpn("h2") is None
    assert auth_service.cluster_from_alpn("teleport-auth@zz.teleport.cluster.local") is None
    assert auth_service.cluster_from_sni("a.b.teleport.cluster.local") is None


# --------------------------------------------------------------------------- CAs

def test_root_returns_host_cas_of_root_and_leaf(root, material):
    cas = root.cas()
    by_name = {ca.Spec.ClusterName: ca for ca in cas}
    assert sorted(by_name) == [LEAF_CLUSTER, ROOT_CLUSTER]
    for name, ssh_line, tls in ((ROOT_CLUSTER, material.host_ca_pub, material.tls_ca),
                                (LEAF_CLUSTER, material.leaf_host_ca_pub,
                                 auth_service.leaf_tls_ca(material)[1])):
        ca = by_name[name]
        assert (ca.Kind, ca.SubKind, ca.Version, ca.Spec.Type) == ("cert_authority", "host", "v2", "host")
        assert ca.Metadata.Name == name
        assert [k.PublicKey for k in ca.Spec.ActiveKeys.SSH] == [(ssh_line + "\n").encode()]
        assert [k.Cert for k in ca.Spec.ActiveKeys.TLS] == [crypto.cert_pem(tls)]
        assert not ca.Spec.AdditionalTrustedKeys.SSH


def test_leaf_trusts_root_too(leaf):
    assert sorted(ca.Spec.ClusterName for ca in leaf.cas()) == [LEAF_CLUSTER, ROOT_CLUSTER]


def test_private_keys_are_refused(root):
    with pytest.raises(grpc.RpcError) as e:
        root.cas(include_key=True)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_unknown_ca_type_is_invalid_argument(root):
    with pytest.raises(grpc.RpcError) as e:
        root.cas(ca_type="bogus")
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "bogus" in e.value.details()


def test_client_cert_from_another_ca_is_refused(material, servers):
    other_key = crypto.generate_key("ecdsa")
    other = crypto.make_tls_ca(other_key, "other", "other")
    c = Client(material, servers, ROOT_CLUSTER, user_ca=(other_key, other))
    try:
        with pytest.raises(grpc.RpcError) as e:
            c.cas()
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        c.close()


def test_leaf_server_is_signed_by_the_leaf_tls_ca_only(material, servers):
    # Trusting the root's TLS CA is not enough for the leaf's auth server.
    c = Client(material, servers, LEAF_CLUSTER, tls_ca=crypto.cert_pem(material.tls_ca))
    try:
        with pytest.raises(grpc.RpcError) as e:
            c.cas()
        assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        c.close()


# --------------------------------------------------------------------------- nodes

def test_paging_over_more_than_a_thousand_nodes(root, material):
    nodes, pages = root.ls()
    assert pages == 2
    real = [n for n in material.nodes if n.cluster == ROOT_CLUSTER]
    assert len(nodes) == auth_service.DEFAULT_ROOT_FAKE_NODES + len(real)
    names = [n.Metadata.Name for n in nodes]
    assert len(set(names)) == len(names)
    # Sorted by kind, then lower-cased hostname/uuid (the unified resource cache's key).
    keys = [(n.Spec.Hostname + "/" + n.Metadata.Name).lower() for n in nodes]
    assert keys == sorted(keys)
    assert {n.Spec.Hostname for n in nodes} >= {n.name for n in real}


def test_page_boundaries(root):
    first = root.page(Kinds=["node"], Limit=10, SortBy={"Field": "kind"})
    assert len(first.Resources) == 10
    assert first.NextKey.startswith("/unified_resource/node/")
    second = root.page(Kinds=["node"], Limit=10, StartKey=first.NextKey, SortBy={"Field": "kind"})
    # The next key is the first item of the next page.
    n = second.Resources[0].Node
    assert first.NextKey == "/unified_resource/node/" + (n.Spec.Hostname + "/" + n.Metadata.Name).lower()
    assert not {r.Node.Metadata.Name for r in first.Resources} & \
        {r.Node.Metadata.Name for r in second.Resources}


def test_sort_by_name_descending(root):
    resp = root.page(Kinds=["node"], Limit=5, SortBy={"Field": "name", "IsDesc": True})
    keys = [(r.Node.Spec.Hostname + "/" + r.Node.Metadata.Name).lower() for r in resp.Resources]
    assert keys == sorted(keys, reverse=True)
    assert resp.NextKey.endswith("/node")


def test_unsupported_sort_field(root):
    with pytest.raises(grpc.RpcError) as e:
        root.page(Kinds=["node"], Limit=5, SortBy={"Field": "hostname"})
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_other_kinds_are_empty(root):
    assert not root.page(Kinds=["db"], Limit=5, SortBy={"Field": "kind"}).Resources


def test_label_filter(root):
    nodes, _ = root.ls(Labels={"env": "prod", "team": "red"})
    assert nodes
    assert all(n.Metadata.Labels["env"] == "prod" and n.Metadata.Labels["team"] == "red"
               for n in nodes)
    # i % 3 == 0 and i % 4 == 0: every 12th fake node.
    assert len(nodes) == len(range(0, auth_service.DEFAULT_ROOT_FAKE_NODES, 12))


def test_command_labels_match_label_filters(root):
    nodes, _ = root.ls(Labels={"arch": "x86_64"})
    assert nodes and all(n.Spec.CmdLabels["arch"].Result == "x86_64" for n in nodes)


def test_search_is_case_insensitive_over_names_addresses_and_labels(root, material):
    nodes, _ = root.ls(SearchKeywords=["MIXED-case"])
    assert [n.Spec.Hostname for n in nodes] == ["Sandbox-Mixed-Case"]
    nodes, _ = root.ls(SearchKeywords=["a,b=c"])
    assert [n.Spec.Hostname for n in nodes] == ["Sandbox-Mixed-Case"]
    nodes, _ = root.ls(SearchKeywords=["sandbox", "openssh"])
    assert sorted(n.Spec.Hostname for n in nodes) == ["node1", "node2"]
    nodes, _ = root.ls(SearchKeywords=["10.0.5.1"])
    assert [n.Spec.Addr for n in nodes] == ["10.0.5.1:3022"]
    tunnels, _ = root.ls(SearchKeywords=["tunnel"])
    assert tunnels and all(n.Spec.UseTunnel and n.Spec.Addr == "" for n in tunnels)


@pytest.mark.parametrize("expr,check", [
    ('labels["env"] == "prod"', lambda n: n.Metadata.Labels["env"] == "prod"),
    ('labels.env == "dev" && labels.team != "red"',
     lambda n: n.Metadata.Labels["env"] == "dev" and n.Metadata.Labels["team"] != "red"),
    ('name == "node1"', lambda n: n.Spec.Hostname == "node1"),
    ('hasPrefix(name, "sandbox-fake-00") && !(labels.env == "prod")',
     lambda n: n.Spec.Hostname.startswith("sandbox-fake-00") and n.Metadata.Labels["env"] != "prod"),
    ('search("mixed") || labels["rack"] == "r6"',
     lambda n: n.Spec.Hostname == "Sandbox-Mixed-Case" or n.Metadata.Labels.get("rack") == "r6"),
    ('resource.spec.hostname == "node2"', lambda n: n.Spec.Hostname == "node2"),
    ('exists(labels.arch)', lambda n: "arch" in n.Spec.CmdLabels),
    ('contains(split(labels.note, ","), "a")', lambda n: n.Spec.Hostname == "Sandbox-Mixed-Case"),
])
def test_predicate(root, expr, check):
    nodes, _ = root.ls(PredicateExpression=expr)
    assert nodes
    assert all(check(n) for n in nodes)
    everything, _ = root.ls()
    assert len(nodes) == sum(1 for n in everything if check(n))


@pytest.mark.parametrize("expr", ['labels["env"] ==', 'foo == "x"', 'nosuch(name)',
                                  'name == "unterminated', 'name'])
def test_bad_predicate_is_invalid_argument(root, expr):
    with pytest.raises(grpc.RpcError) as e:
        root.page(Kinds=["node"], Limit=5, SortBy={"Field": "kind"}, PredicateExpression=expr)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_unknown_identifier_message(root):
    with pytest.raises(grpc.RpcError) as e:
        root.page(Kinds=["node"], Limit=5, SortBy={"Field": "kind"}, PredicateExpression='foo == "x"')
    assert e.value.details() == "identifier foo is not defined"


def test_leaf_lists_its_own_nodes(leaf, material):
    nodes, pages = leaf.ls()
    assert pages == 1
    hostnames = {n.Spec.Hostname for n in nodes}
    assert "leafnode1" in hostnames and "node1" not in hostnames
    assert len(nodes) == auth_service.DEFAULT_LEAF_FAKE_NODES + 1
    assert all(h.lower().startswith("leaf") for h in hostnames)


def test_rotation_is_sent_with_go_zero_times(root):
    n = root.page(Kinds=["node"], Limit=1, SortBy={"Field": "kind"}).Resources[0].Node
    assert n.Spec.HasField("Rotation")
    assert n.Spec.Rotation.Started.seconds == auth_service.GO_ZERO_TIME_SECONDS
    assert n.Spec.Rotation.Schedule.Standby.seconds == auth_service.GO_ZERO_TIME_SECONDS
    assert n.Spec.Rotation.Started.ToJsonString() == "0001-01-01T00:00:00Z"


def test_real_nodes_are_agentless_with_their_addresses(root, material):
    nodes, _ = root.ls(PredicateExpression='labels.sshd == "openssh"')
    by_name = {n.Spec.Hostname: n for n in nodes}
    for real in (n for n in material.nodes if n.cluster == ROOT_CLUSTER):
        n = by_name[real.name]
        assert (n.Kind, n.SubKind, n.Metadata.Name, n.Spec.Addr) == \
            ("node", "openssh", real.uuid, real.addr)


# --------------------------------------------------------------------------- hostile modes

@pytest.mark.parametrize("mode", ["ca-name-newline", "ca-name-space", "ca-name-star",
                                  "ca-name-comma"])
def test_hostile_ca_names(loop, material, mode):
    servers, c = hostile_client(loop, material, mode)
    try:
        names = {ca.Spec.ClusterName for ca in c.cas()}
        assert auth_service.CA_NAME_VALUES[mode] in names and ROOT_CLUSTER in names
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_key_injection(loop, material):
    servers, c = hostile_client(loop, material, "ca-key-injection")
    try:
        leaf = [ca for ca in c.cas() if ca.Spec.ClusterName == LEAF_CLUSTER][0]
        assert leaf.Spec.ActiveKeys.SSH[0].PublicKey.count(b"\n") == 2
        assert b"@cert-authority * " in leaf.Spec.ActiveKeys.SSH[0].PublicKey
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_tls_garbage(loop, material):
    servers, c = hostile_client(loop, material, "ca-tls-garbage")
    try:
        leaf = [ca for ca in c.cas() if ca.Spec.ClusterName == LEAF_CLUSTER][0]
        assert b"not base64" in leaf.Spec.ActiveKeys.TLS[0].Cert
    finally:
        c.close()
        loop.run(servers.stop())


def test_leaf_rotation_adds_trusted_keys(loop, material):
    servers = loop.run(auth_service.start(material, leaf_rotation=True, root_fake_nodes=0,
                                          leaf_fake_nodes=0))
    c = Client(material, servers, ROOT_CLUSTER)
    try:
        leaf = [ca for ca in c.cas() if ca.Spec.ClusterName == LEAF_CLUSTER][0]
        old_ssh, old_tls = auth_service.leaf_rotation_keys(material)
        assert [k.PublicKey for k in leaf.Spec.AdditionalTrustedKeys.SSH] == [(old_ssh + "\n").encode()]
        assert [k.Cert for k in leaf.Spec.AdditionalTrustedKeys.TLS] == [old_tls]
        assert leaf.Spec.ActiveKeys.SSH[0].PublicKey == (material.leaf_host_ca_pub + "\n").encode()
        assert leaf.Spec.Rotation.State == "in_progress"
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_huge_list(loop, material):
    servers, c = hostile_client(loop, material, "ca-huge-list", max_receive=64 * 1024 * 1024)
    try:
        assert len(c.cas()) == auth_service.HUGE_LIST_COUNT + 2
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_huge_response_exceeds_the_default_limit(loop, material):
    servers, c = hostile_client(loop, material, "ca-huge-response")
    try:
        with pytest.raises(grpc.RpcError) as e:
            c.cas()
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_garbage(loop, material):
    servers, c = hostile_client(loop, material, "auth-garbage")
    try:
        for call in (c.cas, lambda: c.page(Kinds=["node"], Limit=5, SortBy={"Field": "kind"})):
            with pytest.raises(grpc.RpcError) as e:
                call()
            assert e.value.code() == grpc.StatusCode.INTERNAL
    finally:
        c.close()
        loop.run(servers.stop())


def test_hostile_endless_pages(loop, material):
    servers, c = hostile_client(loop, material, "ls-endless")
    try:
        nodes, pages = c.ls(limit=2, max_pages=5)
        assert pages == 5
    finally:
        c.close()
        loop.run(servers.stop())


def test_send_limit_refuses_a_full_page_and_serves_half_of_one(loop, material):
    """The "auth-send-limit" mode: gRPC's own send limit, whose RESOURCE_EXHAUSTED Go's
    GetUnifiedResourcePage answers by halving the page size."""
    servers = loop.run(auth_service.start(material, hostile="auth-send-limit"))
    c = Client(material, servers, ROOT_CLUSTER)
    try:
        with pytest.raises(grpc.RpcError) as e:
            c.page(Kinds=["node"], Limit=1000, SortBy={"Field": "kind"})
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        nodes, pages = c.ls(limit=500)
        assert len(nodes) == auth_service.DEFAULT_ROOT_FAKE_NODES + len(
            [n for n in material.nodes if n.cluster == ROOT_CLUSTER])
        assert pages == 3
        assert len(c.cas()) == 2
    finally:
        c.close()
        loop.run(servers.stop())
