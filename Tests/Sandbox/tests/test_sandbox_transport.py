"""The TLS side of the proxy: TransportService on the SSH port (TLS detected) and on the
TLS-routing port (ALPN), Teleport's host/user TLS CAs, and the old-proxy mode."""
import datetime as dt
import hashlib
import json
import os
import shlex
import socket
import ssl
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from sandbox import crypto, grpc_client as g, testing
from sandbox.proto import transport_pb2 as pb

UNAVAILABLE, NOT_FOUND, INVALID_ARGUMENT, UNIMPLEMENTED = 14, 5, 3, 12
NOT_IN_INVENTORY = "direct dialing to nodes not found in inventory is not supported"


def run(argv, **kw):
    kw.setdefault("timeout", 60)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(argv, capture_output=True, **kw)


@pytest.fixture(scope="module")
def plain(pool):
    return pool.get(suite="balanced-v1")


@pytest.fixture(scope="module")
def routed(pool):
    return pool.get(suite="balanced-v1", tls_routing=True)


@pytest.fixture(scope="module")
def old_proxy(pool):
    return pool.get(suite="balanced-v1", tls_routing=True, no_grpc_transport=True)


class Identity:
    def __init__(self, state, d, user="alice"):
        self.state = state
        self.keys = testing.ClientKeys.generate(str(d), state["suite"])
        self.resp = testing.login(state, self.keys, user)
        self.crt, self.key = testing.write_tls_identity(self.keys, self.resp)
        self.kh = testing.write_known_hosts(state, str(d / "known_hosts"))


def ident(state, tmp_path_factory, name):
    return Identity(state, tmp_path_factory.mktemp(name))


@pytest.fixture(scope="module")
def alice_plain(plain, tmp_path_factory):
    return ident(plain, tmp_path_factory, "alice-plain")


@pytest.fixture(scope="module")
def alice_routed(routed, tmp_path_factory):
    return ident(routed, tmp_path_factory, "alice-routed")


def finish(stream):
    while stream.recv_message() is not None:
        pass
    return stream.status, stream.message


def open_ssh(state, who, target="node1:3022", port=None, **kw):
    return testing.proxy_ssh_open(state, who.crt, who.key, target, port=port, **kw)


# ------------------------------------------------------------------------ CAs and state

def test_state_records_tls_material_and_modes(plain, routed, old_proxy):
    for s in (plain, routed, old_proxy):
        assert s["tls_ca_pem"] == s["host_tls_ca_pem"]
        assert s["user_tls_ca_pem"] != s["host_tls_ca_pem"]
        assert s["tls_server_name"] == "73616e64626f782e74657374.teleport.cluster.local"
        cert = x509.load_pem_x509_certificate(open(s["proxy_tls_cert_pem"], "rb").read())
        host_ca = x509.load_pem_x509_certificate(open(s["host_tls_ca_pem"], "rb").read())
        cert.verify_directly_issued_by(host_ca)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "*.teleport.cluster.local" in san.get_values_for_type(x509.DNSName)
    assert (plain["tls_routing"], plain["conn_upgrade"], plain["grpc_transport"]) == \
        (False, False, True)
    assert (routed["tls_routing"], routed["grpc_transport"]) == (True, True)
    assert (old_proxy["tls_routing"], old_proxy["grpc_transport"]) == (True, False)


def test_ping_in_tls_routing_mode(routed, plain):
    p = testing.web_request(routed, "GET", "/webapi/ping")[1]["proxy"]
    assert p["tls_routing_enabled"] is True
    w = routed["web_port"]
    assert p["ssh"]["public_addr"] == f"localhost:{w}"
    assert p["ssh"]["ssh_public_addr"] == f"localhost:{w}"
    assert p["ssh"]["listen_addr"] == f"0.0.0.0:{w}"
    assert p["ssh"]["tunnel_listen_addr"] == f"0.0.0.0:{w}"
    assert testing.web_request(plain, "GET", "/webapi/ping")[1]["proxy"][
        "tls_routing_enabled"] is False


# ------------------------------------------------------------------------ ProxySSH

@pytest.mark.parametrize("where", ["ssh-port", "tls-routing"])
def test_proxy_ssh_reads_node_banner_and_ends_ok(request, where):
    if where == "ssh-port":
        s, who, port = request.getfixturevalue("plain"), request.getfixturevalue(
            "alice_plain"), None
    else:
        s, who = request.getfixturevalue("routed"), request.getfixturevalue("alice_routed")
        port = s["web_port"]
    st = open_ssh(s, who, port=port)
    # Go's server prefers h2 over teleport-proxy-ssh-grpc: h2 is what is negotiated.
    assert st.t.selected_alpn() == "h2"
    details, banner = testing.proxy_ssh_banner(st)
    assert details
    assert banner.startswith(b"SSH-2.0-") and banner.endswith(b"\r\n")
    st.close_send()  # end of the request stream -> EOF to the node -> node closes
    assert finish(st) == (0, "")


def test_proxy_ssh_by_uuid_and_leaf(plain, alice_plain):
    uuid = [n["uuid"] for n in plain["nodes"] if n["name"] == "node2"][0]
    for target, cluster in ((f"{uuid}:3022", None), ("leafnode1:3022", "leaf.test")):
        st = open_ssh(plain, alice_plain, target, cluster=cluster)
        assert testing.proxy_ssh_banner(st)[1].startswith(b"SSH-2.0-")
        st.close_send()
        assert finish(st)[0] == 0


@pytest.mark.parametrize("where", ["ssh-port", "tls-routing"])
def test_unknown_node_is_unavailable_with_teleports_text(request, where):
    s = request.getfixturevalue("plain" if where == "ssh-port" else "routed")
    who = request.getfixturevalue("alice_plain" if where == "ssh-port" else "alice_routed")
    port = None if where == "ssh-port" else s["web_port"]
    for _ in range(5):
        st = open_ssh(s, who, "nosuchnode:3022", port=port)
        assert finish(st) == (UNAVAILABLE, "failed to dial target host\n\t" + NOT_IN_INVENTORY)


def test_unknown_cluster_and_uuid_and_bad_target(plain, alice_plain):
    st = open_ssh(plain, alice_plain, cluster="nosuch.test")
    assert finish(st) == (NOT_FOUND, 'failed to dial target host\n\tlooking up remote cluster '
                                     '"nosuch.test"\n\t\tnot found')
    u = "6a0d3a46-0b0a-4f2b-9d5e-000000000000"
    st = open_ssh(plain, alice_plain, f"{u}:3022")
    assert finish(st) == (NOT_FOUND, "failed to dial target host\n\t"
                                     f"unable to locate node matching UUID-like target {u}")
    st = open_ssh(plain, alice_plain, "node1")
    assert finish(st) == (INVALID_ARGUMENT, "dial target contains an invalid hostport")


def test_first_request_without_dial_target(plain, alice_plain):
    t = g.tls_connect("127.0.0.1", plain["ssh_port"], plain["tls_ca_pem"], alice_plain.crt,
                      alice_plain.key, g.sni_for("sandbox.test"))
    st = g.GrpcStream(t, g.PROXY_SSH, g.sni_for("sandbox.test"))
    st.send_message(pb.ProxySSHRequest(ssh=pb.Frame(payload=b"x")).SerializeToString())
    assert finish(st) == (INVALID_ARGUMENT, "first frame must contain a dial target")


def test_proxy_cluster_to_an_unknown_cluster(plain, alice_plain):
    # The supervisor routes both clusters to their auth servers; only unknown ones fail.
    assert set(plain["auth_ports"]) == {"sandbox.test", "leaf.test"}
    for cluster, want in (("nosuch.test", NOT_FOUND),):
        t = g.tls_connect("127.0.0.1", plain["ssh_port"], plain["tls_ca_pem"],
                          alice_plain.crt, alice_plain.key, g.sni_for("sandbox.test"))
        st = g.GrpcStream(t, g.PROXY_CLUSTER, g.sni_for("sandbox.test"))
        st.send_message(pb.ProxyClusterRequest(cluster=cluster).SerializeToString())
        assert finish(st)[0] == want


# ------------------------------------------------------------------------ mutual TLS

def forged_cert(state, who, ca_key_path=None, ca_pem=None, expired=False, foreign=False):
    if foreign:
        ca_key = crypto.generate_key("ecdsa")
        ca = crypto.make_tls_ca(ca_key, "sandbox.test", "sandbox.test")
    else:
        ca_key = serialization.load_pem_private_key(open(state["user_tls_ca_key"], "rb").read(),
                                                    None)
        ca = x509.load_pem_x509_certificate(open(state["user_tls_ca_pem"], "rb").read())
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alice")]))
         .issuer_name(ca.subject).public_key(who.keys.tls_key.public_key())
         .serial_number(x509.random_serial_number()))
    if expired:
        b = b.not_valid_before(now - dt.timedelta(hours=2)).not_valid_after(
            now - dt.timedelta(hours=1))
    else:
        b = b.not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(
            now + dt.timedelta(hours=1))
    cert = b.sign(ca_key, crypto._x509_hash(ca_key))  # noqa: SLF001
    path = os.path.join(who.keys.dir, "forged-%s.crt" % ("expired" if expired else "foreign"))
    with open(path, "wb") as f:
        f.write(crypto.cert_pem(cert))
    return path


def refused(state, port, crt, key, cafile=None):
    """Try ProxySSH; return the error text if the TLS handshake (or the first read after
    it: TLS 1.3 reports client-cert failures there) fails, None if it worked."""
    try:
        st = testing.proxy_ssh_open(state, crt, key, "node1:3022", port=port, cafile=cafile)
        details, banner = testing.proxy_ssh_banner(st)
    except (ssl.SSLError, ConnectionError, OSError) as e:
        return str(e) or type(e).__name__
    if not details and not banner:
        return "stream closed"
    return None


@pytest.mark.parametrize("where", ["ssh-port", "tls-routing"])
def test_expired_and_foreign_and_missing_client_certs_refused(request, where):
    s = request.getfixturevalue("plain" if where == "ssh-port" else "routed")
    who = request.getfixturevalue("alice_plain" if where == "ssh-port" else "alice_routed")
    port = s["ssh_port"] if where == "ssh-port" else s["web_port"]
    assert refused(s, port, who.crt, who.key) is None  # the real one works
    expired = forged_cert(s, who, expired=True)
    foreign = forged_cert(s, who, foreign=True)
    assert refused(s, port, expired, who.key) is not None
    assert refused(s, port, foreign, who.key) is not None
    assert refused(s, port, None, None) is not None
    # The server presents the Teleport host cert: the web CA does not verify it.
    with pytest.raises(ssl.SSLCertVerificationError):
        testing.proxy_ssh_open(s, who.crt, who.key, "node1:3022", port=port,
                               cafile=s["web_ca_pem"])


def test_hostile_proxy_tls_cert_foreign_ca(pool, tmp_path):
    s = pool.get(suite="balanced-v1", hostile="proxy-tls-cert-foreign-ca")
    assert s["hostile"] == "proxy-tls-cert-foreign-ca"
    who = Identity(s, tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        testing.proxy_ssh_open(s, who.crt, who.key, "node1:3022")
    # Everything else is normal: the OpenSSH leg works.
    r = run(testing.node_ssh_argv(s, who.kh, who.keys, "node1", "sandbox.test", ["true"]))
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------------ real ssh

def grpc_proxy_command(state, who, target="node1:3022"):
    argv = [sys.executable, "-m", "sandbox.grpc_proxy_command", "--state",
            os.path.join(state["state_dir"], "state.json"), "--cert", who.crt, "--key",
            who.key, target]
    return " ".join(shlex.quote(a) for a in argv)


def ssh_via(state, who, proxy_command, command, node="node1"):
    return ["ssh", *testing.ssh_common_opts(who.kh, who.keys), "-o",
            f"ProxyCommand={proxy_command}", "-p", "3022",
            f"{state['os_user']}@{node}.sandbox.test", "--", *command]


def test_real_ssh_over_proxy_ssh_grpc(plain, alice_plain, tmp_path):
    env = dict(os.environ, PYTHONPATH=testing.SANDBOX_ROOT)
    pc = grpc_proxy_command(plain, alice_plain)
    r = run(ssh_via(plain, alice_plain, pc, ["echo", "hello"]), env=env)
    assert (r.returncode, r.stdout) == (0, b"hello\n"), r.stderr
    # stdin to EOF: `cat > f` completes with every byte.
    data = os.urandom(3 << 20)
    target = tmp_path / "copy"
    r = run(ssh_via(plain, alice_plain, pc, ["cat", ">", str(target)]), input=data, env=env,
            stdin=None)
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    # Unknown node: the proxy's reason, every time.
    r = run(ssh_via(plain, alice_plain, grpc_proxy_command(plain, alice_plain, "nope:3022"),
                    ["true"]), env=env)
    assert r.returncode == 255
    assert b"UNAVAILABLE: failed to dial target host" in r.stderr
    assert NOT_IN_INVENTORY.encode() in r.stderr


def openssl_alpn_ssh_command(state, port, alpn="teleport-proxy-ssh"):
    return (f"openssl s_client -quiet -verify_quiet -verify_return_error -alpn {alpn} "
            f"-servername localhost -CAfile {shlex.quote(state['web_ca_pem'])} "
            f"-connect 127.0.0.1:{port}")


@pytest.mark.parametrize("which", ["routed", "old_proxy"])
def test_real_ssh_over_teleport_proxy_ssh_alpn(request, which, tmp_path):
    s = request.getfixturevalue(which)
    who = Identity(s, tmp_path)
    pc = openssl_alpn_ssh_command(s, s["web_port"])
    proxy_leg = ["ssh", *testing.ssh_common_opts(who.kh, who.keys), "-o",
                 f"ProxyCommand={pc}", "-o", f"HostKeyAlias={s['proxy_host']}", "-l",
                 s["os_user"], s["proxy_host"], "-s", "proxysites"]
    r = run(proxy_leg)
    assert [x["name"] for x in json.loads(r.stdout)] == ["sandbox.test", "leaf.test"], r.stderr
    proxy_leg[-1] = "proxy:node1:3022@sandbox.test"
    r = run(ssh_via(s, who, " ".join(shlex.quote(a) for a in proxy_leg), ["echo", "hi"]))
    assert (r.returncode, r.stdout) == (0, b"hi\n"), r.stderr


# ------------------------------------------------------------------------ the TLS port

def test_raw_ssh_on_tls_routing_port_is_closed(routed):
    with socket.create_connection(("127.0.0.1", routed["web_port"]), timeout=15) as c:
        c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        try:
            assert c.recv(100) == b""  # closed without a byte (no SSH banner)
        except ConnectionResetError:
            pass  # closed with our bytes unread: a reset


def test_web_api_and_reverse_tunnel_on_tls_routing_port(routed):
    assert testing.web_request(routed, "GET", "/webapi/find")[0] == 200
    t = g.tls_connect("127.0.0.1", routed["web_port"], routed["web_ca_pem"], None, None,
                      "localhost", alpn=["teleport-reversetunnel"])
    assert t.selected_alpn() == "teleport-reversetunnel"
    t.close()
    # No ALPN at all is the web API too.
    t = g.tls_connect("127.0.0.1", routed["web_port"], routed["web_ca_pem"], None, None,
                      "localhost", alpn=[])
    t.send(b"GET /webapi/find HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert t.recv(12) == b"HTTP/1.1 200"
    t.close()


def test_old_proxy_has_no_transport_service(old_proxy, tmp_path):
    who = Identity(old_proxy, tmp_path)
    # On the TLS-routing port: no_application_protocol, as a Go proxy without the route.
    with pytest.raises(ssl.SSLError) as e:
        testing.proxy_ssh_open(old_proxy, who.crt, who.key, "node1:3022",
                               port=old_proxy["web_port"])
    assert "no application protocol" in str(e.value).lower().replace("_", " ")
    # On the SSH port: TLS is closed; SSH still works there.
    assert refused(old_proxy, old_proxy["ssh_port"], who.crt, who.key) is not None
    r = run(testing.node_ssh_argv(old_proxy, who.kh, who.keys, "node1", "sandbox.test",
                                  ["echo", "ok"]))
    assert (r.returncode, r.stdout) == (0, b"ok\n"), r.stderr


def test_tls_on_ssh_port_in_sshd_mode_is_not_served_but_ssh_works(pool, tmp_path):
    s = pool.get(suite="balanced-v1", mode="sshd", tls_routing=True)
    who = Identity(s, tmp_path)
    r = run(testing.node_ssh_argv(s, who.kh, who.keys, "node1", "sandbox.test", ["echo", "ok"]))
    assert (r.returncode, r.stdout) == (0, b"ok\n"), r.stderr
    # The real sshd owns the SSH port: a TLS ClientHello there gets no TLS.
    assert refused(s, s["ssh_port"], who.crt, who.key) is not None
    # With TLS routing the TransportService is on the web port.
    st = open_ssh(s, who, port=s["web_port"])
    assert testing.proxy_ssh_banner(st)[1].startswith(b"SSH-2.0-")
    st.close_send()
    assert finish(st)[0] == 0


def test_legacy_suite_rsa_tls(pool, tmp_path):
    """RSA host/user TLS CAs and an RSA client key (suite legacy)."""
    s = pool.get(suite="legacy", tls_routing=True)
    who = Identity(s, tmp_path)
    for port in (s["ssh_port"], s["web_port"]):
        st = open_ssh(s, who, port=port)
        assert testing.proxy_ssh_banner(st)[1].startswith(b"SSH-2.0-")
        st.close_send()
        assert finish(st) == (0, "")
