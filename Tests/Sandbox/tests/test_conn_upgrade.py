"""`--conn-upgrade`: an L7 load balancer in front; /webapi/connectionupgrade (WebSocket
`alpn-ping`/`alpn`, and the legacy upgrade) carries an inner TLS routed by ALPN. Also the
ClientHello parser, and that `down` leaves nothing behind."""
import base64
import hashlib
import os
import socket
import ssl
import struct
import time

import pytest

from sandbox import alpn_router, grpc_client as g, procs, testing, websocket

PING_SECONDS = "0.3"


@pytest.fixture(scope="module")
def upg(pool):
    old = os.environ.get("SANDBOX_CONN_UPGRADE_PING_SECONDS")
    os.environ["SANDBOX_CONN_UPGRADE_PING_SECONDS"] = PING_SECONDS
    try:
        return pool.get(suite="balanced-v1", conn_upgrade=True)
    finally:
        if old is None:
            del os.environ["SANDBOX_CONN_UPGRADE_PING_SECONDS"]
        else:
            os.environ["SANDBOX_CONN_UPGRADE_PING_SECONDS"] = old


@pytest.fixture(scope="module")
def who(upg, tmp_path_factory):
    d = tmp_path_factory.mktemp("alice-upg")
    keys = testing.ClientKeys.generate(str(d), upg["suite"])
    resp = testing.login(upg, keys)
    crt, key = testing.write_tls_identity(keys, resp)
    return crt, key


def inner_grpc(upg, who, protocol="alpn-ping"):
    status, hdrs, sock = g.websocket_upgrade("127.0.0.1", upg["web_port"], upg["web_ca_pem"],
                                             protocol=protocol)
    assert status == 101
    ws = g.WebSocketTransport(sock)
    inner = g.InnerTLS(ws, g.client_ctx(upg["tls_ca_pem"], who[0], who[1], g.ALPN_GRPC),
                       g.sni_for(upg["cluster"]))
    return hdrs, ws, inner


def test_outer_tls_negotiates_only_http11(upg):
    assert upg["tls_routing"] and upg["conn_upgrade"]
    assert testing.web_request(upg, "GET", "/webapi/ping")[1]["proxy"]["tls_routing_enabled"]
    # The upgrade detection of Go tsh: offering teleport-reversetunnel gets nothing.
    for alpn in (["teleport-reversetunnel"], g.ALPN_GRPC, ["teleport-proxy-ssh"]):
        t = g.tls_connect("127.0.0.1", upg["web_port"], upg["web_ca_pem"], None, None,
                          "localhost", alpn=alpn)
        assert t.selected_alpn() is None
        t.close()


def test_websocket_alpn_ping_carries_proxy_ssh(upg, who):
    hdrs, ws, inner = inner_grpc(upg, who)
    assert hdrs["upgrade"].lower() == "websocket"
    assert hdrs["connection"].lower() == "upgrade"
    assert hdrs["sec-websocket-protocol"] == "alpn-ping"
    want = base64.b64encode(hashlib.sha1(
        (hdrs["_key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    assert hdrs["sec-websocket-accept"] == want
    assert inner.selected_alpn() == "h2"
    st = testing.proxy_ssh_open(upg, who[0], who[1], "node1:3022", transport=inner)
    details, banner = testing.proxy_ssh_banner(st)
    assert details and banner.startswith(b"SSH-2.0-")
    time.sleep(3 * float(PING_SECONDS) + 0.3)
    st.close_send()
    while st.recv_message() is not None:
        pass
    assert st.status == 0
    assert ws.pings >= 2 and ws.last_ping == b"teleport"


def test_websocket_alpn_has_no_pings_and_close_is_eof(upg, who):
    hdrs, ws, inner = inner_grpc(upg, who, protocol="alpn")
    assert hdrs["sec-websocket-protocol"] == "alpn"
    st = testing.proxy_ssh_open(upg, who[0], who[1], "nosuch:3022", transport=inner)
    while st.recv_message() is not None:
        pass
    assert st.status == 14
    assert ws.pings == 0
    # A Close frame is EOF for the inner connection: the server then closes.
    ws.send_close()
    ws.sock.settimeout(10)
    try:
        while ws.sock.recv(65536):
            pass
    except (ssl.SSLError, OSError):
        pass


def test_inner_routes_like_the_tls_port(upg):
    status, _, sock = g.websocket_upgrade("127.0.0.1", upg["web_port"], upg["web_ca_pem"])
    assert status == 101
    inner = g.InnerTLS(g.WebSocketTransport(sock),
                       g.client_ctx(upg["web_ca_pem"], None, None, ["teleport-reversetunnel"]),
                       "localhost")
    assert inner.selected_alpn() == "teleport-reversetunnel"
    status, _, sock = g.websocket_upgrade("127.0.0.1", upg["web_port"], upg["web_ca_pem"])
    inner = g.InnerTLS(g.WebSocketTransport(sock),
                       g.client_ctx(upg["web_ca_pem"], None, None, ["teleport-proxy-ssh"]),
                       "localhost")
    assert inner.selected_alpn() == "teleport-proxy-ssh"
    assert inner.recv(8) == b"SSH-2.0-"


def test_bad_upgrade_requests(upg):
    # No Sec-WebSocket-Key: gorilla's 400.
    raw = socket.create_connection(("127.0.0.1", upg["web_port"]), timeout=10)
    s = g.client_ctx(upg["web_ca_pem"], None, None, ["http/1.1"]).wrap_socket(
        raw, server_hostname="localhost")
    s.sendall(b"GET /webapi/connectionupgrade HTTP/1.1\r\nHost: localhost\r\n"
              b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Protocol: alpn-ping\r\n\r\n")
    assert s.recv(12) == b"HTTP/1.1 400"
    s.close()
    raw = socket.create_connection(("127.0.0.1", upg["web_port"]), timeout=10)
    s = g.client_ctx(upg["web_ca_pem"], None, None, ["http/1.1"]).wrap_socket(
        raw, server_hostname="localhost")
    s.sendall(b"GET /webapi/connectionupgrade HTTP/1.1\r\nHost: localhost\r\n"
              b"Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n")
    assert s.recv(12) == b"HTTP/1.1 404"  # trace.NotFound: unsupported upgrade types
    s.close()


def test_legacy_alpn_ping_upgrade(upg, who):
    raw = socket.create_connection(("127.0.0.1", upg["web_port"]), timeout=15)
    s = g.client_ctx(upg["web_ca_pem"], None, None, ["http/1.1"]).wrap_socket(
        raw, server_hostname="localhost")
    s.sendall(b"GET /webapi/connectionupgrade HTTP/1.1\r\nHost: localhost\r\n"
              b"Upgrade: alpn-ping\r\nX-Teleport-Upgrade: alpn-ping\r\n"
              b"Connection: Upgrade\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101")
    assert b"X-Teleport-Upgrade: alpn-ping" in head

    class PingConn:
        """api/utils/pingconn framing: 4-byte length, 0 = ping."""
        def __init__(self, sock):
            self.sock, self.buf, self.pings = sock, b"", 0

        def send(self, d):
            self.sock.sendall(struct.pack(">I", len(d)) + d)

        def recv(self, n=65536):
            while True:
                while len(self.buf) < 4:
                    d = self.sock.recv(65536)
                    if not d:
                        return b""
                    self.buf += d
                ln = struct.unpack(">I", self.buf[:4])[0]
                if ln == 0:
                    self.pings += 1
                    self.buf = self.buf[4:]
                    continue
                while len(self.buf) < 4 + ln:
                    self.buf += self.sock.recv(65536)
                out, self.buf = self.buf[4:4 + ln], self.buf[4 + ln:]
                return out

        def close(self):
            self.sock.close()

    pc = PingConn(s)
    inner = g.InnerTLS(pc, g.client_ctx(upg["tls_ca_pem"], who[0], who[1], g.ALPN_GRPC),
                       g.sni_for(upg["cluster"]))
    st = testing.proxy_ssh_open(upg, who[0], who[1], "node1:3022", transport=inner)
    assert testing.proxy_ssh_banner(st)[1].startswith(b"SSH-2.0-")
    st.close()


# ------------------------------------------------------------------------ ClientHello

def client_hello(alpn, sni="x.teleport.cluster.local"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inb, outb, server_hostname=sni)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return outb.read()


def refragment(hello: bytes, size: int) -> bytes:
    """The same handshake message in records of `size` bytes."""
    body = hello[5:5 + struct.unpack(">H", hello[3:5])[0]]
    out = b""
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += bytes([22, 3, 1]) + struct.pack(">H", len(part)) + part
    return out


def test_client_hello_parser():
    h = client_hello(["teleport-proxy-ssh-grpc", "h2"])
    p = alpn_router.parse_client_hello(h)
    assert p.alpn == ["teleport-proxy-ssh-grpc", "h2"]
    assert p.sni == "x.teleport.cluster.local"
    assert alpn_router.parse_client_hello(client_hello([])).alpn == []
    frag = refragment(h, 50)
    assert alpn_router.parse_client_hello(frag).alpn == p.alpn
    for cut in (1, 4, 5, 60, len(frag) - 1):
        assert alpn_router.parse_client_hello(frag[:cut]) is None
    for bad in (b"SSH-2.0-x\r\n", b"GET / HTTP/1.1\r\n", b"\x16\x03\x01\x00\x00",
                b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00",
                b"\x16\x03\x01\x00\x04\x01\xff\xff\xff"):
        with pytest.raises(alpn_router.HelloError):
            alpn_router.parse_client_hello(bad)
    # A truncated body inside a complete message is an error, not "need more".
    body = bytearray(h[5:])
    body[1:4] = (40).to_bytes(3, "big")
    with pytest.raises(alpn_router.HelloError):
        alpn_router.parse_client_hello(bytes([22, 3, 1, 0, 44]) + bytes(body[:44]))
    # Random garbage never crashes the parser.
    rnd = os.urandom(1 << 16)
    for i in range(0, len(rnd) - 300, 97):
        chunk = bytes([22, 3, 1]) + rnd[i:i + 300]
        try:
            alpn_router.parse_client_hello(chunk)
        except alpn_router.HelloError:
            pass


def test_fragmented_hello_over_the_network(pool):
    s = pool.get(suite="balanced-v1", tls_routing=True)

    class Dribble(g.SocketTransport):
        """Sends the ClientHello re-recorded in 40-byte records, a few bytes at a time."""
        first = True

        def send(self, data):
            if self.first:
                self.first = False
                data = refragment(data[:5 + struct.unpack(">H", data[3:5])[0]], 40) + \
                    data[5 + struct.unpack(">H", data[3:5])[0]:]
                for i in range(0, len(data), 7):
                    self.sock.sendall(data[i:i + 7])
                    time.sleep(0.002)
                return
            self.sock.sendall(data)

    raw = socket.create_connection(("127.0.0.1", s["web_port"]), timeout=15)
    inner = g.InnerTLS(Dribble(raw), g.client_ctx(s["web_ca_pem"], None, None,
                                                  ["teleport-reversetunnel"]), "localhost")
    assert inner.selected_alpn() == "teleport-reversetunnel"
    raw.close()
    # Garbage and silence are closed.
    with socket.create_connection(("127.0.0.1", s["web_port"]), timeout=20) as c:
        c.sendall(b"\x16\x03\x01\xff\xff" + b"\0" * 100)
        try:
            assert c.recv(10) == b""
        except ConnectionResetError:
            pass


def test_websocket_frame_codec():
    frames = [websocket.encode_frame(2, b"x" * n) for n in (0, 125, 126, 65535, 65536)]
    data = b"".join(frames)
    pos = [0]

    def read(n):
        out = data[pos[0]:pos[0] + n]
        pos[0] += len(out)
        return out
    for n in (0, 125, 126, 65535, 65536):
        assert websocket.read_frame(read) == (2, b"x" * n)
    mask = b"\x01\x02\x03\x04"
    masked = bytes([0x82, 0x83]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"abc"))
    pos[0], data = 0, masked
    assert websocket.read_frame(read) == (2, b"abc")
    for bad in (bytes([0xC2, 0x00]), bytes([0x09, 0x00]), bytes([0x89, 126, 0, 200]),
                bytes([0x82, 127]) + struct.pack(">Q", 1 << 63)):
        pos[0], data = 0, bad
        with pytest.raises(websocket.FrameError):
            websocket.read_frame(read)


# ------------------------------------------------------------------------ down

def test_down_leaves_nothing_with_open_tls_connections(tmp_path):
    d = str(tmp_path / "sbx")
    os.makedirs(d)
    s = testing.up(d, parent_pid=os.getpid(), conn_upgrade=True)
    held = []
    try:
        keys = testing.ClientKeys.generate(str(tmp_path / "c"), s["suite"])
        crt, key = testing.write_tls_identity(keys, testing.login(s, keys))
        # An open ProxySSH on the SSH port, and an open upgraded connection.
        st = testing.proxy_ssh_open(s, crt, key, "node1:3022")
        assert testing.proxy_ssh_banner(st)[1].startswith(b"SSH-2.0-")
        held.append(st.t.sock)
        status, _, sock = g.websocket_upgrade("127.0.0.1", s["web_port"], s["web_ca_pem"])
        assert status == 101
        held.append(sock)
    finally:
        t0 = time.time()
        testing.down(d)
    assert time.time() - t0 < 10
    assert not procs.alive(s["supervisor_pid"])
    for pid in s["sshd_pids"]:
        assert not procs.alive(pid)
    for c in held:
        c.settimeout(5)
        try:
            assert c.recv(10) in (b"",)
        except (ssl.SSLError, OSError):
            pass
    assert not os.path.exists(os.path.join(d, "transport.sock"))
